package io.rdc.runtime.js;

import io.rdc.runtime.kernel.ControlThreads;
import io.rdc.runtime.kernel.Incarnation;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.graalvm.polyglot.Context;

/**
 * Interrupts handlers that run past their kernel's bound ({@code Limits.handlerBoundMs}): the CPU time
 * of the handler's thread, counted once it has run guest code for a period, and only while the guest
 * time (ctx calls excluded) is past the bound too, so neither waiting in ctx calls nor being
 * descheduled on a busy machine counts. One platform thread per JVM looks at the running handlers
 * every {@link #PERIOD_MS} ms; the interrupt itself ({@code Context.interrupt}, which waits for the
 * guest to stop) runs on a control thread. The handler's incarnation goes FAULTING with a reason that
 * names the bound; if the guest does not stop within {@link #INTERRUPT_WAIT} (a guest {@code finally}
 * that spins), it is destroyed.
 */
final class HandlerWatchdog {
    static final long PERIOD_MS = 50;
    static final Duration INTERRUPT_WAIT = Duration.ofSeconds(1);
    private static final Set<JsIncarnation> RUNNING = ConcurrentHashMap.newKeySet();
    private static volatile Thread thread;
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private HandlerWatchdog() {}

    static void watch(JsIncarnation js) {
        RUNNING.add(js);
        if (thread == null) start();
    }

    static void unwatch(JsIncarnation js) {
        RUNNING.remove(js);
    }

    /** Whether {@code js}'s code still runs (watched from its start until its thread ends). */
    static boolean isRunning(JsIncarnation js) {
        return RUNNING.contains(js);
    }

    /** Every incarnation whose code runs in this JVM, as a list (MemoryGuard reads their threads' allocation). */
    static java.util.List<JsIncarnation> running() {
        return new java.util.ArrayList<>(RUNNING);
    }

    private static synchronized void start() {
        if (thread != null) return;
        thread = Thread.ofPlatform().daemon(true).name("rdc-handler-watchdog").start(HandlerWatchdog::loop);
    }

    private static void loop() {
        while (true) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PERIOD_MS));
            try {
                for (JsIncarnation js : RUNNING) {
                    try {
                        check(js);
                    } catch (RuntimeException | OutOfMemoryError e) {
                        // one incarnation's trouble (or a heap that ran out, which MemoryGuard handles) must not stop the watchdog
                    }
                }
            } catch (Throwable e) {
                // the heap ran out while walking the set itself (a CI run lost the watchdog so): next period
            }
        }
    }

    private static void check(JsIncarnation js) {
        Incarnation inc = js.inc();
        boolean loading = js.loading;
        var limits = js.kernel().limits();
        // A handler's bound is its RDC's if it stated one (RdcLimits), else the node's; module code keeps the node's (a cold start).
        long ms = loading ? limits.moduleLoadBoundMs : rdcLimits(js).limits().handlerBoundMs(limits);
        long bound = TimeUnit.MILLISECONDS.toNanos(ms);
        long seq = js.handlerSeq;
        if (bound <= 0 || js.overrun != null) return;
        if (!loading && inc.freezeWaitNanos() > bound && inc.inGuest()) {
            // Someone waits for it to freeze: the bound counts in wall time, so the freeze ends within it on any machine.
            js.overrun = "handler did not pause within its bound of " + ms + " ms after a freeze (" + boundSource(js) + "); interrupted";
            ControlThreads.run(() -> interrupt(js, inc, seq));
            return;
        }
        if (inc.guestRunNanos() < TimeUnit.MILLISECONDS.toNanos(PERIOD_MS)) return;
        // A handler that has run guest code for a while: from now on its thread's CPU time is what counts (a handler
        // descheduled on a busy machine is not at fault). First sight is at most one period after it started.
        Thread t = js.thread;
        long cpu = t == null || !CPU.isThreadCpuTimeSupported() ? -1 : CPU.getThreadCpuTime(t.threadId());
        if (js.watchSeq != seq || js.watchLoading != loading) {
            js.watchSeq = seq;
            js.watchLoading = loading;
            js.watchCpu = cpu;
            return;
        }
        long used = cpu < 0 || js.watchCpu < 0 ? inc.guestRunNanos() : cpu - js.watchCpu + TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);
        if (used <= bound || inc.guestRunNanos() <= bound) return;
        js.overrun = loading ? "its module's code ran past its bound of " + ms + " ms (rdc.limit.moduleLoadBoundMs); interrupted"
                : "handler ran past its bound of " + ms + " ms of guest time (" + boundSource(js) + "); interrupted";
        ControlThreads.run(() -> interrupt(js, inc, seq));
    }

    /** {@code js}'s RDC's bounds, looked up once and re-read from the control plane when old. */
    static io.rdc.runtime.kernel.RdcLimits.Table.Known rdcLimits(JsIncarnation js) {
        var table = js.kernel().pool().rdcLimits();
        var known = js.rdcLimits;
        if (known == null) js.rdcLimits = known = table.of(js.inc().rdcId);
        else table.refreshIfOld(known);
        return known;
    }

    /** Where the bound came from, for the reason: the RDC's limits or the node's property. */
    private static String boundSource(JsIncarnation js) {
        return rdcLimits(js).limits().handlerBoundMs() > 0 ? "its RDC's limits, handlerBound" : "rdc.limit.handlerBoundMs";
    }

    private static void interrupt(JsIncarnation js, Incarnation inc, long seq) {
        Context c = js.context;
        if (c == null || js.handlerSeq != seq || !inc.inGuest() && inc.guestRunNanos() == 0) return; // it ended meanwhile
        try {
            c.interrupt(INTERRUPT_WAIT);
        } catch (TimeoutException e) {
            // It did not stop (a guest finally that spins): fault it with the reason, then destroy it.
            js.kernel().fault(inc, js.overrun + "; it did not stop within " + INTERRUPT_WAIT.toMillis() + " ms and was destroyed");
            try {
                js.kernel().destroy(inc.gid);
            } catch (RuntimeException ignored) {
                // already gone
            }
        } catch (RuntimeException e) {
            // closed meanwhile: nothing to interrupt
        }
    }
}
