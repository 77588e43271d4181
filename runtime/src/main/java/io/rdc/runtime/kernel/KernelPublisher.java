package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.security.OperatorMacs;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.kernel.codec.EventNoteEncoder;
import io.rdc.runtime.transport.Payload;
import io.rdc.runtime.transport.Wire;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * The kernel's publisher (in the manner of Aeron's EgressPublisher): encodes the frames a kernel
 * sends (data, replies, acknowledgements, requests, responses, events, forwarded messages) and
 * offers them to the transport. The encoding of every frame between kernels lives here, so that a
 * generated codec replaces it in one place. Data frames are written by the sending thread into its
 * own buffer; the rest, on the kernel thread, into {@link #kbuf}.
 */
final class KernelPublisher {
    private final Kernel k;

    KernelPublisher(Kernel k) {
        this.k = k;
    }

    // ---- kernel-thread scratch
    final ExpandableDirectByteBuffer kbuf = new ExpandableDirectByteBuffer(1024);
    /** Kernel-thread scratch for a response or event; see {@link KernelCodec}. */
    final KernelCodec.Outgoing out = new KernelCodec.Outgoing(512);
    private final EventNoteEncoder eventNote = new EventNoteEncoder();
    final IdleStrategy offerIdle = new YieldingIdleStrategy();

    static int len(byte[] b) {
        return b == null ? 0 : b.length;
    }

    int encodeData(MutableDirectBuffer b, Stream st, int flags, long seq, long port, byte[] head, byte[] body,
                           RefDescriptor ref, long invokeId, int replyNode) {
        int hl = len(head), bl = len(body);
        b.putByte(Frames.TYPE, Frames.DATA);
        b.putByte(Frames.FLAGS, (byte) flags);
        b.putShort(Frames.SHORT_FIELD, (short) hl);
        b.putInt(Frames.SRC_NODE, k.nodeId);
        b.putLong(Frames.D_STREAM, st.gid);
        b.putLong(Frames.D_SEQ, seq);
        b.putLong(Frames.D_CHANNEL, st.channel);
        b.putLong(Frames.D_PORT, port);
        b.putLong(Frames.D_INVOKE, invokeId);
        b.putInt(Frames.D_REPLY_NODE, replyNode);
        b.putInt(Frames.D_BODY_LEN, bl);
        b.putInt(Frames.D_HOPS, 0);
        b.putLong(Frames.D_EPOCH, st.epoch);
        return putPayload(b, Frames.D_HEADER, head, body, ref, Frames.D_REF_LEN);
    }

    /** Writes head, body and an optional reference from {@code pos}; the reference's length goes in {@code refLenField}. */
    static int putPayload(MutableDirectBuffer b, int pos, byte[] head, byte[] body, RefDescriptor ref, int refLenField) {
        if (head != null) {
            b.putBytes(pos, head);
            pos += head.length;
        }
        if (body != null) {
            b.putBytes(pos, body);
            pos += body.length;
        }
        if (ref != null) {
            byte[] rb = ref.toBytes();
            b.putBytes(pos, rb);
            b.putInt(refLenField, rb.length);
            pos += rb.length;
        } else {
            b.putInt(refLenField, 0);
        }
        return pos;
    }

    int encodeReply(MutableDirectBuffer b, long invokeId, int status, long port, byte[] head, byte[] body, RefDescriptor ref) {
        int hl = len(head), bl = len(body);
        Frames.putHeaderTo(b, Frames.REPLY, 0, status, k.nodeId);
        b.putShort(Frames.SHORT_FIELD, (short) status);
        b.putLong(Frames.R_INVOKE, invokeId);
        b.putInt(Frames.R_BODY_LEN, bl);
        b.putLong(Frames.R_PORT, port);
        b.putInt(Frames.R_HEADER, hl);
        return putPayload(b, Frames.R_HEADER + 4, head, body, ref, Frames.R_REF_LEN);
    }

    /**
     * Forwards a frame along a redirection entry (§8.4.3), rewriting the destination address (and
     * the channel and binding epoch, for a rebound stream, so the new port accepts it as arriving
     * over its channel under the new binding).
     */
    void forwardFrame(DirectBuffer buf, int off, int len, long next, long newChannel, long epoch) {
        kbuf.putBytes(0, buf, off, len);
        kbuf.putLong(Frames.D_PORT, next);
        if (newChannel != 0) kbuf.putLong(Frames.D_CHANNEL, newChannel);
        if (epoch != 0) kbuf.putLong(Frames.D_EPOCH, epoch);
        kbuf.putInt(Frames.D_HOPS, kbuf.getInt(Frames.D_HOPS) + 1);
        redirectedMessages++;
        k.outbox.offer(Ids.node(next), kbuf, 0, len);
    }

    void sendAck(int node, long stream, long seq, long port, long channel, int status) {
        Frames.putHeaderTo(kbuf, Frames.ACK, 0, status, k.nodeId);
        kbuf.putLong(Frames.A_STREAM, stream);
        kbuf.putLong(Frames.A_SEQ, seq);
        kbuf.putLong(Frames.A_PORT, port);
        kbuf.putLong(Frames.A_CHANNEL, channel);
        k.outbox.offer(node, kbuf, 0, Frames.A_LEN);
    }

    /**
     * Sends a request or response frame from any thread, straight onto the peer's publication (no hop
     * through the kernel thread). Returns a Frames status.
     */
    int offerFrame(int node, byte kind, long callId, int opOrStatus, Payload payload) {
        UnsafeBuffer b = frame(k.nodeId, node, kind, callId, opOrStatus, payload, kind == Frames.REQUEST ? Authority.actingOnThisThread() : null);
        return k.transport.offer(node, b, 0, b.capacity(), null);
    }

    /**
     * A request or response frame from node {@code src} to node {@code dest}. A request carries who
     * makes it (Authority): {@code acting}, the operator acting on the sending thread, if any (else an
     * empty trailer), and, when the control plane gave that operator's session credentials, the
     * session's MAC for {@code dest} over the whole frame before it (docs/security.md, "Operator tokens").
     */
    static UnsafeBuffer frame(int src, int dest, byte kind, long callId, int opOrStatus, Payload payload, Authority.Acting acting) {
        int plen = payload == null ? 0 : payload.length();
        byte[] trailer = kind != Frames.REQUEST ? null : acting == null ? NO_TRAILER : acting.encode(dest);
        int mac = trailer != null && acting != null && acting.credentials() != null ? OperatorMacs.MAC_LENGTH : 0;
        int tlen = trailer == null ? 0 : trailer.length + mac + Authority.TRAILER_LENGTH_BYTES;
        UnsafeBuffer b = new UnsafeBuffer(new byte[Frames.Q_HEADER + plen + tlen]);
        Frames.putHeaderTo(b, kind, 0, 0, src);
        b.putLong(Frames.Q_CALL, callId);
        b.putInt(Frames.Q_OP, opOrStatus);
        if (plen > 0) b.putBytes(Frames.Q_HEADER, payload.buffer(), 0, plen);
        if (trailer != null) {
            int at = Frames.Q_HEADER + plen;
            b.putBytes(at, trailer);
            at += trailer.length;
            if (mac > 0) {
                acting.credentials().mac(dest, b, 0, at, b.byteArray(), at);
                at += mac;
            }
            b.putShort(at, (short) (trailer.length + mac));
        }
        return b;
    }

    private static final byte[] NO_TRAILER = new byte[0];

    /** Sends an event for {@code watcher} at {@code node} from the kernel thread. */
    void offerEvent(int node, long watcher, Event e) {
        out.begin(eventNote).watcher(watcher).subject(e.subject()).eventType(e.type().ordinal()).atMillis(e.atMillis())
                .subjectName(e.subjectName()).detail(e.detail());
        Frames.putHeaderTo(kbuf, Frames.EVENT, 0, 0, k.nodeId);
        kbuf.putBytes(Frames.EVENT_HEADER, out.buffer(), 0, out.length());
        k.outbox.offer(node, kbuf, 0, Frames.EVENT_HEADER + out.length());
    }

    /** Sends a request from the kernel thread. */
    void offerRequest(int node, long callId, int op, Payload payload) {
        Frames.putHeaderTo(kbuf, Frames.REQUEST, 0, 0, k.nodeId);
        kbuf.putLong(Frames.Q_CALL, callId);
        kbuf.putInt(Frames.Q_OP, op);
        kbuf.putBytes(Frames.Q_HEADER, payload.buffer(), 0, payload.length());
        kbuf.putShort(Frames.Q_HEADER + payload.length(), (short) 0); // the kernel's own request: no operator (Authority)
        k.outbox.offer(node, kbuf, 0, Frames.Q_HEADER + payload.length() + Authority.TRAILER_LENGTH_BYTES);
    }

    /** Sends a response from the kernel thread. */
    void respond(int node, long callId, int status, Payload payload) {
        int plen = payload == null ? 0 : payload.length();
        ExpandableDirectByteBuffer b = kbuf;
        Frames.putHeaderTo(b, Frames.RESPONSE, 0, 0, k.nodeId);
        b.putLong(Frames.Q_CALL, callId);
        b.putInt(Frames.Q_OP, status);
        if (plen > 0) b.putBytes(Frames.Q_HEADER, payload.buffer(), 0, plen);
        k.outbox.offer(node, b, 0, Frames.Q_HEADER + plen);
    }

    /** Sends a response from any thread (the loader answers from the new incarnation's thread). */
    void respondFromAnyThread(int node, long callId, int status, Payload payload) {
        k.onKernel(() -> respond(node, callId, status, payload));
    }

    void respondError(int node, long callId, String message) {
        respond(node, callId, Frames.FAILED, KernelCodec.failure(new KernelCodec.Outgoing(), message));
    }

    /** Messages this kernel forwarded: queued ones moved by a reconfiguration, and arrivals redirected. Kernel thread writes. */
    volatile long movedMessages, redirectedMessages;

    public long movedMessages() {
        return movedMessages;
    }

    public long redirectedMessages() {
        return redirectedMessages;
    }

    /** Forwards a queued message to a port elsewhere: already acknowledged, so the new kernel does not ack it again. */
    void forwardMessage(Message m, long to) {
        forwardMessage(m, to, m.channel, m.epoch);
    }

    void forwardMessage(Message m, long to, long channel, long epoch) {
        int hl = len(m.head), bl = len(m.body);
        kbuf.putByte(Frames.TYPE, Frames.DATA);
        kbuf.putByte(Frames.FLAGS, (byte) (m.kind | Frames.F_FORWARDED));
        kbuf.putShort(Frames.SHORT_FIELD, (short) hl);
        kbuf.putInt(Frames.SRC_NODE, m.srcNode);
        kbuf.putLong(Frames.D_STREAM, m.streamGid);
        kbuf.putLong(Frames.D_SEQ, m.seq);
        kbuf.putLong(Frames.D_CHANNEL, channel);
        kbuf.putLong(Frames.D_PORT, to);
        kbuf.putLong(Frames.D_INVOKE, m.answered ? 0 : m.invokeId);
        kbuf.putInt(Frames.D_REPLY_NODE, m.replyNode);
        kbuf.putInt(Frames.D_BODY_LEN, bl);
        kbuf.putInt(Frames.D_HOPS, 1);
        kbuf.putLong(Frames.D_EPOCH, epoch);
        int pos = putPayload(kbuf, Frames.D_HEADER, m.head, m.body, m.ref, Frames.D_REF_LEN);
        m.answered = true; // its invoker, if any, is now the new receiver's to answer
        movedMessages++;
        k.outbox.offer(Ids.node(to), kbuf, 0, pos);
    }
}
