package io.rdc.shell;

import io.rdc.interpreter.RdcError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jline.terminal.Terminal;
import org.jline.utils.InfoCmp;

/**
 * The shell's own commands, recognised before the interpreter: {@code help [TOPIC]},
 * {@code graph [--dot FILE | --mermaid FILE | --json [FILE]]},
 * {@code watch VIEW [every DURATION] [--count N]}, {@code exit}. Anything else (including
 * {@code show} and {@code inspect}) is a statement for the interpreter. These few are not in the
 * grammar: they exist only at the shell's prompt (a script cannot graph or watch), so they are
 * matched here, whole, before the line goes to the parser.
 */
final class ShellCommands {
    static final List<String> NAMES = List.of("help", "graph", "watch", "exit", "quit");
    static final List<String> VIEWS = List.of("nodes", "incarnations", "channels", "space", "events", "allocation");

    private static final Pattern HELP = Pattern.compile("help(?:\\s+(\\S+))?\\s*");
    private static final Pattern GRAPH = Pattern.compile("graph(?:\\s+(--dot|--mermaid)\\s+(\\S+)|\\s+(--json)(?:\\s+(\\S+))?)?\\s*");
    /** {@code watch VIEW [X]} then its options in any order: {@code every DURATION}, {@code --count N}. */
    private static final Pattern WATCH = Pattern.compile("watch\\s+(\\w+)(?:\\s+(?!every\\b)(\\w+(?:\\[[^\\]]*])?))?((?:\\s+(?:every\\s+\\d+(?:\\.\\d+)?(?:ms|s|m|h)|--count\\s+\\d+))*)\\s*");
    private static final Pattern EVERY = Pattern.compile("every\\s+(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
    private static final Pattern COUNT = Pattern.compile("--count\\s+(\\d+)");

    interface Command {
        boolean run(Terminal terminal);
    }

    private final Shell shell;

    ShellCommands(Shell shell) {
        this.shell = shell;
    }

    boolean isExit(String input) {
        String s = input.strip();
        return s.equals("exit") || s.equals("quit");
    }

    /** The shell command {@code input} is, or null when it is a statement for the interpreter. */
    Command parse(String input) {
        String s = input.strip();
        Matcher m;
        if ((m = HELP.matcher(s)).matches()) {
            String topic = m.group(1);
            return t -> {
                shell.out().println(Help.text(topic));
                return true;
            };
        }
        if ((m = GRAPH.matcher(s)).matches()) {
            String format = m.group(1) != null ? m.group(1) : m.group(3), file = m.group(1) != null ? m.group(2) : m.group(4);
            return t -> graph(format, file);
        }
        if ((m = WATCH.matcher(s)).matches()) {
            String view = m.group(1), arg = m.group(2), options = m.group(3);
            long every = 1000;
            Matcher e = EVERY.matcher(options);
            if (e.find()) every = (long) (Double.parseDouble(e.group(1)) * switch (e.group(2)) {
                case "ms" -> 1;
                case "s" -> 1000;
                case "m" -> 60_000;
                default -> 3_600_000;
            });
            Matcher c = COUNT.matcher(options);
            long count = c.find() ? Long.parseLong(c.group(1)) : 0;
            if (options.contains("--count") && count < 1) {
                return t -> {
                    shell.printError("watch: --count needs a number of at least 1");
                    return false;
                };
            }
            long interval = Math.max(100, every);
            if (view.equals("events") && arg == null) return t -> watchEvents(interval, count, t);
            String statement = view.equals("inspect") && arg != null ? "inspect " + arg : "show " + view;
            return t -> watch(statement, interval, count, t);
        }
        return null;
    }

    private boolean graph(String format, String file) {
        GraphView.Graph g;
        try {
            g = GraphView.build(shell);
        } catch (RuntimeException e) {
            shell.printError("graph: " + e.getMessage());
            return false;
        }
        if (format == null && shell.settings().json()) format = "--json"; // rdc shell --json: every view is JSON
        if (format == null || format.equals("--json") && file == null) {
            shell.out().print(format == null ? GraphView.text(g) : GraphView.json(g));
            return true;
        }
        String text = switch (format) {
            case "--dot" -> GraphView.dot(g);
            case "--mermaid" -> GraphView.mermaid(g);
            default -> GraphView.json(g);
        };
        try {
            Path p = Path.of(file);
            Files.writeString(p, text);
            shell.out().println("wrote " + p + " (" + g.incarnations().size() + " incarnations, " + g.edges().size() + " edges)");
            return true;
        } catch (IOException | RuntimeException e) {
            shell.printError("graph: cannot write " + file + ": " + e.getMessage());
            return false;
        }
    }

    /**
     * Redraws a view in place until Ctrl-C, or {@code count} frames; the view comes from the
     * interpreter ({@code show VIEW}). Without a terminal (piped input) it also ends when the next
     * input arrives or the input ends, so the inputs after it are not held up forever.
     */
    private boolean watch(String statement, long everyMillis, long count, Terminal terminal) {
        boolean ansi = terminal != null && !Terminal.TYPE_DUMB.equals(terminal.getType()) && !Terminal.TYPE_DUMB_COLOR.equals(terminal.getType());
        int[] lines = {0};
        boolean ok = shell.onWorker(() -> {
            for (long frames = 1; !Thread.currentThread().isInterrupted(); frames++) {
                String text;
                try {
                    text = shell.capture(statement);
                } catch (RdcError e) {
                    if (Thread.currentThread().isInterrupted() || e.bareMessage().contains("interrupted")) return;
                    throw e;
                }
                StringBuilder frame = new StringBuilder();
                if (ansi && lines[0] > 0) frame.append("\u001b[").append(lines[0]).append("A\r\u001b[J");
                String header = statement + " — every " + everyMillis + " ms, " + until(count, terminal);
                boolean titled = !shell.settings().json(); // under --json every line is a JSON view, for a program to read
                if (titled) frame.append(header).append('\n');
                frame.append(text);
                if (!text.endsWith("\n")) frame.append('\n');
                lines[0] = (titled ? 1 : 0) + (int) text.lines().count();
                shell.out().print(frame);
                shell.out().flush();
                if (count > 0 && frames >= count) return;
                if (!pause(everyMillis, count, terminal)) return;
            }
        }, terminal);
        if (ansi) terminal.puts(InfoCmp.Capability.carriage_return);
        return ok;
    }

    /**
     * {@code watch events}: prints each event the operator receives as it comes (those not shown
     * yet by this shell first), one line each, until Ctrl-C or {@code count} events; without a
     * terminal also until the next input or the input's end.
     */
    private boolean watchEvents(long everyMillis, long count, Terminal terminal) {
        return shell.onWorker(() -> {
            long printed = 0;
            while (!Thread.currentThread().isInterrupted()) {
                for (io.rdc.runtime.kernel.Event e : shell.unshownEvents()) {
                    shell.out().println(EventPoller.line(e, shell.settings().json()));
                    if (count > 0 && ++printed >= count) {
                        shell.out().flush();
                        return;
                    }
                }
                shell.out().flush();
                if (!pause(Math.min(everyMillis, 200), count, terminal)) return;
            }
        }, terminal);
    }

    private static String until(long count, Terminal terminal) {
        if (count > 0) return count + (count == 1 ? " frame" : " frames");
        return terminal != null ? "Ctrl-C stops" : "until the next input";
    }

    /**
     * Waits between frames. False when the watch should end: interrupted, or (piped input, no
     * {@code --count}) the next input has arrived or the input has ended.
     */
    private boolean pause(long millis, long count, Terminal terminal) {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (true) {
            if (terminal == null && count == 0 && shell.inputWaiting()) return false;
            long left = end - System.nanoTime();
            if (left <= 0) return true;
            try {
                Thread.sleep(Math.min(50, Math.max(1, left / 1_000_000L)));
            } catch (InterruptedException e) {
                return false;
            }
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
