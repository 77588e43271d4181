package io.rdc.runtime.control;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A member's background thread that asks for a snapshot when its {@link SnapshotPolicy} says so.
 * Every member counts the requests it applies; only the leader asks (a snapshot is the
 * leader's to start), and every member takes it at the same log position. It looks once a second: a snapshot comes at most a second late.
 */
final class PeriodicSnapshots implements AutoCloseable {
    private static final long CHECK_NS = TimeUnit.SECONDS.toNanos(1);
    private static final Duration SNAPSHOT_TIMEOUT = Duration.ofSeconds(10);

    private final ControlPlaneMember member;
    private final SnapshotPolicy policy;
    private final LongSupplier entriesSince;
    private final Thread thread;
    private volatile boolean closed;

    PeriodicSnapshots(ControlPlaneMember member, SnapshotPolicy policy, LongSupplier entriesSince) {
        this.member = member;
        this.policy = policy;
        this.entriesSince = entriesSince;
        this.thread = Thread.ofPlatform().daemon().name("rdc-control-snapshots-" + member.config().memberId()).start(this::run);
    }

    private void run() {
        long snapshots = member.snapshotCount(), since = System.nanoTime();
        while (!closed) {
            LockSupport.parkNanos(CHECK_NS);
            if (closed) return;
            long now = System.nanoTime(), count = member.snapshotCount();
            if (count != snapshots) { // taken (asked by us, by another member's leader, or by a tool)
                snapshots = count;
                since = now;
            }
            try {
                if (member.isLeader() && policy.due(entriesSince.getAsLong(), now - since) && member.takeSnapshot(SNAPSHOT_TIMEOUT)) {
                    snapshots = member.snapshotCount();
                    since = System.nanoTime();
                }
            } catch (RuntimeException e) {
                // the member is closing under us: the loop ends on the next check
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
