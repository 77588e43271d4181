package io.rdc.shell;

import io.rdc.interpreter.Progress;
import java.util.List;
import java.util.Locale;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;
import org.jline.utils.Status;

/**
 * The shell's progress bar: a status line at the bottom of the terminal (JLine's own Status)
 * while a long forall or wait runs; gone when it ends. Updates are throttled to 10 a second.
 */
final class ProgressLine implements Progress {
    private volatile Terminal terminal;
    private volatile Status status;
    private long lastDraw;

    /** Shows progress on this terminal from now on (interactive shells only). */
    void attach(Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public void update(String task, long done, long total) {
        Terminal t = terminal;
        if (t == null) return;
        Status s = status;
        if (s == null) status = s = Status.getStatus(t, true); // only once something is long: no status area otherwise
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L && done < total) return;
        lastDraw = now;
        int width = 30;
        int filled = total <= 0 ? 0 : (int) Math.min(width, done * width / total);
        String count = task.startsWith("wait") ? String.format(Locale.ROOT, "%.1f s of %.1f s", done / 1000.0, total / 1000.0)
                : done + "/" + total;
        String line = "[" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + count + "  " + task;
        s.update(List.of(new AttributedString(line, AttributedStyle.DEFAULT.foreground(AttributedStyle.CYAN))));
    }

    @Override
    public void finish(String task) {
        Status s = status;
        if (s != null) {
            s.update(List.of());
            s.close(); // give the terminal its last line back
            status = null;
        }
    }
}
