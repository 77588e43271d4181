package io.rdc.runtime.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What an incarnation prints ({@code print}, {@code console.log}, ...): each line goes to its node's
 * log prefixed with the incarnation's name and id ({@code [worker1 201.3] text}) and, as an
 * {@link Event.Type#OUTPUT} event, to every watcher interested in its output (the operator that
 * created it: the shell's event stream). A loop that prints must not flood either, so lines are
 * rate-limited per incarnation: at most {@link #LINES_PER_SECOND} in each second
 * ({@code -Drdc.output.linesPerSecond}); the rest are counted and reported by one line,
 * {@code … K lines dropped}, when their second ends. docs/containment.md.
 */
public final class IncarnationOutput {
    /** Lines let through per incarnation and second; the others are dropped and counted. */
    public static final int LINES_PER_SECOND = Math.max(1, Integer.getInteger("rdc.output.linesPerSecond", 20));
    /** Longer lines are cut (a print without a newline in a loop would otherwise grow without bound). */
    public static final int MAX_LINE_CHARS = 2000;
    private static final long WINDOW_NS = TimeUnit.SECONDS.toNanos(1);

    private final Kernel kernel;
    private final Incarnation inc;
    private final String prefix;
    private long windowStart = System.nanoTime() - WINDOW_NS;
    private int inWindow;
    private long dropped;
    private boolean summaryScheduled;

    public IncarnationOutput(Kernel kernel, Incarnation inc) {
        this.kernel = kernel;
        this.inc = inc;
        this.prefix = prefix(inc.name, inc.gid);
    }

    /** One printed line (without its line end), from the incarnation's thread. */
    public synchronized void line(String text) {
        long now = System.nanoTime();
        if (now - windowStart >= WINDOW_NS) {
            summarise();
            windowStart = now;
            inWindow = 0;
        }
        if (inWindow < LINES_PER_SECOND) {
            inWindow++;
            emit(text.length() > MAX_LINE_CHARS ? text.substring(0, MAX_LINE_CHARS) + "… (" + text.length() + " characters)" : text);
            return;
        }
        dropped++;
        if (!summaryScheduled) { // reported when the second ends, even if the incarnation prints nothing more
            summaryScheduled = true;
            kernel.ghosts.schedule(Math.max(0, windowStart + WINDOW_NS - now), this::summariseLater);
        }
    }

    private synchronized void summariseLater() {
        summaryScheduled = false;
        summarise();
    }

    private void summarise() {
        if (dropped == 0) return;
        long n = dropped;
        dropped = 0;
        emit("… " + n + (n == 1 ? " line" : " lines") + " dropped (more than " + LINES_PER_SECOND + " a second; rdc.output.linesPerSecond)");
    }

    private void emit(String text) {
        kernel.logLine(prefix + text);
        kernel.ghosts.raise(inc, Event.Type.OUTPUT, text);
    }

    /**
     * Whoever watches {@code creator}'s output watches its new child's too, so the lines of
     * incarnations a manager creates reach the operator's session like the manager's own. One
     * request to the child's node per such watcher (none when nobody watches the creator's output);
     * a watcher gone meanwhile is skipped.
     */
    public static void inherit(Kernel kernel, Incarnation creator, long child) {
        List<Long> watchers = new ArrayList<>(1);
        synchronized (creator) {
            for (Incarnation.Interest i : creator.interests) if ((i.mask() & Event.Type.OUTPUT.bit) != 0) watchers.add(i.watcher());
        }
        for (long w : watchers) {
            try {
                kernel.setInterest(w, child, Event.Type.OUTPUT.bit);
            } catch (RuntimeException gone) {
                // the child died already, or its node went: its lines stay in that node's log
            }
        }
    }

    /** The line as the node's log and the shell show it: {@code [name id] text}. */
    public static String shown(Event e) {
        return prefix(e.subjectName(), e.subject()) + (e.detail() == null ? "" : e.detail());
    }

    private static String prefix(String name, long gid) {
        return "[" + name + " " + Ids.show(gid) + "] ";
    }
}
