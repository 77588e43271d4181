package io.rdc.runtime.kernel;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The bounds one RDC states for itself (docs/containment.md §Per-RDC bounds): how much guest CPU time
 * one of its handlers may use, and how much its incarnations at one node may hold together. Zero
 * means "the node's own": {@link Limits#handlerBoundMs}, and no bound of the RDC's own on memory.
 *
 * <p>They travel with the RDC, not with each incarnation: with a control plane they are a binding
 * of the RDC's ({@link #BINDING}), which every node where one of its incarnations runs reads (at
 * first sight, then again every {@link Table#REREAD_NS}); the nodes of one process share a {@link Table}
 * in their {@link Pool}, which the operator's session fills at once. So a migration needs nothing
 * of its own: the node it lands on knows the RDC's bounds, or reads them.
 */
public record RdcLimits(long handlerBoundMs, long memoryBytes) {
    /** The node's own bounds. */
    public static final RdcLimits NODE_DEFAULTS = new RdcLimits(0, 0);
    /** The control plane's binding, among the RDC's names, that holds them ({@link #encode}). */
    public static final String BINDING = "limits:rdc";
    /** Under this an RDC's memory bound would not leave room for one engine's context (~10 MB each, measured per idle incarnation). */
    public static final long MIN_MEMORY_BYTES = 16L << 20;

    public RdcLimits {
        if (handlerBoundMs < 0) throw new OperationException("an RDC's handler bound must be a positive time or 0 for the node's own, not " + handlerBoundMs + " ms");
        if (memoryBytes < 0 || memoryBytes > 0 && memoryBytes < MIN_MEMORY_BYTES)
            throw new OperationException("an RDC's memory bound must be at least " + (MIN_MEMORY_BYTES >> 20) + " MB, or 0 for none, not " + memoryBytes + " bytes");
    }

    /** As the control plane keeps them: {@code handlerBoundMs=200,memoryBytes=67108864}. */
    public String encode() {
        return "handlerBoundMs=" + handlerBoundMs + ",memoryBytes=" + memoryBytes;
    }

    /** The inverse of {@link #encode}; a binding nobody else wrote cannot be malformed, but a clear error beats a guess. */
    public static RdcLimits decode(String text) {
        long handler = 0, memory = 0;
        if (text == null || text.isBlank()) return NODE_DEFAULTS;
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq).trim();
            long value;
            try {
                value = eq < 0 ? -1 : Long.parseLong(part.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                value = -1;
            }
            if (value < 0) throw new OperationException("malformed RDC limits '" + text + "': '" + part + "' is not name=number");
            switch (key) {
                case "handlerBoundMs" -> handler = value;
                case "memoryBytes" -> memory = value;
                default -> throw new OperationException("malformed RDC limits '" + text + "': unknown limit '" + key + "' (handlerBoundMs, memoryBytes)");
            }
        }
        return new RdcLimits(handler, memory);
    }

    /** The handler bound in force for this RDC at a node whose own limits are {@code node}. */
    public long handlerBoundMs(Limits node) {
        return handlerBoundMs > 0 ? handlerBoundMs : node.handlerBoundMs;
    }

    /**
     * The RDC bounds a process knows, by RDC id (one per {@link Pool}: ids are the pool's). Read off
     * the message path: by the handler watchdog and the memory guard, each at most every 50 ms per
     * running incarnation, which keep the {@link Known} they got.
     */
    public static final class Table {
        /** How old a copy read from the control plane may get before a lookup reads it again (a change reaches every node within this). */
        static final long REREAD_NS = TimeUnit.SECONDS.toNanos(10);
        private final Pool pool;
        private final ConcurrentHashMap<Long, Known> byRdc = new ConcurrentHashMap<>();

        Table(Pool pool) {
            this.pool = pool;
        }

        /** One RDC's bounds as this process knows them; {@link #limits} changes in place when they are read again. */
        public static final class Known {
            final long rdc;
            private volatile RdcLimits limits = NODE_DEFAULTS;
            /** When they were last read from the control plane (or set here); 0: never. */
            private volatile long readAt;
            private volatile boolean reading;

            Known(long rdc) {
                this.rdc = rdc;
            }

            public RdcLimits limits() {
                return limits;
            }
        }

        /** RDC {@code rdc}'s bounds; reads them from the control plane (on a control thread) when never read or read long ago. */
        public Known of(long rdc) {
            Known k = byRdc.computeIfAbsent(rdc, Known::new);
            refreshIfOld(k);
            return k;
        }

        /** As {@link #of}, for a {@link Known} already held: re-reads it when old. */
        public void refreshIfOld(Known k) {
            ControlPlane cp = pool.control();
            if (cp == null || k.reading || k.readAt != 0 && System.nanoTime() - k.readAt < REREAD_NS) return;
            k.reading = true;
            ControlThreads.run(() -> {
                try {
                    String text = cp.names(k.rdc).get(BINDING);
                    k.limits = decode(text);
                    k.readAt = System.nanoTime();
                } catch (RuntimeException e) {
                    // the control plane unreachable, or the RDC gone: keep what was known, try again after the period
                    k.readAt = System.nanoTime();
                } finally {
                    k.reading = false;
                }
            });
        }

        /** Sets RDC {@code rdc}'s bounds in this process at once (the operator's session, which also binds them in the control plane). */
        public void set(long rdc, RdcLimits limits) {
            Known k = byRdc.computeIfAbsent(rdc, Known::new);
            k.limits = limits;
            k.readAt = System.nanoTime();
        }

        /** Forgets an RDC that ended. */
        public void forget(long rdc) {
            byRdc.remove(rdc);
        }
    }
}
