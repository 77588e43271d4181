package io.rdc.runtime.js;

import io.rdc.runtime.kernel.Incarnation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-RDC memory bound (RdcLimits.memoryBytes; docs/containment.md §Per-RDC bounds), kept by the
 * memory guard's thread from what it already measures: each incarnation thread's allocation, and
 * the heap live after a full collection. GraalJS community cannot say what one context retains, so
 * an RDC is judged by two figures that together make a fair case against it:
 *
 * <ul>
 *   <li>its incarnations at the node <b>allocated</b> more than its bound since its count began, and</li>
 *   <li>a full collection then shows the node's <b>live</b> heap grown by more than its bound since
 *       then (from its {@link Bounded#floor}).</li>
 * </ul>
 *
 * Both: the largest allocator of that RDC at the node is destroyed (FAULTING, then DEAD, through
 * {@link MemoryGuard#condemn}). No full collection is asked for when the heap in use, or what the
 * latest young collection left, is itself within the bound of the floor (live is at most either).
 * The first only (it allocated garbage, or grew less than its bound):
 * its count begins again, and the floor drops to the live figure if that is lower, so what it kept is
 * still measured from where it began. A full collection is asked for at most once a second (shared
 * with the node's own bound), so an RDC that churns garbage costs one full collection per bound's
 * worth of allocation at most.
 */
final class RdcMemory {
    private RdcMemory() {}

    /** One RDC's count at one node; the guard thread's own. */
    private static final class Bounded {
        /** The heap's use when the count began (its first sight: may include garbage, which loosens the bound), then the lowest live figure since. */
        long floor;
        /** Each of its incarnation threads' allocation when the count last began, by thread id (absent: 0, a thread that began after). */
        final Map<Long, Long> base = new HashMap<>();
        /** The memory guard's count of young collections when the count began. */
        long youngReadings;
        /** Seen in the latest pass (RDCs no longer running at the node are dropped). */
        boolean seen;
    }

    private record Key(int node, long rdc) {}

    private static final Map<Key, Bounded> counts = new HashMap<>();

    /**
     * One pass over the running incarnations (the guard thread, every period while nothing is
     * condemned). {@code fullCollection} runs one when allowed and returns the live heap after it, or
     * -1 when one ran less than a second ago. Returns true when a culprit was condemned.
     */
    static boolean check(List<JsIncarnation> all, long[] allocated, long heapUsedNow, long usedAfterYoung, long youngReadings,
                         java.util.function.LongSupplier fullCollection) {
        Map<Key, Long> sums = null;
        Map<Key, JsIncarnation> top = null;
        Map<Key, Long> topBytes = null;
        for (Bounded b : counts.values()) b.seen = false;
        for (int i = 0; i < all.size(); i++) {
            JsIncarnation js = all.get(i);
            if (allocated[i] < 0 || js.inc().isDestroyed()) continue;
            long bound = HandlerWatchdog.rdcLimits(js).limits().memoryBytes();
            if (bound <= 0) continue;
            Key key = new Key(js.kernel().nodeId(), js.inc().rdcId);
            Bounded b = counts.get(key);
            if (b == null) {
                b = new Bounded();
                b.floor = heapUsedNow;
                b.youngReadings = youngReadings;
                counts.put(key, b);
            }
            b.seen = true;
            long since = allocated[i] - b.base.getOrDefault(js.thread.threadId(), 0L);
            if (sums == null) {
                sums = new HashMap<>();
                top = new HashMap<>();
                topBytes = new HashMap<>();
            }
            sums.merge(key, since, Long::sum);
            if (since > topBytes.getOrDefault(key, -1L)) {
                top.put(key, js);
                topBytes.put(key, since);
            }
        }
        counts.values().removeIf(b -> !b.seen);
        if (sums == null) return false;
        for (Map.Entry<Key, Long> e : sums.entrySet()) {
            JsIncarnation culprit = top.get(e.getKey());
            long bound = HandlerWatchdog.rdcLimits(culprit).limits().memoryBytes();
            if (e.getValue() <= bound) continue;
            Bounded b = counts.get(e.getKey());
            // What is live now is at most the heap in use, and at most what the latest young collection left (if it came after
            // the count began): when even that is within the bound of the floor, no full collection is needed to clear the RDC.
            long upper = youngReadings != b.youngReadings ? Math.min(heapUsedNow, usedAfterYoung) : heapUsedNow;
            long live = upper - b.floor <= bound ? upper : fullCollection.getAsLong();
            if (live < 0) return false; // not yet: the next pass after the confirmation's second
            long grown = live - b.floor;
            if (grown > bound) {
                Incarnation inc = culprit.inc();
                MemoryGuard.condemn(culprit, "destroyed for memory: RDC " + io.rdc.runtime.kernel.Ids.show(inc.rdcId) + "'s incarnations at node "
                        + e.getKey().node() + " allocated " + mb(e.getValue()) + " MB and the node's live heap grew by " + mb(grown) + " MB (from "
                        + mb(b.floor) + " to " + mb(live) + " MB after a full collection) since its count began, over the RDC's bound of "
                        + mb(bound) + " MB (its RDC's limits, memory); " + inc.name + " allocated the most of them: " + mb(topBytes.get(e.getKey())) + " MB");
                counts.remove(e.getKey()); // counts begin again for what is left of it
                return true;
            }
            // Garbage, or less kept than the bound: count again from here, keeping the floor (what it kept is still measured).
            b.floor = Math.min(b.floor, live);
            b.youngReadings = youngReadings;
            for (int i = 0; i < all.size(); i++) {
                JsIncarnation js = all.get(i);
                if (allocated[i] >= 0 && js.kernel().nodeId() == e.getKey().node() && js.inc().rdcId == e.getKey().rdc())
                    b.base.put(js.thread.threadId(), allocated[i]);
            }
            return false; // one full collection a pass
        }
        return false;
    }

    /** Whether any running incarnation's RDC has a memory bound (the guard reads allocation counters every pass only then). */
    static boolean anyBounded(List<JsIncarnation> all) {
        for (JsIncarnation js : all) if (HandlerWatchdog.rdcLimits(js).limits().memoryBytes() > 0) return true;
        counts.clear();
        return false;
    }

    private static long mb(long bytes) {
        return bytes >> 20;
    }
}
