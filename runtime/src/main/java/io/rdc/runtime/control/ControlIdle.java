package io.rdc.runtime.control;

import java.util.Locale;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * How the control plane's agents (media driver, archive, consensus module, service container) and
 * its clients wait for work. {@link #BACKOFF} is the default: the build and deployment machines
 * have few cores, shared with the pool's kernels, so an idle plane must cost next to nothing.
 * {@link #YIELDING} and {@link #BUSY_SPIN} keep every agent awake: they show what the design
 * reaches on dedicated cores ({@code rdc bench control --idle yielding}), and are meant for that.
 */
public enum ControlIdle {
    /**
     * Agrona's {@link org.agrona.concurrent.BackoffIdleStrategy}: 100 spins, 100 yields, then parks from
     * 50 µs to 1 ms. Measured on the 2-core machine, idle, in one run with PRECISE: get p50 160 µs against
     * 1.2–2 ms for PRECISE, whose many short parks keep a dozen threads waking on two cores.
     */
    BACKOFF,
    /** {@link ControlBackoffIdleStrategy}: spin and yield for a short window after work, then park with short, precise parks (timer slack 1 µs). */
    PRECISE,
    /** {@link YieldingIdleStrategy}: never parks; gives the core away when others want it. */
    YIELDING,
    /** {@link BusySpinIdleStrategy}: never parks nor yields; needs a core per agent. */
    BUSY_SPIN;

    /** The system property that chooses the plane's idle strategy in a process: backoff (default), precise, yielding, busyspin. */
    public static final String PROPERTY = "rdc.control.idle";

    /** A new strategy (strategies keep state: one per thread). */
    public IdleStrategy newStrategy() {
        return switch (this) {
            case BACKOFF -> new org.agrona.concurrent.BackoffIdleStrategy(100, 100, 50_000, 1_000_000);
            case PRECISE -> new ControlBackoffIdleStrategy();
            case YIELDING -> new YieldingIdleStrategy();
            case BUSY_SPIN -> new BusySpinIdleStrategy();
        };
    }

    /** As written on the command line and in the bench's JSON: backoff, yielding, busyspin. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT).replace("_", "");
    }

    /** backoff, yielding (yield), busyspin (spin, busy_spin); case-insensitive. */
    public static ControlIdle parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "")) {
            case "backoff" -> BACKOFF;
            case "precise" -> PRECISE;
            case "yielding", "yield" -> YIELDING;
            case "busyspin", "spin" -> BUSY_SPIN;
            default -> throw new IllegalArgumentException("unknown idle strategy '" + name + "' (known: backoff, precise, yielding, busyspin)");
        };
    }

    /** The process's choice ({@value #PROPERTY}), else {@link #BACKOFF}. */
    public static ControlIdle fromSystemProperty() {
        String v = System.getProperty(PROPERTY);
        return v == null || v.isBlank() ? BACKOFF : parse(v);
    }
}
