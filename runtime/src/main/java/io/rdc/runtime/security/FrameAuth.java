package io.rdc.runtime.security;

import java.util.concurrent.atomic.AtomicLong;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Authentication of the frames between kernels with the pool's key. Every frame gets a 28-byte
 * trailer: the sending node's id, a 64-bit sequence number and the first 16 bytes of
 * HMAC-SHA256(key, frame ‖ sender ‖ sequence ‖ destination node). The MAC covers the frame's
 * source-node field and the sender, so a source is believed only from a key holder; it covers the
 * destination, so a frame sent to one node is refused by another; and the sequence, so a captured
 * frame sent again is refused as a replay. (The sender is in the trailer, not taken from the
 * frame's source field, because a kernel forwards frames that other nodes sent.)
 *
 * <p>Sequence numbers are per (source, destination) pair and strictly increasing in the order the
 * frames enter the destination's log (the sender assigns and offers under one lock per peer, see
 * {@link Sealer}). They follow the wall clock ({@code max(last + 1, now in ns)}), so a restarted
 * sender carries on above what its previous life sent, and a receiver that has not yet heard from a
 * source accepts it only when the first frame is at most {@link #maxSkewNs} old: a receiver that
 * restarted is thus open to replays of at most that window (see docs/security.md).
 *
 * <p>A frame that fails is dropped before any of it is read, counted, and reported on the node's
 * log at most every {@link #LOG_EVERY_NS}. With auth off (benchmark comparisons only: {@code
 * -Drdc.auth=off}) frames carry no trailer and everything is accepted, as before this class.
 */
public final class FrameAuth {
    public static final int TAG = 16, TRAILER = 4 + 8 + TAG;
    private static final int T_SENDER = 0, T_SEQ = 4, T_TAG = 12;
    static final long LOG_EVERY_NS = 10_000_000_000L;

    private final PoolKey key;
    private final boolean on;
    final long maxSkewNs;

    public FrameAuth(PoolKey key, boolean on) {
        this.key = key;
        this.on = on;
        this.maxSkewNs = Long.getLong("rdc.auth.maxSkewSeconds", 120) * 1_000_000_000L;
    }

    /** Whether auth is switched on for this JVM by default ({@code -Drdc.auth=off} turns it off, for benchmark comparisons). */
    public static boolean onByDefault() {
        return !"off".equalsIgnoreCase(System.getProperty("rdc.auth", "on"));
    }

    public boolean on() {
        return on;
    }

    /** Bytes each frame grows by. */
    public int trailer() {
        return on ? TRAILER : 0;
    }

    /** The sealer of frames from node {@code self} to node {@code destination}. */
    public Sealer sealer(int self, int destination) {
        return new Sealer(self, destination);
    }

    public Opener opener(int self) {
        return new Opener(self);
    }

    private static long wallNs() {
        return System.currentTimeMillis() * 1_000_000L;
    }

    /**
     * The sending side towards one peer. Callers hold its lock from {@link #seal} until the frame
     * is in the publication's log, so sequence order is log order even with many sending threads.
     */
    public final class Sealer {
        private final int self, destination;
        private final Hmac mac;
        private final byte[] trailerBytes = new byte[TRAILER];
        /** The trailer of the frame being sent; offered after the frame's own bytes. */
        public final UnsafeBuffer trailer = new UnsafeBuffer(trailerBytes);
        private long last;

        Sealer(int self, int destination) {
            this.self = self;
            this.destination = destination;
            this.mac = on ? new Hmac(key) : null;
        }

        /** Fills {@link #trailer} for the frame made of {@code b} then {@code b2} (may be null). */
        public void seal(DirectBuffer b, int off, int len, DirectBuffer b2, int off2, int len2) {
            long seq = Math.max(last + 1, wallNs());
            last = seq;
            mac.update(b, off, len);
            if (b2 != null) mac.update(b2, off2, len2);
            mac.updateLong(self).updateLong(seq).updateLong(destination);
            trailer.putInt(T_SENDER, self);
            trailer.putLong(T_SEQ, seq);
            mac.finish(trailerBytes, T_TAG, TAG);
        }
    }

    /** Why frames were refused, counted per node. */
    public enum Refusal { SHORT, BAD_MAC, REPLAY, STALE }

    /** The receiving side of one node: checks frames before its kernel sees them. Used by the polling thread only. */
    public final class Opener {
        private final int self;
        private final Hmac mac;
        /** Highest sequence accepted from each sending node. */
        private final Long2LongHashMap highest = new Long2LongHashMap(Long.MIN_VALUE);
        private final AtomicLong[] refused = new AtomicLong[Refusal.values().length];
        private final AtomicLong total = new AtomicLong();
        private long lastLogNs, totalAtLastLog;
        private int lastClaimedSource;

        Opener(int self) {
            this.self = self;
            this.mac = on ? new Hmac(key) : null;
            for (int i = 0; i < refused.length; i++) refused[i] = new AtomicLong();
        }

        /** Whether the whole message at {@code off} (trailer included) is authentic and fresh; always, with auth off. */
        public boolean open(DirectBuffer buf, int off, int len) {
            if (!on) return true;
            if (len < 8 + TRAILER) return refuse(Refusal.SHORT, -1);
            int body = len - TRAILER;
            int src = buf.getInt(off + body + T_SENDER);
            long seq = buf.getLong(off + body + T_SEQ);
            mac.update(buf, off, body).updateLong(src).updateLong(seq).updateLong(self);
            if (!mac.finishAndCheck(buf, off + body + T_TAG, TAG)) return refuse(Refusal.BAD_MAC, buf.getInt(off + 4));
            long top = highest.get(src);
            if (top == Long.MIN_VALUE) {
                if (seq < wallNs() - maxSkewNs) return refuse(Refusal.STALE, src);
            } else if (seq <= top) return refuse(Refusal.REPLAY, src);
            highest.put(src, seq);
            return true;
        }

        private boolean refuse(Refusal why, int claimedSource) {
            refused[why.ordinal()].incrementAndGet();
            long n = total.incrementAndGet();
            lastClaimedSource = claimedSource;
            long now = System.nanoTime();
            if (lastLogNs == 0 || now - lastLogNs >= LOG_EVERY_NS) {
                double secs = lastLogNs == 0 ? 0 : (now - lastLogNs) / 1e9;
                System.err.printf(java.util.Locale.ROOT,
                        "node %d: refused %d unauthenticated frame(s)%s (short %d, bad MAC %d, replayed %d, stale %d; %d in all); last claimed source %d%n",
                        self, n - totalAtLastLog, secs == 0 ? "" : String.format(java.util.Locale.ROOT, " in the last %.0f s (%.1f/s)", secs, (n - totalAtLastLog) / secs),
                        count(Refusal.SHORT), count(Refusal.BAD_MAC), count(Refusal.REPLAY), count(Refusal.STALE), n, lastClaimedSource);
                lastLogNs = now;
                totalAtLastLog = n;
            }
            return false;
        }

        public long count(Refusal why) {
            return refused[why.ordinal()].get();
        }

        /** Frames refused so far, for every reason. */
        public long refused() {
            return total.get();
        }
    }
}
