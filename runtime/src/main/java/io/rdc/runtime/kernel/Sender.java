package io.rdc.runtime.kernel;

import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.transport.Frames;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.agrona.MutableDirectBuffer;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * The sending primitives (ch. 4: send, asinvoke, dgram, invoke, reply, forward), on the caller's
 * thread: sequence numbers, the stream's window of unacknowledged messages, following a stream's
 * retarget once nothing is in flight. Each message is encoded by the {@link KernelPublisher}
 * into the sending incarnation's own buffer and offered from this thread (no hop through the
 * kernel thread on the send path).
 */
final class Sender {
    private final Kernel k;

    Sender(Kernel k) {
        this.k = k;
    }

    // =====================================================================================
    // Sending (caller's thread)

    /**
     * Sends a message on a stream with one of the asynchronous primitives (send, asinvoke, dgram).
     * Reliable kinds return once the message is handed to Aeron within the stream's window; a later
     * refusal by the destination fails the stream, and the next call says why.
     */
    public void send(Incarnation src, Stream st, int kind, byte[] head, byte[] body, RefDescriptor ref) {
        int bodyLen = body == null ? 0 : body.length;
        checkSendable(st, head);
        int total = Frames.D_HEADER + KernelPublisher.len(head) + bodyLen + (ref == null ? 0 : RefDescriptor.ENCODED_LENGTH);
        if ((kind == Frames.KIND_SEND || kind == Frames.KIND_DGRAM) && total > MAX_FRAME)
            throw new OperationException((kind == Frames.KIND_SEND ? "send" : "dgram") + " on " + st + ": message of "
                    + total + " bytes exceeds one frame (" + MAX_FRAME + " bytes); use asinvoke or invoke for bulk data");
        if (kind == Frames.KIND_DGRAM) {
            // Unreliable: no sequence, no acknowledgement, no error when nobody listens.
            long dest = st.destAddr;
            if (st.multicast) broadcast(src, st, kind, 0, head, body, ref, 0, 0);
            else if (dest != 0) offerData(src, st, kind, 0, Ids.node(dest), dest, head, body, ref, 0, 0);
            else offerData(src, st, kind, 0, Ids.node(st.channel), 0, head, body, ref, 0, 0);
            return;
        }
        if (kind == Frames.KIND_ASINVOKE) {
            // The per-stream buffer limit of asinvoke: wait until earlier bulk is acknowledged.
            if (st.ackedSeq >= st.lastSeq) st.bulkInFlight = 0;
            if (st.bulkInFlight + bodyLen > BULK_LIMIT && st.bulkInFlight > 0) {
                awaitAcked(st, st.lastSeq);
                st.bulkInFlight = 0;
            }
            st.bulkInFlight += bodyLen;
            try {
                sendReliable(src, st, kind, head, body, ref, 0, 0);
            } catch (RuntimeException e) {
                st.bulkInFlight -= bodyLen;
                throw e;
            }
            return;
        }
        sendReliable(src, st, kind, head, body, ref, 0, 0);
    }

    void checkSendable(Stream st, byte[] head) {
        if (st.closed) throw new OperationException(st + " is closed" + (st.closedWhy != null ? ": " + st.closedWhy : ""));
        String f = st.failure;
        if (f != null) throw new OperationException(st + " failed: " + f);
        if (k.pool.anyDown()) failIfReceiverDown(st);
        if (head != null && head.length > MAX_HEAD)
            throw new OperationException("message head of " + head.length + " bytes exceeds " + MAX_HEAD + " bytes; put bulk data in the body");
    }

    long sendReliable(Incarnation src, Stream st, int kind, byte[] head, byte[] body, RefDescriptor ref,
                              long invokeId, int replyNode) {
        if (st.frozen) awaitUnfrozen(st);
        Stream.Retarget rt = st.retarget;
        if (rt != null) {
            // Switch only with nothing in flight: what is in flight follows the old route, which
            // forwards in order; what is sent next goes straight to the new port, under the new
            // binding's epoch. A retarget set meanwhile (a later rebinding) stays for the next send.
            awaitAcked(st, st.lastSeq);
            st.switchedAt = st.lastSeq;
            st.channel = rt.channel();
            st.destAddr = rt.addr();
            if (rt.epoch() > st.epoch) st.epoch = rt.epoch();
            Stream.RETARGET.compareAndSet(st, rt, null);
        }
        if (!st.multicast && st.destAddr == 0) k.router.locate(st);
        if (st.multicast && st.sent == 0) k.router.locate(st);
        if (st.lastSeq - st.ackedSeq >= WINDOW) awaitAcked(st, st.lastSeq - WINDOW / 2);
        long seq = ++st.lastSeq;
        try {
            if (st.multicast) {
                broadcast(src, st, kind, seq, head, body, ref, invokeId, replyNode);
                st.sent++;
            } else {
                long dest = st.destAddr;
                int status = offerData(src, st, kind, seq, Ids.node(dest), dest, head, body, ref, invokeId, replyNode);
                if (status != Frames.OK) {
                    // What went before and was not acknowledged may be lost with the node: the stream stays failed and says so.
                    String why = failWithUnacknowledged(st, "node " + Ids.node(dest) + " is unreachable (Aeron publication not connected)", seq - 1 - st.ackedSeq);
                    throw new OperationException("send on " + st + " failed: " + why);
                }
            }
        } catch (RuntimeException e) {
            // Nothing went out (refused before any offer): the number is not used, or the next acknowledged send would wait for it.
            st.lastSeq--;
            throw e;
        }
        return seq;
    }

