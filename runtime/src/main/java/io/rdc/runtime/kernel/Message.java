package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.RefDescriptor;
import java.nio.charset.StandardCharsets;

/**
 * An invocation message arrived at a port (§4.2): a small head (JSON text, readable without
 * decoding the body), an optional body, an optional propagated reference, and for invokes the
 * address where the invoker waits for its reply.
 */
public final class Message {
    public final Port port;
    public final long streamGid;
    public final long seq;
    /** The channel it arrived over (a port may be attached to several). */
    public final long channel;
    public final int srcNode;
    public final int kind;
    public final long invokeId;
    public final int replyNode;
    public final byte[] head;
    public final byte[] body;
    public final RefDescriptor ref;
    public final long arrivedNanos;
    /** The stream's binding epoch the message was sent (or last redirected) under (see {@link Stream#epoch}). */
    final long epoch;
    /** Set once the invoker has been answered (explicitly, implicitly or by forwarding). */
    volatile boolean answered;
    volatile boolean deferred;

    Message(Port port, long streamGid, long seq, long channel, int srcNode, int kind, long invokeId, int replyNode,
            byte[] head, byte[] body, RefDescriptor ref, long epoch) {
        this.port = port;
        this.streamGid = streamGid;
        this.seq = seq;
        this.channel = channel;
        this.srcNode = srcNode;
        this.kind = kind;
        this.invokeId = invokeId;
        this.replyNode = replyNode;
        this.head = head;
        this.body = body;
        this.ref = ref;
        this.epoch = epoch;
        this.arrivedNanos = System.nanoTime();
    }

    /**
     * An invocation a migrated incarnation had received and deferred, re-made at its new node with
     * its new port: whoever holds it there replies to the invoker, who waits where it was.
     */
    public static Message deferredAt(Port port, long streamGid, long seq, long channel, int srcNode, int kind, long invokeId,
                                     int replyNode, byte[] head, byte[] body, RefDescriptor ref) {
        Message m = new Message(port, streamGid, seq, channel, srcNode, kind, invokeId, replyNode, head, body, ref, 0);
        m.deferred = true; // delivered already: its binding epoch no longer matters
        return m;
    }

        public boolean awaitsReply() {
        return invokeId != 0 && !answered;
    }

    public String headText() {
        return head == null || head.length == 0 ? "null" : new String(head, StandardCharsets.UTF_8);
    }

    public boolean isDeferred() {
        return deferred;
    }

    /** What a queued message costs besides its head and body: this object and its arrays' headers (approximate). */
    static final int OVERHEAD = 128;

    /** Its size as counted against its port's queue quota: head and body bytes plus {@link #OVERHEAD}. */
    long bytes() {
        return OVERHEAD + (head == null ? 0 : head.length) + (body == null ? 0 : body.length);
    }
}
