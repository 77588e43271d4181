package io.rdc.runtime.js;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.Limits;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Keeps the JVM's heap from running out when JavaScript allocates without end (docs/containment.md
 * §Memory). GraalJS community has no per-context heap limit, so the guard watches the heap as the
 * garbage collector reports it and, when it is over its bound, destroys the incarnation that allocated
 * most, with a FAULTING event naming the bound:
 *
 * <ul>
 *   <li>After every collection, the heap in use after it (the GC's own figure, summed over the heap
 *       pools) is compared with {@link Limits#heapPercent} of the maximum heap.</li>
 *   <li>Over the bound, the culprit is the incarnation whose thread allocated most since the heap was
 *       last under {@link #LOW_MARK} of the bound (each incarnation runs on a platform thread of its own,
 *       so {@code ThreadMXBean.getThreadAllocatedBytes} is its allocation). The guard's own killer thread
 *       stops its code ({@code Context.close(true)}, at the next safepoint), then it goes FAULTING and
 *       is destroyed. Nothing on that path links code for the first time or needs a thread pool: both
 *       need heap, and a CI run saw the guard die of a lambda it could no longer link.</li>
 *   <li>One at a time: the next is picked only once the last one's code has stopped and a full
 *       collection says the heap is still over its bound (the old one's objects are then gone).</li>
 *   <li>An {@code OutOfMemoryError} seen by the node's threads ({@link #outOfMemory}) releases a reserve
 *       and picks a culprit at once, without waiting for a collection.</li>
 * </ul>
 *
 * Nothing here runs on a message's path: one read of every incarnation thread's allocation counter
 * per pick or per return under the low mark, on this class's own thread.
 */
public final class MemoryGuard {
    /** The heap, after a collection, under which every incarnation's allocation count starts again: half the bound. */
    static final double LOW_MARK = 0.5;
    /** How long a condemned incarnation's code may take to stop before the next culprit may be picked. */
    static final long STOP_WAIT_NS = TimeUnit.SECONDS.toNanos(5);
    /** Bytes set aside for the node's own threads when the heap runs out (released on the first OutOfMemoryError). */
    static final int RESERVE_BYTES = 8 << 20;

    /** {@code -Drdc.memory.guard=false} turns the guard off (diagnosis; a JVM whose heap is bounded otherwise). */
    static final boolean ENABLED = !"false".equals(System.getProperty("rdc.memory.guard"));
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static volatile Thread thread;
    private static volatile byte[] reserve;
    /** The heap in use after the latest young and full collections, and how many of each there were. */
    private static volatile long usedAfterGc, readings, liveAfterGc, fullReadings;
    private static volatile boolean outOfMemory;

    // The guard thread's own.
    /** Each incarnation thread's allocation count when the heap was last under the low mark, by thread id (not by incarnation: that would keep a destroyed one's context, and its heap, alive). */
    private static final Map<Long, Long> base = new HashMap<>();
    private static JsIncarnation condemned;
    /** The heap was over its bound with no incarnation to blame, and this was said once. */
    private static boolean unexplained;
    private static long condemnedAt;

    private MemoryGuard() {}

    /** Starts watching the heap (once per JVM); a no-op without thread allocation counters or GC notifications. */
    static void install() {
        if (thread != null) return;
        synchronized (MemoryGuard.class) {
            if (thread != null) return;
            if (!THREADS.isThreadAllocatedMemorySupported() || !ENABLED) return;
            THREADS.setThreadAllocatedMemoryEnabled(true);
            reserve = new byte[RESERVE_BYTES];
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
                if (gc instanceof NotificationEmitter e) e.addNotificationListener((n, hb) -> {
                    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType()))
                        onCollection(GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()));
                }, null, null);
            killer = Thread.ofPlatform().daemon(true).name("rdc-memory-killer").start(MemoryGuard::killLoop);
            thread = Thread.ofPlatform().daemon(true).name("rdc-memory-guard").start(MemoryGuard::loop);
        }
    }

    /**
     * A node's thread caught an {@code OutOfMemoryError} (its duty cycle, the media driver's, a guest's
     * handler): the reserve goes, so the node's own threads can run while the guard picks a culprit now.
     */
    public static void outOfMemory() {
        reserve = null;
        outOfMemory = true;
        Thread t = thread;
        if (t != null) LockSupport.unpark(t);
    }

    /** The heap bound in bytes: {@link Limits#heapPercent} of the maximum heap. */
    static long boundBytes() {
        return Runtime.getRuntime().maxMemory() / 100 * Limits.heapPercent;
    }

    private static void onCollection(GarbageCollectionNotificationInfo info) {
        long used = 0;
        for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet())
            if (HEAP_POOLS.contains(e.getKey())) used += e.getValue().getUsed();
        // After a full collection the figure is what is live; after a young one the old generation may hold garbage too.
        if (info.getGcAction().contains("major")) {
            liveAfterGc = used;
            fullReadings++;
        } else {
            usedAfterGc = used;
            readings++;
        }
        if (TRACE) System.err.printf("memory-guard: %s %s (%s) %d MB%n", info.getGcName(), info.getGcAction(), info.getGcCause(), used >> 20);
        Thread t = thread;
        if (t != null) LockSupport.unpark(t);
    }

    private static final Set<String> HEAP_POOLS = heapPools();
    /** The old generation's pool (G1 Old Gen, Tenured Gen, PS Old Gen, ZGC Old Generation), or null. */
    private static final MemoryPoolMXBean OLD_POOL = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP && (p.getName().contains("Old") || p.getName().contains("Tenured")))
            .findFirst().orElse(null);
    private static final boolean TRACE = Boolean.getBoolean("rdc.memory.trace");

    private static Set<String> heapPools() {
        Set<String> s = new java.util.HashSet<>();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) s.add(p.getName());
        return s;
    }

    /**
     * Every {@link #PERIOD_MS} ms, or at once after a collection or an OutOfMemoryError: a full
     * collection's figure is acted on; a young collection's figure over the bound, or the old
     * generation in use over it, is a suspicion, confirmed (at most once a second) by a full
     * collection this thread asks for ({@code System.gc()}, ~0.2 s at 450 MB live under load).
     * Young collections alone are not enough: G1 allocates large arrays straight into the old
     * generation, and a bomb went from 63 % to 100 % of a 512 MB heap with no collection between.
     */
    private static void loop() {
        long seenYoung = 0, seenFull = 0;
        boolean high = false;
        java.lang.management.MemoryMXBean heap = ManagementFactory.getMemoryMXBean();
        while (true) {
            // Every 50 ms; every 5 ms while the old generation is over half the bound: a loop of 512 KB arrays (each a 1 MB
            // humongous region in G1) crosses the last 15% of a 512 MB heap in tens of milliseconds.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(high ? HIGH_PERIOD_MS : PERIOD_MS));
            try {
                long bound = boundBytes();
                long old = OLD_POOL != null ? OLD_POOL.getUsage().getUsed() : heap.getHeapMemoryUsage().getUsed();
                high = old > bound * LOW_MARK;
                if (condemned != null) {
                    if (HandlerWatchdog.isRunning(condemned) && System.nanoTime() - condemnedAt < STOP_WAIT_NS) continue;
                    condemned = null;
                    // Its objects are garbage now: what is left live decides whether another must go.
                    long live = collect(heap);
                    seenFull = fullReadings;
                    check(live, false);
                    continue;
                }
                boolean oom = outOfMemory;
                outOfMemory = false;
                if (fullReadings != seenFull) {
                    seenFull = fullReadings;
                    if (check(liveAfterGc, oom)) continue;
                }
                boolean suspect = oom;
                if (readings != seenYoung) {
                    seenYoung = readings;
                    if (usedAfterGc < bound * LOW_MARK) rebase();
                    suspect |= usedAfterGc >= bound;
                }
                // The old generation grows only by promotion (at collections) and by large arrays between them; the
                // heap as a whole also swings with the young generation, which is why it is not what is watched.
                suspect |= old >= bound;
                // At most one confirmation a second, unless the old generation grew by a quarter of the headroom since the last
                // one measured what was live: a hog found just under the bound (435 of a 435 MB bound) filled the rest of a
                // 512 MB heap within the second it then had to wait.
                boolean due = System.nanoTime() - lastConfirm >= CONFIRM_EVERY_NS
                        || old >= lastConfirmedLive + (Runtime.getRuntime().maxMemory() - bound) / 4;
                if (!suspect || !due && !oom) {
                    // The node is not in trouble: the RDCs that stated a memory bound of their own are held to it.
                    List<JsIncarnation> all = HandlerWatchdog.running();
                    if (!suspect && RdcMemory.anyBounded(all)) {
                        long before = fullReadings;
                        RdcMemory.check(all, allocated(all), heap.getHeapMemoryUsage().getUsed(), usedAfterGc, readings, () -> confirm(heap));
                        if (fullReadings != before) seenFull = fullReadings;
                    }
                    continue;
                }
                long live = collect(heap);
                seenFull = fullReadings;
                check(live, oom);
            } catch (Throwable e) {
                // the guard must outlive one bad reading (an OutOfMemoryError, or a LinkageError that one caused); it looks again at the next
            }
        }
    }

    /** When this thread last asked for a full collection (at most one each {@link #CONFIRM_EVERY_NS}, unless the heap grew). */
    private static long lastConfirm;
    /** The heap live after this thread's last full collection. */
    private static long lastConfirmedLive;

    /** A full collection, if none was asked for within a second: the live heap after it; else -1. */
    private static long confirm(java.lang.management.MemoryMXBean heap) {
        if (System.nanoTime() - lastConfirm < CONFIRM_EVERY_NS) return -1;
        return collect(heap);
    }

    /** A full collection this thread asks for: the heap live after it, remembered with when it was asked for. */
    private static long collect(java.lang.management.MemoryMXBean heap) {
        lastConfirm = System.nanoTime();
        System.gc();
        return lastConfirmedLive = heap.getHeapMemoryUsage().getUsed();
    }

    static final long PERIOD_MS = 50, HIGH_PERIOD_MS = 5;
    static final long CONFIRM_EVERY_NS = TimeUnit.SECONDS.toNanos(1);

    /** Compares what is live with the bound; over it, condemns a culprit and returns true. */
    private static boolean check(long live, boolean oom) {
        long max = Runtime.getRuntime().maxMemory(), bound = boundBytes();
        if (TRACE) System.err.printf("memory-guard: check %d MB live, bound %d MB%s%n", live >> 20, bound >> 20, oom ? ", after an OutOfMemoryError" : "");
        if (live < bound) {
            if (live < bound * LOW_MARK) rebase();
            if (reserve == null) reserve = new byte[RESERVE_BYTES];
            return false;
        }
        List<JsIncarnation> all = HandlerWatchdog.running();
        if (all.isEmpty()) return false;
        long[] now = allocated(all);
        JsIncarnation top = null;
        long topBytes = -1;
        for (int i = 0; i < now.length; i++) {
            JsIncarnation js = all.get(i);
            if (now[i] < 0 || js.inc().isDestroyed()) continue;
            long since = now[i] - base.getOrDefault(js.thread.threadId(), 0L);
            if (since > topBytes) {
                top = js;
                topBytes = since;
            }
        }
        if (top == null || topBytes < Math.max(live - bound, RESERVE_BYTES)) {
            // No incarnation allocated enough to account for the excess (the kernel's queues, a leak, or the last
            // culprit's objects still held): destroying one more would not bring the heap under its bound.
            if (!unexplained) System.err.println(new StringBuilder(256).append("rdc: the heap holds ").append(mb(live))
                    .append(" MB live, over its bound of ").append(Limits.heapPercent)
                    .append("% (rdc.limit.heapPercent), but no incarnation allocated enough since it was under ")
                    .append(Math.round(Limits.heapPercent * LOW_MARK)).append("% to account for it (the most: ")
                    .append(mb(Math.max(0, topBytes))).append(" MB); none is destroyed"));
            unexplained = true;
            return false;
        }
        unexplained = false;
        Incarnation inc = top.inc();
        // StringBuilder, not '+': a string concatenation is linked (invokedynamic) the first time it runs, and a link that
        // fails for want of heap fails for good; this runs for the first time exactly when the heap is nearly gone.
        StringBuilder reason = new StringBuilder(320).append("destroyed for memory: the node's heap held ").append(mb(live)).append(" MB of ")
                .append(mb(max)).append(" MB live after a full collection");
        if (oom) reason.append(" and ran out (OutOfMemoryError)");
        reason.append(", over its bound of ").append(Limits.heapPercent).append("% (rdc.limit.heapPercent); ").append(inc.name)
                .append(" allocated the most since the heap was last under ").append(Math.round(Limits.heapPercent * LOW_MARK)).append("%: ")
                .append(mb(topBytes)).append(" MB (its RDC ").append(io.rdc.runtime.kernel.Ids.show(inc.rdcId)).append(" at this node: ").append(mb(rdcBytes(all, now, inc.rdcId)))
                .append(" MB)");
        condemn(top, reason.toString());
        return true;
    }

    /** What the incarnations of RDC {@code rdc} at this node allocated since the last rebase. */
    private static long rdcBytes(List<JsIncarnation> all, long[] now, long rdc) {
        long sum = 0;
        for (int i = 0; i < now.length; i++) {
            JsIncarnation js = all.get(i);
            if (now[i] >= 0 && js.inc().rdcId == rdc) sum += now[i] - base.getOrDefault(js.thread.threadId(), 0L);
        }
        return sum;
    }

    /**
     * Destroys {@code culprit} for {@code reason} (FAULTING first), and picks no other until its code has stopped. The guard's
     * thread. The stop itself is the killer's, a thread started with the guard: handing it over allocates nothing (a thread
     * pool's task, or a lambda linked for the first time, needs heap the node may no longer have).
     */
    static void condemn(JsIncarnation culprit, String reason) {
        condemned = culprit;
        condemnedAt = System.nanoTime();
        if (TRACE) System.err.println("memory-guard: " + reason);
        toKillReason = reason;
        toKill = culprit;
        Thread k = killer;
        if (k != null) LockSupport.unpark(k);
        else destroy(culprit, reason);
    }

    /** How often the killer tries to stop a culprit when the attempt itself runs out of heap (10 ms apart). */
    static final int KILL_ATTEMPTS = 100;
    private static volatile JsIncarnation toKill;
    private static volatile String toKillReason;
    private static volatile Thread killer;

    /** The killer's loop: waits for a culprit, stops its code first (its allocating is what hurts), then faults and destroys it. */
    private static void killLoop() {
        while (true) {
            JsIncarnation js = toKill;
            if (js == null) {
                LockSupport.park();
                continue;
            }
            String reason = toKillReason;
            toKill = null;
            for (int attempt = 1; ; attempt++) {
                try {
                    destroy(js, reason);
                    break;
                } catch (Throwable e) {
                    // Out of heap even here (stopping a context allocates too): again shortly, as collections free what
                    // other threads let go of; the guard picks again anyway if the heap stays over its bound.
                    if (attempt == KILL_ATTEMPTS || toKill != null) break;
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
            }
        }
    }

    private static void destroy(JsIncarnation js, String reason) {
        Incarnation inc = js.inc();
        // Stopped before it is faulted: faulting raises an event (allocation, and code that may run for the first time), and
        // a killed incarnation's own thread reports nothing, so the FAULTING below is still the first thing said of it.
        js.kill();
        try {
            js.kernel().fault(inc, reason);
        } catch (Throwable e) {
            // the heap may still be short until the next collection; the destroy below ends it anyway
        }
        try {
            js.kernel().destroy(inc.gid);
        } catch (RuntimeException ignored) {
            // gone meanwhile
        }
    }

    /** The heap is comfortable again: every incarnation's allocation counts from now. */
    private static void rebase() {
        List<JsIncarnation> all = HandlerWatchdog.running();
        long[] now = allocated(all);
        base.clear();
        for (int i = 0; i < now.length; i++) if (now[i] >= 0) base.put(all.get(i).thread.threadId(), now[i]);
    }

    /** Bytes each incarnation's thread has allocated in all (-1 where it has none or it ended). */
    private static long[] allocated(List<JsIncarnation> all) {
        long[] ids = new long[all.size()];
        for (int i = 0; i < ids.length; i++) {
            Thread t = all.get(i).thread;
            ids[i] = t == null ? -1 : t.threadId();
        }
        return THREADS.getThreadAllocatedBytes(ids);
    }

    private static long mb(long bytes) {
        return bytes >> 20;
    }
}
