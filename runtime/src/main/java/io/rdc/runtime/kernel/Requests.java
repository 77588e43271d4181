package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Payload;
import io.rdc.runtime.kernel.codec.SpaceGotDecoder;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * Requests between kernels and their responses (ch. 8's kernel-to-kernel operations): call ids,
 * the waiters of threads that block for an answer, and the callbacks of requests made from the
 * kernel thread, which must never wait. Invocations share the call ids and waiters.
 */
final class Requests {
    private final Kernel k;

    Requests(Kernel k) {
        this.k = k;
    }
    final AtomicLong callIds = new AtomicLong();
    /** Callbacks of requests made from the kernel thread, which must never wait for a response. */
    final Long2ObjectHashMap<java.util.function.Consumer<Response>> pendingCallbacks = new Long2ObjectHashMap<>();
    final ConcurrentHashMap<Long, Waiter> calls = new ConcurrentHashMap<>();

    /** How often a long wait looks whether the node it waits on is still alive. */
    static final long LIVENESS_SLICE_NS = TimeUnit.MILLISECONDS.toNanos(250);

    /**
     * Waits for an answer from {@code node} (0 while unknown), failing as soon as the control plane
     * finds that node down rather than at the caller's timeout (issue 21: an invoke in flight to a
     * killed node waited out its full timeout). Returns false at the timeout, as {@link Waiter#await} does.
     */
    boolean awaitUnlessDown(Waiter w, long timeoutNs, java.util.function.IntSupplier node, String what) {
        long deadline = System.nanoTime() + timeoutNs;
        while (true) {
            long left = deadline - System.nanoTime();
            if (w.await(Math.min(Math.max(left, 0), LIVENESS_SLICE_NS), k)) return true;
            if (left <= LIVENESS_SLICE_NS) return false;
            int n = node.getAsInt();
            if (n != 0 && n != k.nodeId && k.pool.isDown(n))
                throw new OperationException(what + " failed: node " + n + " is UNREACHABLE (no heartbeat within the control plane's bound); the answer will not come");
        }
    }

    /**
     * Sends a request to a node's kernel (possibly this one, through Aeron) and waits for its response.
     * A request an operator's session makes with credentials is MACed for its node with the key they
     * agreed (docs/security.md, "Operator tokens"): when the node answers that the session has no key
     * with it yet (or one it made before it restarted), the session agrees one with the key the answer
     * hands out and asks again; when it answers that the target moved, the session asks where it went
     * (a MACed request is not forwarded). Neither answer acted on anything. At most
     * {@value #MAC_ROUNDS} such rounds.
     */
    public Response request(int node, int op, Payload payload, long timeoutNs) {
        Authority.Acting acting = Authority.actingOnThisThread();
        Response r = requestOnce(node, op, payload, timeoutNs);
        if (acting == null || acting.credentials() == null) return r;
        for (int round = 0; round < MAC_ROUNDS && r.status() == io.rdc.runtime.transport.Frames.FAILED; round++) {
            String error = r.error();
            byte[] nodeKey = io.rdc.runtime.security.OperatorMacs.keyIn(error, node);
            int moved = Authority.movedTo(error);
            if (nodeKey != null) acting.credentials().agree(node, nodeKey);
            else if (moved != 0 && moved != node) node = moved;
            else return r;
            r = requestOnce(node, op, payload, timeoutNs);
        }
        return r;
    }

    /** Key agreements and moves a request follows before its answer is taken as it is. */
    static final int MAC_ROUNDS = 4;

    private Response requestOnce(int node, int op, Payload payload, long timeoutNs) {
        if (k.pool.isDown(node))
            throw new OperationException("node " + node + " is UNREACHABLE: the control plane has had no heartbeat from it within its liveness bound");
        long id = Ids.make(k.nodeId, callIds.incrementAndGet());
        Waiter w = new Waiter();
        calls.put(id, w);
        try {
            if (k.publisher.offerFrame(node, Frames.REQUEST, id, op, payload) != Frames.OK)
                throw new OperationException("node " + node + " is unreachable");
            if (!awaitUnlessDown(w, timeoutNs, () -> node, Kernel.opName(op) + " request to node " + node))
                throw new OperationException("node " + node + " did not answer a " + Kernel.opName(op) + " request within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms");
        } finally {
            calls.remove(id);
        }
        return new Response(w.status, w.payload);
    }

    void onResponse(DirectBuffer buf, int off, int len) {
        long id = buf.getLong(off + Frames.Q_CALL);
        int status = buf.getInt(off + Frames.Q_OP);
        byte[] payload = new byte[len - Frames.Q_HEADER];
        buf.getBytes(off + Frames.Q_HEADER, payload);
        java.util.function.Consumer<Response> callback = pendingCallbacks.remove(id);
        if (callback != null) {
            callback.accept(new Response(status, payload));
            return;
        }
        Waiter w = calls.get(id);
        if (w != null) {
            w.complete(status, payload, null);
            return;
        }
        // Nobody waits any more. A limited stream-space copy sent to a requester that gave up goes
        // back — asynchronously: the kernel thread must never wait for a response it alone can read.
        if (status == Frames.OK && k.adapter.incoming.templateOf(buf, off + Frames.Q_HEADER, len - Frames.Q_HEADER) == SpaceGotDecoder.TEMPLATE_ID) {
            SpaceGotDecoder got = k.adapter.incoming.wrap(buf, off + Frames.Q_HEADER, len - Frames.Q_HEADER, spaceGot);
            long rdc = got.rdc(), holder = got.holder();
            boolean limited = got.limited() != 0;
            RefDescriptor d = RefDescriptor.decode(got.reference());
            String label = got.label();
            // A unicast port not taken stays where it was.
            if (limited) requestAsync(Ids.node(rdc), OP_SPACE_RETURN, SpaceAndNames.spaceReturnRequest(rdc, label, StreamSpace.unicastPort(d) ? d : null, holder));
        }
    }

    private final SpaceGotDecoder spaceGot = new SpaceGotDecoder();

    /** Sends a request whose response nobody waits for (kernel thread only). */
    void requestAsync(int node, int op, Payload payload) {
        requestAsync(node, op, payload, null);
    }

    /** Sends a request from the kernel thread; {@code then} runs on the kernel thread when the response comes. */
    long requestAsync(int node, int op, Payload payload, java.util.function.Consumer<Response> then) {
        long id = Ids.make(k.nodeId, callIds.incrementAndGet());
        if (then != null) pendingCallbacks.put(id, then);
        k.publisher.offerRequest(node, id, op, payload);
        return id;
    }

    /**
     * As above, with a bound: if no response comes within {@code timeoutNs} (the node died or never
     * heard), {@code then} gets a FAILED response saying so.
     */
    void requestAsync(int node, int op, Payload payload, long timeoutNs, java.util.function.Consumer<Response> then) {
        requestAsync(node, op, payload, timeoutNs, then, System.nanoTime() + Math.min(timeoutNs, TimeUnit.SECONDS.toNanos(3)));
    }

    void requestAsync(int node, int op, Payload payload, long timeoutNs, java.util.function.Consumer<Response> then, long connectBy) {
        if (node != k.nodeId && !k.transport.isConnected(node)) {
            // Never wait on the kernel thread for a peer: look again shortly (a new publication
            // takes a moment to connect), and give up if it never does.
            if (System.nanoTime() - connectBy > 0)
                then.accept(new Response(Frames.FAILED, KernelCodec.failure(new KernelCodec.Outgoing(), "node " + node + " is unreachable").toBytes()));
            else k.ghosts.schedule(TimeUnit.MILLISECONDS.toNanos(5), () -> requestAsync(node, op, payload, timeoutNs, then, connectBy));
            return;
        }
        failUnanswered(node, requestAsync(node, op, payload, then), timeoutNs);
    }

    /** Kernel thread: the callback expecting {@code id} gets a FAILED response if none has come within {@code timeoutNs}. */
    void failUnanswered(int node, long id, long timeoutNs) {
        k.ghosts.schedule(timeoutNs, () -> {
            java.util.function.Consumer<Response> c = pendingCallbacks.remove(id);
            if (c != null) c.accept(new Response(Frames.FAILED, KernelCodec.failure(new KernelCodec.Outgoing(), "node " + node + " did not answer within "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms").toBytes()));
        });
    }

    /**
     * Kernel thread: a call id whose response {@code then} takes (on the kernel thread) although the
     * request will be sent later, from another thread ({@link #offerFrame}); FAILED after {@code timeoutNs}.
     */
    long expectResponse(int node, long timeoutNs, java.util.function.Consumer<Response> then) {
        long id = Ids.make(k.nodeId, callIds.incrementAndGet());
        pendingCallbacks.put(id, then);
        failUnanswered(node, id, timeoutNs);
        return id;
    }

    /** Kernel thread: a response expected with {@link #expectResponse} is no longer wanted. */
    void forgetResponse(long id) {
        pendingCallbacks.remove(id);
    }
}
