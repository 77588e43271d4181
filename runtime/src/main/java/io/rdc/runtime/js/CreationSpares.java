package io.rdc.runtime.js;

import java.util.ArrayDeque;

/**
 * Contexts with the prelude already loaded, each waiting on the thread that made it, for creations
 * to take: a new context's realm and prelude cost most of a creation's CPU (the module's own code
 * is usually a few functions), and a context's first use on another thread than the one that made it
 * costs more again (see {@link JsHost.Spare}). A creation that finds one evaluates only its module
 * there and runs on that thread; taking one starts a replacement in the background. Module-neutral,
 * so one set serves every node and module in the JVM (the engine is shared too).
 *
 * <p>At most {@link #TARGET} wait at once ({@code -Drdc.js.spareContexts}, 0 turns this off), so an
 * idle process holds that many contexts and parked threads; none is made before the JVM's first
 * creation, except in a node daemon, which makes them as it starts ({@link #warmUp}). Making them takes {@link JsHost#LOADS} like any other load, so a burst of creations
 * cannot take every core from running incarnations.
 */
final class CreationSpares {
    private CreationSpares() {}

    static final int TARGET = Math.max(0, Integer.getInteger("rdc.js.spareContexts", 4));

    private static final ArrayDeque<JsHost.Spare> READY = new ArrayDeque<>();
    /** Spares being made now (counted against TARGET, so a burst of takes starts no more than that). */
    private static int making;

    /** A waiting spare, or null if none is ready (the creation then loads its own); either way the set is topped up. */
    static JsHost.Spare take() {
        if (TARGET == 0) return null;
        JsHost.Spare sp;
        synchronized (READY) {
            sp = READY.poll();
        }
        topUp();
        return sp;
    }

    /**
     * Makes the spares now rather than at the JVM's first creation, and waits (at most {@code timeoutNs})
     * until one is ready: the first context of a JVM also starts the engine, which took 5 to 7 s on the
     * loaded 2-core build machine. A node daemon does this before it says it is ready (NodeMain), so the
     * first creations on a fresh standing pool do not each wait out a cold engine. Returns whether one was ready in time.
     */
    static boolean warmUp(long timeoutNs) {
        if (TARGET == 0) {
            JsHost.plainContextCycle(); // no spares wanted: at least the engine is started
            return true;
        }
        topUp();
        long end = System.nanoTime() + timeoutNs;
        synchronized (READY) {
            while (READY.isEmpty()) {
                long left = end - System.nanoTime();
                if (left <= 0 || making == 0) return !READY.isEmpty(); // timed out, or every spare failed
                try {
                    READY.wait(Math.max(1, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    private static void topUp() {
        int start;
        synchronized (READY) {
            start = TARGET - READY.size() - making;
            if (start <= 0) return;
            making += start;
        }
        for (int i = 0; i < start; i++) {
            JsHost.makeSpare(CreationSpares::prelude, "rdc-spare-context", sp -> {
                synchronized (READY) {
                    making--;
                    READY.add(sp);
                    READY.notifyAll(); // a warmUp may wait for the first
                }
            }, e -> {
                synchronized (READY) {
                    making--; // the next take tries again; meanwhile creations load their own
                    READY.notifyAll();
                }
            });
        }
    }

    private static JsHost.Warm prelude() {
        JsHost.LOADS.acquireUninterruptibly();
        try {
            return JsHost.load(null, null);
        } finally {
            JsHost.LOADS.release();
        }
    }
}
