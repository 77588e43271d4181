package io.rdc.shell;

import io.rdc.runtime.kernel.Event;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.jline.reader.LineReader;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;

/**
 * While the shell waits at the prompt, prints the events the operator registered interest in
 * (an incarnation died, faulted, ...) above the line being typed, without disturbing it.
 * It uses the operator only when no statement runs (the shell's operator lock).
 */
final class EventPoller {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final Shell shell;
    private final LineReader reader;
    private volatile boolean stopped;
    private Thread thread;
    private int seen;

    EventPoller(Shell shell, LineReader reader) {
        this.shell = shell;
        this.reader = reader;
    }

    void start() {
        seen = shell.ops().events().size();
        thread = Thread.ofPlatform().daemon().name("rdc-shell-events").start(this::loop);
    }

    void stop() {
        stopped = true;
        if (thread != null) thread.interrupt();
    }

    private void loop() {
        while (!stopped) {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            if (!shell.operatorLock.tryLock()) continue; // a statement is running: its own output comes first
            List<Event> all;
            try {
                all = shell.ops().events();
            } catch (RuntimeException e) {
                continue;
            } finally {
                shell.operatorLock.unlock();
            }
            for (int i = seen; i < all.size(); i++) {
                Event e = all.get(i);
                String text = "event " + TIME.format(Instant.ofEpochMilli(e.atMillis())) + " " + e.type() + " " + e.subjectName()
                        + (e.detail() == null || e.detail().isBlank() ? "" : " — " + e.detail());
                reader.printAbove(shell.settings().color()
                        ? new AttributedString(text, AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW))
                        : new AttributedString(text));
            }
            seen = Math.max(seen, all.size());
        }
    }
}
