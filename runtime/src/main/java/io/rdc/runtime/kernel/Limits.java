package io.rdc.runtime.kernel;

import java.util.concurrent.TimeUnit;

/**
 * The bounds that keep one incarnation (or one RDC) from taking a node down: how long a handler may
 * run guest code, how much it may hold, how fast an RDC may create. Defaults come from system
 * properties ({@code -Drdc.limit.<name>=...}) so a node process can be started with others; a kernel's
 * limits can also be changed at run time (tests, the pool's configuration). docs/containment.md
 * lists them with their reasons.
 */
public final class Limits {
    /** Guest time one handler may run before it is interrupted and its incarnation goes FAULTING (ms); an RDC may state its own (RdcLimits). */
    public volatile long handlerBoundMs = prop("handlerBoundMs", 5_000);
    /** Time a module's top-level code may run when an incarnation starts (ms): more than a handler, as it includes a cold start. */
    public volatile long moduleLoadBoundMs = prop("moduleLoadBoundMs", 30_000);
    /** Bytes of ctx.buffer one incarnation may hold in all. */
    public volatile long bufferBytes = prop("bufferBytes", 64L << 20);
    /** Timers (ctx.after) one incarnation may have pending. */
    public volatile int timers = (int) prop("timers", 10_000);
    /** Incarnations one RDC may have at one node (live, created here or arrived). */
    public volatile int incarnationsPerRdc = (int) prop("incarnationsPerRdc", 2_000);
    /** Creations per second one RDC may start from one node (a token bucket of this size, refilled each second). */
    public volatile int creationsPerSecond = (int) prop("creationsPerSecond", 5_000);
    /**
     * Messages one port may hold queued; beyond, arrivals are refused and their senders' streams fail.
     * High because acknowledgements are sent on queueing: a fast sender's backlog at a slower sink is not
     * bounded by its window (`rdc bench send` left ~100,000 queued on a loaded machine).
     */
    public volatile int portMessages = (int) prop("portMessages", 1_000_000);
    /** Bytes one port may hold queued: heads and bodies, plus {@code Message.OVERHEAD} per message for the objects. */
    public volatile long portBytes = prop("portBytes", 64L << 20);

    /**
     * The heap, after a collection, as a percentage of the maximum heap, over which the incarnation
     * that allocated most is destroyed (js.MemoryGuard, docs/containment.md §Memory). One per JVM, not per
     * kernel: the kernels of an embedded pool share the heap.
     */
    public static volatile int heapPercent = (int) prop("heapPercent", 85);

    private static long prop(String name, long dflt) {
        return Long.getLong("rdc.limit." + name, dflt);
    }

    public long handlerBoundNanos() {
        return TimeUnit.MILLISECONDS.toNanos(handlerBoundMs);
    }
}
