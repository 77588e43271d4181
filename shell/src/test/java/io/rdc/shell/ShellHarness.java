package io.rdc.shell;

import io.rdc.interpreter.runtime.RuntimeOperations;
import io.rdc.runtime.pool.PoolConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.jline.terminal.Size;
import org.jline.terminal.impl.ExternalTerminal;

/**
 * Drives the real shell as a person at a terminal would: key sequences go into a JLine
 * {@link ExternalTerminal} (the terminal's own line discipline turns Ctrl-C into SIGINT), and
 * everything the shell draws is collected, escape sequences removed, for assertions.
 */
final class ShellHarness implements AutoCloseable {
    /** Where the example modules live (tests run in shell/). */
    static final Path TEXTPROC = Path.of("..", "scripts", "textproc").toAbsolutePath().normalize();

    private final PipedOutputStream keys = new PipedOutputStream();
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final ExternalTerminal terminal;
    private final RuntimeOperations ops;
    final Shell shell;
    private final Thread loop;
    private volatile Integer exitCode;
    private int mark;

    ShellHarness(Path history) throws IOException {
        this(history, false);
    }

    /** @param events whether the shell prints operator events above the prompt (off: output stays in step with inputs) */
    ShellHarness(Path history, boolean events) throws IOException {
        this(history, events, false);
    }

    ShellHarness(Path history, boolean events, boolean color) throws IOException {
        PipedInputStream in = new PipedInputStream(keys, 1 << 16);
        java.io.OutputStream out = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                synchronized (screen) {
                    screen.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (screen) {
                    screen.write(b, off, len);
                }
            }
        };
        terminal = new ExternalTerminal("test", "xterm", in, out, StandardCharsets.UTF_8);
        terminal.setSize(new Size(200, 60));
        ops = RuntimeOperations.start(PoolConfig.defaults());
        shell = new Shell(ops, new Shell.Settings(color, false, history, events), terminal.output());
        loop = Thread.ofPlatform().name("shell-under-test").daemon().start(() -> exitCode = shell.interactive(terminal));
        waitFor("rdc> ", Duration.ofSeconds(30));
    }

    /** Types keys (text, {@code \t} Tab, {@code \u001b[A} Up, {@code \u0003} Ctrl-C, {@code \r} Enter...). */
    ShellHarness type(String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
        return this;
    }

    /** The bytes the shell wrote, escape sequences and all. */
    String raw() {
        synchronized (screen) {
            return screen.toString(StandardCharsets.UTF_8);
        }
    }

    /** Everything on screen so far, as a terminal would show it (cursor moves and erases applied, scrollback kept). */
    String screen() {
        String raw;
        synchronized (screen) {
            raw = screen.toString(StandardCharsets.UTF_8);
        }
        return render(raw);
    }

    /** A small terminal: text, CR, LF, BS, and the CSI cursor moves and erases JLine uses. */
    static String render(String raw) {
        java.util.List<StringBuilder> lines = new java.util.ArrayList<>();
        lines.add(new StringBuilder());
        int row = 0, col = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\u001b') {
                if (i + 1 < raw.length() && raw.charAt(i + 1) == '[') {
                    int j = i + 2;
                    while (j < raw.length() && (Character.isDigit(raw.charAt(j)) || raw.charAt(j) == ';' || raw.charAt(j) == '?')) j++;
                    if (j >= raw.length()) break;
                    String params = raw.substring(i + 2, j);
                    int n = params.matches("\\d+") ? Integer.parseInt(params) : 1;
                    StringBuilder line = lines.get(row);
                    switch (raw.charAt(j)) {
                        case 'C' -> col += n;
                        case 'D' -> col = Math.max(0, col - n);
                        case 'A' -> row = Math.max(0, row - n);
                        case 'B' -> {
                            row += n;
                            while (lines.size() <= row) lines.add(new StringBuilder());
                        }
                        case 'G' -> col = Math.max(0, n - 1);
                        case 'K' -> {
                            if (col < line.length()) line.setLength(col);
                        }
                        case 'J' -> {
                            if (col < line.length()) line.setLength(col);
                            while (lines.size() > row + 1) lines.remove(lines.size() - 1);
                        }
                        default -> {}
                    }
                    i = j;
                } else if (i + 1 < raw.length()) {
                    i += (raw.charAt(i + 1) == '(' || raw.charAt(i + 1) == ')') ? 2 : 1;
                }
                continue;
            }
            switch (c) {
                case '\r' -> col = 0;
                case '\n' -> {
                    row++;
                    col = 0;
                    while (lines.size() <= row) lines.add(new StringBuilder());
                }
                case '\b' -> col = Math.max(0, col - 1);
                case '\u0007' -> {}
                default -> {
                    StringBuilder line = lines.get(row);
                    while (line.length() < col) line.append(' ');
                    if (col < line.length()) line.setCharAt(col, c);
                    else line.append(c);
                    col++;
                }
            }
        }
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < lines.size(); k++) {
            if (k > 0) out.append('\n');
            out.append(lines.get(k));
        }
        return out.toString();
    }

    /** Waits until {@code text} appears on screen after the last mark; returns the screen from the mark on. */
    String waitFor(String text, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            String s = screen();
            String since = s.substring(Math.min(mark, s.length()));
            int at = since.indexOf(text);
            if (at >= 0) {
                mark = mark + at + text.length();
                return since;
            }
            if (System.nanoTime() > end) {
                String raw;
                synchronized (screen) {
                    raw = screen.toString(StandardCharsets.UTF_8);
                }
                String tail = raw.substring(Math.max(0, raw.length() - 300)).replace("\u001b", "<ESC>").replace("\b", "<BS>").replace("\r", "<CR>");
                throw new AssertionError("timed out waiting for [" + text + "]; screen since mark:\n" + since + "\nraw tail: " + tail);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    String waitFor(String text) {
        return waitFor(text, Duration.ofSeconds(20));
    }

    /** Types a line, then waits for the prompt after its output; returns that output. */
    String run(String line) throws IOException {
        type(line + "\r");
        String out = waitFor("\nrdc> ", Duration.ofSeconds(60));
        return out;
    }

    /** The bytes the terminal's Up-arrow key sends (xterm in keypad mode: ESC O A). */
    String up() {
        return org.jline.keymap.KeyMap.key(terminal, org.jline.utils.InfoCmp.Capability.key_up);
    }

    Integer exitCode() {
        return exitCode;
    }

    boolean alive() {
        return loop.isAlive();
    }

    /** The shell leaves on Ctrl-D; waits for that. */
    void ctrlD(Duration timeout) throws Exception {
        type("\u0004");
        loop.join(timeout.toMillis());
    }

    @Override
    public void close() throws Exception {
        if (loop.isAlive()) {
            try {
                ctrlD(Duration.ofSeconds(5));
            } catch (IOException ignored) {
                // pipe closed
            }
        }
        shell.close();
        terminal.close();
        ops.close();
    }
}