    /**
     * The node a stream's messages reach is down (the control plane's liveness bound): the next use of
     * the stream says so, and how many messages it sent were never acknowledged, since those may be
     * lost (issue 21: asynchronous sends to a killed node returned OK and were silently lost). With
     * such messages the stream stays failed, as after a refusal; with none, only this call fails.
     */
    private void failIfReceiverDown(Stream st) {
        if (st.multicast) return;
        int n = receiverNode(st);
        if (n == 0 || n == k.nodeId || !k.pool.isDown(n)) return;
        if (st.lastSeq == st.ackedSeq && st.retarget == null && relocated(st)) return;
        String why = failWithUnacknowledged(st, "node " + n + " is UNREACHABLE (no heartbeat within the control plane's bound)", st.lastSeq - st.ackedSeq);
        throw new OperationException(st + " failed: " + why);
    }

    /**
     * Nothing the stream sent waits for an acknowledgement, so nothing is lost if its port is found
     * elsewhere: the address it had may be old (a name or stream-space entry made before the port
     * migrated away from the node that has died since). Locates the channel again (§8.4.3); true when
     * its port is now at a node that is up. Sprite's lesson: no dependence on a home node that is gone.
     */
    private boolean relocated(Stream st) {
        long before = st.destAddr;
        try {
            k.router.locate(st);
        } catch (OperationException none) {
            // nobody holds the channel's port: the failure below says the node is unreachable
        }
        if (st.destAddr != before && st.destAddr != 0 && !k.pool.isDown(Ids.node(st.destAddr))) return true;
        st.destAddr = before;
        return false;
    }

    /** {@code why}, with the count of messages that may be lost when there are any; then the stream stays failed with it. */
    private static String failWithUnacknowledged(Stream st, String why, long unacknowledged) {
        if (unacknowledged <= 0) return why;
        why += "; " + unacknowledged + " messages sent on it were not acknowledged and may not have been delivered";
        st.failure = why;
        return why;
    }

