package io.rdc.runtime.control;

import java.time.Duration;

/**
 * When the control plane snapshots its state on its own: after {@code entries} requests since
 * the last snapshot, or when {@code interval} has passed since it and at least one request came.
 * A restart loads the latest snapshot and replays only the log after it, so these bound a
 * restart's replay. Snapshots are small (the whole state, a few KB per RDC) and cost the members
 * a pause of about a log round trip. {@code rdc pool stop} also asks for one before it stops the
 * members.
 *
 * @param entries requests between snapshots; 0 turns this trigger off
 * @param interval the longest time a change waits for its snapshot; zero turns this trigger off
 */
public record SnapshotPolicy(long entries, Duration interval) {
    /** Every 10,000 requests (about three hours of heartbeats from ten nodes), or 10 minutes after a change. */
    public static final SnapshotPolicy DEFAULT = new SnapshotPolicy(10_000, Duration.ofMinutes(10));
    /** Only when asked (ClusterTool, {@code rdc pool stop}, {@link ControlPlaneMember#takeSnapshot}). */
    public static final SnapshotPolicy ON_REQUEST = new SnapshotPolicy(0, Duration.ZERO);

    public SnapshotPolicy {
        if (entries < 0) throw new IllegalArgumentException("snapshot policy: entries must be 0 (off) or more, not " + entries);
        if (interval == null || interval.isNegative()) throw new IllegalArgumentException("snapshot policy: the interval must be zero (off) or more");
    }

    /** True when a member that has applied {@code entriesSince} requests, {@code nanosSince} ns after the last snapshot, should take one. */
    boolean due(long entriesSince, long nanosSince) {
        if (entriesSince <= 0) return false;
        if (entries > 0 && entriesSince >= entries) return true;
        return !interval.isZero() && nanosSince >= interval.toNanos();
    }
}
