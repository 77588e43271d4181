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

    EventPoller(Shell shell, LineReader reader) {
        this.shell = shell;
        this.reader = reader;
    }

    void start() {
        shell.skipShownEvents();
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
            List<Event> fresh;
            try {
                fresh = shell.unshownEvents();
            } catch (RuntimeException e) {
                continue;
            } finally {
                shell.operatorLock.unlock();
            }
            for (Event e : fresh) {
                // an embedded pool's output is already above the prompt, from its nodes' log (children's too)
                if (e.type() == Event.Type.OUTPUT && shell.embedded()) continue;
                String text = line(e, false);
                reader.printAbove(shell.settings().color()
                        ? new AttributedString(text, AttributedStyle.DEFAULT.foreground(e.type() == Event.Type.OUTPUT ? AttributedStyle.WHITE : AttributedStyle.YELLOW))
                        : new AttributedString(text));
            }
        }
    }

    /**
     * One event as the shell shows it: {@code event 12:00:01.250 DEAD w — destroyed}; a printed line as
     * {@code event 12:00:01.250 OUTPUT [w 201.3] text}; with {@code json}, one JSON object, ids as strings.
     */
    static String line(Event e, boolean json) {
        String time = TIME.format(Instant.ofEpochMilli(e.atMillis()));
        if (json) {
            java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
            o.put("view", "event");
            o.put("time", time);
            o.put("at_ms", e.atMillis());
            o.put("type", e.type().name());
            o.put("incarnation", e.subjectName());
            o.put("id", io.rdc.runtime.kernel.Ids.show(e.subject()));
            o.put("detail", e.detail());
            return io.rdc.runtime.util.Json.write(o);
        }
        if (e.type() == Event.Type.OUTPUT) return "event " + time + " OUTPUT " + io.rdc.runtime.kernel.IncarnationOutput.shown(e);
        return "event " + time + " " + e.type() + " " + e.subjectName()
                + (e.detail() == null || e.detail().isBlank() ? "" : " — " + e.detail());
    }
}
