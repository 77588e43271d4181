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
 * {@code graph [--dot FILE | --mermaid FILE]}, {@code watch VIEW [every DURATION]}, {@code exit}.
 * Anything else (including {@code show} and {@code inspect}) is a statement for the interpreter.
 */
final class ShellCommands {
    static final List<String> NAMES = List.of("help", "graph", "watch", "exit", "quit");
    static final List<String> VIEWS = List.of("nodes", "incarnations", "channels", "space", "events");

    private static final Pattern HELP = Pattern.compile("help(?:\\s+(\\S+))?\\s*");
    private static final Pattern GRAPH = Pattern.compile("graph(?:\\s+(--dot|--mermaid)\\s+(\\S+))?\\s*");
    private static final Pattern WATCH = Pattern.compile("watch\\s+(\\w+)(?:\\s+(\\w+))?(?:\\s+every\\s+(\\d+(?:\\.\\d+)?)(ms|s|m|h))?\\s*");

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
            String format = m.group(1), file = m.group(2);
            return t -> graph(format, file);
        }
        if ((m = WATCH.matcher(s)).matches()) {
            String view = m.group(1), arg = m.group(2);
            long every = m.group(3) == null ? 1000 : (long) (Double.parseDouble(m.group(3)) * switch (m.group(4)) {
                case "ms" -> 1;
                case "s" -> 1000;
                case "m" -> 60_000;
                default -> 3_600_000;
            });
            String statement = view.equals("inspect") && arg != null ? "inspect " + arg : "show " + view;
            return t -> watch(statement, Math.max(100, every), t);
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
        if (format == null) {
            shell.out().print(GraphView.text(g));
            return true;
        }
        String text = format.equals("--dot") ? GraphView.dot(g) : GraphView.mermaid(g);
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

    /** Redraws a view in place until Ctrl-C; the view comes from the interpreter ({@code show VIEW}). */
    private boolean watch(String statement, long everyMillis, Terminal terminal) {
        boolean ansi = terminal != null && !Terminal.TYPE_DUMB.equals(terminal.getType()) && !Terminal.TYPE_DUMB_COLOR.equals(terminal.getType());
        int[] lines = {0};
        boolean ok = shell.onWorker(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                String text;
                try {
                    text = shell.capture(statement);
                } catch (RdcError e) {
                    if (Thread.currentThread().isInterrupted() || e.bareMessage().contains("interrupted")) return;
                    throw e;
                }
                StringBuilder frame = new StringBuilder();
                if (ansi && lines[0] > 0) frame.append("\u001b[").append(lines[0]).append("A\r\u001b[J");
                String header = statement + " — every " + everyMillis + " ms, Ctrl-C stops";
                frame.append(header).append('\n').append(text);
                if (!text.endsWith("\n")) frame.append('\n');
                lines[0] = 1 + (int) text.lines().count();
                shell.out().print(frame);
                shell.out().flush();
                try {
                    Thread.sleep(everyMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, terminal);
        if (ansi) terminal.puts(InfoCmp.Capability.carriage_return);
        return ok;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
