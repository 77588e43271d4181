package io.rdc.bench;

import io.aeron.driver.ThreadingMode;

import java.time.Duration;
import java.util.Objects;

/**
 * Knobs beyond transport and application idle strategy.
 *
 * @param threadingMode          media driver threading mode; {@link ThreadingMode#SHARED} is the default for a
 *                               2-core machine; INVOKER is not supported.
 * @param driverIdle             idle strategy for the driver's sender/receiver/shared agents, or {@code null} to
 *                               follow the application idle strategy, except that {@link Idle#BUSY_SPIN} maps to
 *                               {@link Idle#YIELDING} so a spinning driver cannot starve the measured threads. The
 *                               conductor of a DEDICATED or SHARED_NETWORK driver always uses backoff.
 * @param fragmentLimit          fragments per {@code poll} for the throughput subscriber (ping-pong polls 1).
 * @param exclusivePublications  {@code true} for {@code addExclusivePublication} (single writer, as Aeron's own
 *                               benchmarks), {@code false} for the concurrent {@code addPublication}.
 * @param throughputWarmupMessages messages sent and drained before a timed throughput run, to warm up the JIT.
 * @param timeout                upper bound on connecting, on any single wait for a reply, and on starting the
 *                               child JVM; a measurement that exceeds it fails with an exception.
 */
public record BaselineOptions(
    ThreadingMode threadingMode,
    Idle driverIdle,
    int fragmentLimit,
    boolean exclusivePublications,
    long throughputWarmupMessages,
    Duration timeout)
{
    /** Default options: SHARED driver, driver idle follows the application, 256 fragments, exclusive publications. */
    public static final BaselineOptions DEFAULTS =
        new BaselineOptions(ThreadingMode.SHARED, null, 256, true, 1_000_000L, Duration.ofSeconds(30));

    public BaselineOptions
    {
        Objects.requireNonNull(threadingMode, "threadingMode");
        Objects.requireNonNull(timeout, "timeout");
        if (threadingMode == ThreadingMode.INVOKER)
        {
            throw new IllegalArgumentException("INVOKER threading needs the caller to drive the media driver; " +
                "use SHARED, SHARED_NETWORK or DEDICATED");
        }
        if (timeout.isNegative() || timeout.isZero())
        {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        if (fragmentLimit < 1)
        {
            throw new IllegalArgumentException("fragmentLimit must be >= 1: " + fragmentLimit);
        }
        if (throughputWarmupMessages < 0)
        {
            throw new IllegalArgumentException("throughputWarmupMessages must be >= 0: " + throughputWarmupMessages);
        }
    }

    /**
     * @param appIdle the application idle strategy of the measurement.
     * @return the idle strategy the media driver's agents use for that measurement.
     */
    public Idle effectiveDriverIdle(final Idle appIdle)
    {
        if (null != driverIdle)
        {
            return driverIdle;
        }
        return appIdle == Idle.BUSY_SPIN ? Idle.YIELDING : appIdle;
    }

    public BaselineOptions withThreadingMode(final ThreadingMode mode)
    {
        return new BaselineOptions(mode, driverIdle, fragmentLimit, exclusivePublications, throughputWarmupMessages,
            timeout);
    }

    public BaselineOptions withDriverIdle(final Idle idle)
    {
        return new BaselineOptions(threadingMode, idle, fragmentLimit, exclusivePublications, throughputWarmupMessages,
            timeout);
    }

    public BaselineOptions withFragmentLimit(final int limit)
    {
        return new BaselineOptions(threadingMode, driverIdle, limit, exclusivePublications, throughputWarmupMessages,
            timeout);
    }

    public BaselineOptions withExclusivePublications(final boolean exclusive)
    {
        return new BaselineOptions(threadingMode, driverIdle, fragmentLimit, exclusive, throughputWarmupMessages,
            timeout);
    }

    public BaselineOptions withThroughputWarmupMessages(final long messages)
    {
        return new BaselineOptions(threadingMode, driverIdle, fragmentLimit, exclusivePublications, messages, timeout);
    }

    public BaselineOptions withTimeout(final Duration t)
    {
        return new BaselineOptions(threadingMode, driverIdle, fragmentLimit, exclusivePublications,
            throughputWarmupMessages, t);
    }
}
