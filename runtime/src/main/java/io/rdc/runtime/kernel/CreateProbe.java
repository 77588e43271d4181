package io.rdc.runtime.kernel;

import java.util.Locale;

/**
 * Timestamps along one creation, for finding where its time goes ({@code -Drdc.create.probe=true};
 * {@code rdc bench control} then prints, on stderr, the mean time from the creator's send to each
 * point). One creation at a time: the stamps are global, as that bench creates serially; a creation's
 * record is added up when the next one is sent (or at the report), so points reached after the creator
 * had its answer (the preamble, init; with {@code JsHost.answerBeforeLoad} also the load) still count.
 * Off, each stamp is one static final test.
 */
public final class CreateProbe {
    private CreateProbe() {}

    public static final boolean ON = Boolean.getBoolean("rdc.create.probe");
    /**
     * The creator sent OP_CREATE; the node's kernel took it; the incarnation's thread began; its own new
     * context was made and the prelude run in it (only when no creation spare was ready); its module
     * evaluated (ready); the creator had the answer; the interface preamble ran; init ran (started); the
     * bench bound its name.
     */
    public static final int SENT = 0, NODE_RECEIVED = 1, THREAD_RUNS = 2, CONTEXT_MADE = 3, PRELUDE_RUN = 4, READY = 5, ANSWERED = 6,
            PREAMBLE_DONE = 7, STARTED = 8, BOUND = 9;
    private static final String[] NAMES = {"sent", "node received", "thread runs", "own context made", "own prelude run", "module loaded",
            "answered", "preamble done", "init done", "name bound"};
    private static final long[] T = new long[NAMES.length];
    private static final long[] SUM = new long[NAMES.length];
    private static final long[] COUNT = new long[NAMES.length];

    public static void stamp(int i) {
        if (!ON) return;
        synchronized (T) {
            if (i == SENT) fold();
            T[i] = System.nanoTime();
        }
    }

    /** Adds the current creation's points to the sums (each as time since it was sent) and starts a new record. */
    private static void fold() {
        if (T[SENT] != 0)
            for (int i = 1; i < T.length; i++)
                if (T[i] >= T[SENT]) {
                    SUM[i] += T[i] - T[SENT];
                    COUNT[i]++;
                }
        java.util.Arrays.fill(T, 0);
    }

    /** The mean time from the send to each point, one line each, with how many creations reached it; then starts the sums again. */
    public static String report() {
        StringBuilder sb = new StringBuilder();
        synchronized (T) {
            fold();
            for (int i = 1; i < T.length; i++)
                sb.append(String.format(Locale.ROOT, "create probe: sent -> %-16s %8.3f ms (%d creations)%n", NAMES[i] + ":",
                        SUM[i] / 1e6 / Math.max(1, COUNT[i]), COUNT[i]));
            java.util.Arrays.fill(SUM, 0);
            java.util.Arrays.fill(COUNT, 0);
        }
        return sb.toString();
    }
}