    void awaitUnfrozen(Stream st) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (st.frozen) {
            if (st.closed) throw new OperationException(st + " is closed");
            if (System.nanoTime() - deadline > 0) throw new OperationException(st + " stayed frozen for 10 minutes");
            if (k.assist() == 0) java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    void awaitAcked(Stream st, long seq) {
        long deadline = System.nanoTime() + ACK_TIMEOUT_NS;
        int spins = 0;
        while (st.ackedSeq < seq) {
            if (st.failure != null) throw new OperationException("send on " + st + " failed: " + st.failure);
            if (k.pool.anyDown()) failIfReceiverDown(st);
            if (System.nanoTime() - deadline > 0)
                throw new OperationException("send on " + st + " failed: no acknowledgement for " + (st.lastSeq - st.ackedSeq)
                        + " messages within " + TimeUnit.NANOSECONDS.toSeconds(ACK_TIMEOUT_NS) + " s (destination node "
                        + (st.multicast ? "group" : String.valueOf(Ids.node(st.destAddr))) + " unreachable or overloaded)");
            if (k.assist() > 0) continue; // the acknowledgements may be ours to read
            if (++spins < 100) Thread.onSpinWait();
            else if (spins < 200) Thread.yield();
            else java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
    }

    /** Waits until every message sent on the stream is acknowledged (queued at its port), or fails. */
    public void flush(Stream st) {
        awaitAcked(st, st.lastSeq);
    }

    void broadcast(Incarnation src, Stream st, int kind, long seq, byte[] head, byte[] body, RefDescriptor ref,
                           long invokeId, int replyNode) {
        int delivered = 0;
        long mask = 0;
        java.util.List<NodeInfo> nodes = k.pool.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            MutableDirectBuffer b = src.sendBuffer();
            int len = k.publisher.encodeData(b, st, kind | Frames.F_MULTICAST, seq, 0, head, body, ref, invokeId, replyNode);
            if (k.transport.offerIfConnected(nodes.get(i).id(), b, 0, len, null) == Frames.OK) {
                delivered++;
                if (i < 64) mask |= 1L << i;
            }
        }
        if (delivered == 0 && kind != Frames.KIND_DGRAM)
            throw new OperationException("multicast on " + st + " failed: no node reachable");
        if (kind != Frames.KIND_DGRAM && st.offeredMask != mask) st.offeredMask = nodes.size() <= 64 ? mask : 0;
    }

    int offerData(Incarnation src, Stream st, int kind, long seq, int node, long port, byte[] head, byte[] body,
                          RefDescriptor ref, long invokeId, int replyNode) {
        MutableDirectBuffer b = src.sendBuffer();
        int len = k.publisher.encodeData(b, st, kind, seq, port, head, body, ref, invokeId, replyNode);
        if (len > k.transport.maxMessageLength(node) && k.transport.maxMessageLength(node) > 0)
            throw new OperationException("message of " + len + " bytes exceeds the transport's limit of " + k.transport.maxMessageLength(node) + " bytes");
        return k.transport.offer(node, b, 0, len, null);
    }

    /** A synchronous invocation: sends and blocks until the receiver replies or implicitly acknowledges. */
    public Reply invoke(Incarnation src, Stream st, byte[] head, byte[] body, RefDescriptor ref, long timeoutNs) {
        checkSendable(st, head);
        long id = Ids.make(k.nodeId, k.requests.callIds.incrementAndGet());
        Waiter w = new Waiter();
        k.requests.calls.put(id, w);
        st.pendingInvoke = id;
        try {
            Probe.stamp(0);
            sendReliable(src, st, Frames.KIND_INVOKE, head, body, ref, id, k.nodeId);
            if (!k.requests.awaitUnlessDown(w, timeoutNs, () -> receiverNode(st), "invoke on " + st))
                throw new OperationException("invoke on " + st + ": no reply within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms");
        } finally {
            k.requests.calls.remove(id);
            st.pendingInvoke = 0;
        }
        Probe.stamp(5);
        if (w.status != Frames.OK) throw new OperationException("invoke on " + st + " failed: " + w.value);
        return (Reply) w.value;
    }

    /** The node of the port a stream's messages reach, once known (its binding, or what the acknowledgements taught it); else 0. */
    static int receiverNode(Stream st) {
        Stream.Retarget rt = st.retarget;
        long at = rt != null ? rt.addr() : st.destAddr;
        return at != 0 ? Ids.node(at) : 0;
    }

    /** Replies to an invocation; the invoker, blocked since, resumes. */
    public void reply(Incarnation replier, Message m, byte[] head, byte[] body, RefDescriptor ref) {
        if (m.invokeId == 0) throw new OperationException("the message was not sent by invoke; there is no invoker to reply to");
        if (m.answered) throw new OperationException("the invocation was already replied to");
        m.answered = true;
        if (k.pool.isDown(m.replyNode))
            throw new OperationException("reply failed: the invoker's node " + m.replyNode + " is UNREACHABLE (no heartbeat within the control plane's bound)");
        MutableDirectBuffer b = replier.sendBuffer();
        int len = k.publisher.encodeReply(b, m.invokeId, Frames.OK, m.port.gid, head, body, ref);
        Probe.stamp(3);
        if (k.transport.offer(m.replyNode, b, 0, len, null) != Frames.OK)
            throw new OperationException("reply failed: the invoker's node " + m.replyNode + " is unreachable");
    }

    /** Fails the invoker of a message that will never be answered (port closed, receiver died). */
    public void failInvoker(Message m, String why) {
        if (m.invokeId == 0 || m.answered) return;
        m.answered = true;
        byte[] msg = why.getBytes(StandardCharsets.UTF_8);
        k.onKernel(() -> {
            int len = k.publisher.encodeReply(k.publisher.kbuf, m.invokeId, Frames.FAILED, m.port.gid, msg, null, null);
            k.outbox.offer(m.replyNode, k.publisher.kbuf, 0, len);
        });
    }

    /**
     * Forwards an invocation to another stream (§4.4): the original invoker stays blocked until the
     * final receiver replies. The head may be replaced.
     */
    public void forward(Incarnation src, Stream st, Message m, byte[] head) {
        if (m.invokeId == 0) throw new OperationException("only an invocation can be forwarded");
        if (m.answered) throw new OperationException("the invocation was already replied to");
        checkSendable(st, head);
        m.answered = true;
        sendReliable(src, st, Frames.KIND_INVOKE, head == null ? m.head : head, m.body, m.ref, m.invokeId, m.replyNode);
    }
}
