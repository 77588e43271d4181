package io.rdc.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The measured loops must not allocate: checked with the per-thread allocation counter of HotSpot, after warm-up.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AllocationFreeTest
{
    /**
     * A slow path taken for the first time (back pressure, stall check) can make the JVM resolve and allocate a
     * little on this thread; 16 KiB over 20k round trips or 500k messages is far below one object per message.
     */
    private static final long SLACK_BYTES = 16 * 1024;

    @Test
    void pingLoopDoesNotAllocate()
    {
        try (BenchSession session = BenchSession.open(
            Transport.IPC, Responder.Role.ECHO, Idle.YIELDING, BaselineOptions.DEFAULTS))
        {
            final Pinger pinger = new Pinger(session, 32);
            final long[] samples = new long[20_000];
            pinger.roundTrips(20_000, samples);
            final long before = allocatedBytes();
            pinger.roundTrips(20_000, samples);
            final long allocated = allocatedBytes() - before;
            assertTrue(allocated < SLACK_BYTES, "ping loop allocated " + allocated + " bytes");
        }
    }

    @Test
    void throughputLoopDoesNotAllocate()
    {
        try (BenchSession session = BenchSession.open(
            Transport.IPC, Responder.Role.SINK, Idle.YIELDING, BaselineOptions.DEFAULTS))
        {
            final ThroughputPublisher publisher = new ThroughputPublisher(session, 32);
            publisher.run(500_000);
            final long before = allocatedBytes();
            publisher.run(500_000);
            final long allocated = allocatedBytes() - before;
            assertTrue(allocated < SLACK_BYTES, "throughput loop allocated " + allocated + " bytes");
        }
    }

    private static long allocatedBytes()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        return threads.getCurrentThreadAllocatedBytes();
    }
}
