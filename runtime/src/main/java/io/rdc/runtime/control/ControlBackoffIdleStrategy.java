package io.rdc.runtime.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.IdleStrategy;

/**
 * The control plane's default idle strategy. After its last work an agent spins for
 * {@code spinNs}, yields until {@code yieldNs}, then parks, each park twice the last, from
 * {@code minParkNs} up to {@code maxParkNs}. The windows are measured in time, not in calls, so
 * that an agent stays awake for about one round trip whatever its duty cycle costs; an idle
 * plane parks at the maximum and costs next to no CPU.
 *
 * <p>Before its first park a thread lowers its own timer slack to {@value #TIMER_SLACK_NS} ns
 * (Linux: {@code /proc/TID/timerslack_ns}, which a thread may write for itself). With the
 * default 50 µs slack every park lasts at least about 50 µs, and a request crosses five agents
 * (driver, consensus module, archive, service, driver again) before its answer is back: parks,
 * not work, made a raw cluster round trip cost 160 µs. Elsewhere it is left alone.
 *
 * <p>Tunable per process (system properties, µs): {@code rdc.control.idle.spin-us} (default
 * 20), {@code rdc.control.idle.yield-us} (100), {@code rdc.control.idle.min-park-us} (1),
 * {@code rdc.control.idle.max-park-us} (1000).
 */
public final class ControlBackoffIdleStrategy implements IdleStrategy {
    static final long TIMER_SLACK_NS = 1_000;
    private static final long SPIN_NS = micros("spin-us", 20), YIELD_NS = micros("yield-us", 100),
            MIN_PARK_NS = Math.max(1, micros("min-park-us", 1)), MAX_PARK_NS = Math.max(MIN_PARK_NS, micros("max-park-us", 1000));

    private boolean idling;
    private long idleSince;
    private long parkNs = MIN_PARK_NS;
    private boolean slackLowered;

    @Override
    public void idle(int workCount) {
        if (workCount > 0) reset();
        else idle();
    }

    @Override
    public void idle() {
        long now = System.nanoTime();
        if (!idling) {
            idling = true;
            idleSince = now;
            parkNs = MIN_PARK_NS;
        }
        long idleFor = now - idleSince;
        if (idleFor < SPIN_NS) {
            Thread.onSpinWait();
        } else if (idleFor < YIELD_NS) {
            Thread.yield();
        } else {
            if (!slackLowered) {
                slackLowered = true;
                lowerTimerSlack();
            }
            LockSupport.parkNanos(parkNs);
            parkNs = Math.min(parkNs << 1, MAX_PARK_NS);
        }
    }

    @Override
    public void reset() {
        idling = false;
    }

    @Override
    public String alias() {
        return "rdc-control-backoff";
    }

    /**
     * Lowers the calling thread's timer slack, where Linux allows it (its own thread needs no
     * privilege); elsewhere, or if refused, parks just stay coarser.
     */
    static void lowerTimerSlack() {
        try {
            Path self = Path.of("/proc/thread-self");
            if (!Files.exists(self)) return;
            // /proc/thread-self is /proc/PID/task/TID; /proc/TID/timerslack_ns is this thread's own.
            Path file = Path.of("/proc", Files.readSymbolicLink(self).getFileName().toString(), "timerslack_ns");
            Files.writeString(file, Long.toString(TIMER_SLACK_NS));
        } catch (IOException | RuntimeException e) {
            // not Linux, or not allowed: coarser parks, nothing else changes
        }
    }

    private static long micros(String name, long dflt) {
        String v = System.getProperty("rdc.control.idle." + name);
        return TimeUnit.MICROSECONDS.toNanos(v == null ? dflt : Long.parseLong(v.trim()));
    }
}
