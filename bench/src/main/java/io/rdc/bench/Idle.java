package io.rdc.bench;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.Locale;

/**
 * Idle strategies the baseline can run with. On a machine with few cores busy-spinning starves the media driver,
 * so {@link #BACKOFF} is the default and {@link #BUSY_SPIN} is opt-in.
 */
public enum Idle
{
    /** {@link BackoffIdleStrategy} with Agrona defaults: spin, yield, then park from 1 µs up to 1 ms. */
    BACKOFF,
    /** {@link YieldingIdleStrategy}: {@code Thread.yield()} when there is no work. */
    YIELDING,
    /** {@link BusySpinIdleStrategy}: spin with {@code Thread.onSpinWait()}; needs a core per spinning thread. */
    BUSY_SPIN;

    /**
     * @return a new idle strategy instance (stateful strategies must not be shared between threads).
     */
    public IdleStrategy newStrategy()
    {
        return switch (this)
        {
            case BACKOFF -> new BackoffIdleStrategy();
            case YIELDING -> new YieldingIdleStrategy();
            case BUSY_SPIN -> new BusySpinIdleStrategy();
        };
    }

    /**
     * @return lower-case name used in JSON output and on the command line: {@code backoff}, {@code yielding},
     * {@code busyspin}.
     */
    public String jsonName()
    {
        return switch (this)
        {
            case BACKOFF -> "backoff";
            case YIELDING -> "yielding";
            case BUSY_SPIN -> "busyspin";
        };
    }

    /**
     * Parse an idle strategy name: {@code backoff}, {@code yielding}/{@code yield}, {@code busyspin}/{@code busy_spin}.
     *
     * @param name to parse, case-insensitive.
     * @return the idle strategy option.
     */
    public static Idle parse(final String name)
    {
        final String n = name.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return switch (n)
        {
            case "backoff" -> BACKOFF;
            case "yielding", "yield" -> YIELDING;
            case "busyspin", "spin" -> BUSY_SPIN;
            default -> throw new IllegalArgumentException("unknown idle strategy: " + name);
        };
    }
}
