package io.rdc.runtime.kernel;

/**
 * Timestamps along one invoke round trip, for finding where latency goes (rdc bench --probe).
 * Off unless -Drdc.probe=true; when off, each stamp is one static final boolean test.
 */
public final class Probe {
    private Probe() {}

    public static final boolean ON = Boolean.getBoolean("rdc.probe");
    /** 0 sent, 1 kernel delivered to inbox, 2 handler started, 3 reply offered, 4 reply received by kernel, 5 invoker resumed. */
    public static final long[] T = new long[6];

    public static void stamp(int i) {
        if (ON) T[i] = System.nanoTime();
    }
}
