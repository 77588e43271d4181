package io.rdc.runtime.kernel;

import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Transport;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableRingBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.IdleStrategy;

/**
 * Frames the kernel's duty cycle could not put in a peer's log at once (back pressure, or a
 * publication still connecting). They wait here, in order, and go first on the next cycles, so the
 * duty cycle never waits on a peer (Aeron's style: an agent that cannot offer retries on its next
 * duty cycle instead of blocking it).
 *
 * <p>Why: the duty cycle used to wait in the offer, up to 10 s. When the full log was the kernel's
 * own (acknowledging a sender on its own node) or that of a kernel on the same thread (the embedded
 * pool runs every kernel on one), nothing drained it meanwhile: a flood at a frozen incarnation
 * stalled its node 10–15 s, its echo went unanswered and the flooders' senders were told the node
 * was unreachable (ContainmentTest, under load).
 *
 * <p>Order: a peer's frames from the duty cycle keep their order (a frame waits behind those already
 * waiting). Frames other threads offer directly (incarnations' sends) were never ordered with the
 * kernel's. Bounds: {@link #MAX_BYTES_PER_PEER} per peer, beyond which the duty cycle waits as
 * before; a peer that takes nothing for {@link #STALL_NS}, or is reported gone, has its waiting
 * frames dropped and counted ({@link #dropped}), as the waiting offer gave up on them before.
 * Used only under the kernel's duty lock.
 */
final class Outbox {
    static final int MAX_BYTES_PER_PEER = 16 << 20;
    static final long STALL_NS = TimeUnit.SECONDS.toNanos(10);

    private final Transport transport;
    private final IdleStrategy fullIdle;
    private final Int2ObjectHashMap<Waiting> byPeer = new Int2ObjectHashMap<>();
    /** Peers with frames waiting, so an empty outbox costs the duty cycle one comparison. */
    private int waitingPeers;
    /** Frames dropped because their peer took nothing for {@link #STALL_NS} or was gone. */
    long dropped;
    /** Frames that had to wait (back pressure or connecting): how often the outbox was needed. */
    long deferred;

    private static final class Waiting {
        final int node;
        final ExpandableRingBuffer frames = new ExpandableRingBuffer(4096, MAX_BYTES_PER_PEER, true);
        /** When the peer last took a frame (or the first frame began to wait). */
        long progressAt;
        /** The status of the latest attempt, set by {@link #offerHead}. */
        int status;

        Waiting(int node) {
            this.node = node;
        }
    }

    Outbox(Transport transport, IdleStrategy fullIdle) {
        this.transport = transport;
        this.fullIdle = fullIdle;
    }

    /** Offers a frame to a peer now if nothing waits for it and its log takes it; otherwise keeps a copy to offer later. */
    void offer(int node, DirectBuffer buf, int off, int len) {
        Waiting w = waitingPeers == 0 ? null : byPeer.get(node);
        if (w == null || w.frames.isEmpty()) {
            if (transport.tryOffer(node, buf, off, len) != Transport.AGAIN) return;
            if (w == null) byPeer.put(node, w = new Waiting(node));
            w.progressAt = System.nanoTime();
            waitingPeers++;
        }
        deferred++;
        while (!w.frames.append(buf, off, len)) {
            // Full: wait for the peer as the duty cycle did before the outbox (a bound, not the usual path).
            if (flush(w) == 0) fullIdle.idle();
            if (w.frames.isEmpty()) { // flush counted the peer out
                if (transport.tryOffer(node, buf, off, len) != Transport.AGAIN) return;
                waitingPeers++;
                w.progressAt = System.nanoTime();
            }
        }
    }

    /** Offers waiting frames, oldest first; returns how many peers took some (the duty cycle's work count). Called by every duty cycle. */
    int flush() {
        if (waitingPeers == 0) return 0;
        int sent = 0;
        for (Waiting w : byPeer.values())
            if (!w.frames.isEmpty()) sent += flush(w);
        return sent;
    }

    private int flush(Waiting w) {
        int before = w.frames.size();
        current = w;
        w.frames.consume(offerHead, Integer.MAX_VALUE);
        current = null;
        int sent = before == w.frames.size() ? 0 : 1;
        long now = System.nanoTime();
        if (sent > 0) w.progressAt = now;
        if (w.status == Frames.UNREACHABLE || !w.frames.isEmpty() && now - w.progressAt > STALL_NS) {
            // Gone, or took nothing for the whole bound: the waiting offer gave up on such frames too.
            w.frames.consume(drop, Integer.MAX_VALUE);
        }
        if (w.frames.isEmpty()) waitingPeers--;
        return sent;
    }

    private Waiting current;
    private final ExpandableRingBuffer.MessageConsumer offerHead = this::offerHead;
    private final ExpandableRingBuffer.MessageConsumer drop = (b, o, l, h) -> {
        dropped++;
        return true;
    };

    /** Offers the oldest waiting frame: consumed when it went; otherwise iteration stops there, and {@link #flush(Waiting)} drops the rest if the peer is gone. */
    private boolean offerHead(org.agrona.MutableDirectBuffer buf, int off, int len, int headOffset) {
        int r = transport.tryOffer(current.node, buf, off, len);
        current.status = r;
        return r == Frames.OK;
    }

    boolean isEmpty() {
        return waitingPeers == 0;
    }
}
