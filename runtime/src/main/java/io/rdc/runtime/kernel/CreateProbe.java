package io.rdc.runtime.kernel;

import java.util.Locale;

/**
 * Timestamps along one creation, for finding where its time goes ({@code -Drdc.create.probe=true};
 * {@code rdc bench control} then prints the mean of each hop on stderr). One creation at a time:
 * the stamps are global, as the bench creates serially. Off, each stamp is one static final test.
 */
public final class CreateProbe {
    private CreateProbe() {}

    public static final boolean ON = Boolean.getBoolean("rdc.create.probe");
    /** The creator sent OP_CREATE; the node's kernel took it; the incarnation's thread began; its module loaded (ready); the creator had the answer; the bench bound its name. */
    public static final int SENT = 0, NODE_RECEIVED = 1, THREAD_RUNS = 2, READY = 3, ANSWERED = 4, BOUND = 5;
    private static final String[] NAMES = {"sent", "node received", "thread runs", "module loaded", "answered", "name bound"};
    private static final long[] T = new long[NAMES.length];
    private static final long[] SUM = new long[NAMES.length];
    private static long creations;

    public static void stamp(int i) {
        if (ON) T[i] = System.nanoTime();
    }

    /** Adds the current creation's hops to the sums (the bench, after each creation). */
    public static void end() {
        if (!ON) return;
        for (int i = 1; i < T.length; i++) if (T[i] != 0 && T[i - 1] != 0) SUM[i] += T[i] - T[i - 1];
        creations++;
        java.util.Arrays.fill(T, 0);
    }

    /** The mean of each hop, one line each. */
    public static String report() {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < T.length; i++)
            sb.append(String.format(Locale.ROOT, "create probe: %s -> %s: %.3f ms%n", NAMES[i - 1], NAMES[i], SUM[i] / 1e6 / Math.max(1, creations)));
        return sb.toString();
    }
}
