package io.rdc.shell;

import io.rdc.interpreter.Evaluator;
import io.rdc.interpreter.Handle;
import io.rdc.interpreter.IncarnationFamily;
import io.rdc.interpreter.Operations;
import io.rdc.interpreter.RdcError;
import io.rdc.interpreter.ScriptRunner;
import io.rdc.interpreter.runtime.RuntimeOperations;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;

/**
 * The operator shell: every input is a statement of the configuration language, evaluated by the
 * same interpreter as {@code rdc run} in one persistent session on the embedded pool. The shell
 * adds only its own commands (help, graph, watch, exit) and the terminal front: line editing,
 * completion, highlighting and history (JLine), Ctrl-C to stop the running statement.
 */
final class Shell implements AutoCloseable {
    /** How the shell looks and where it keeps history. */
    record Settings(boolean color, boolean json, Path history, boolean events) {
        Settings(boolean color, boolean json, Path history) {
            this(color, json, history, true);
        }
    }

    private final RuntimeOperations ops;
    private final Settings settings;
    private final Redirect out;
    private final PrintStream printOut;
    private final ScriptRunner runner;
    private final ExecutorService worker;
    /** Held while something uses the operator (a statement, completion, the event poller). */
    final ReentrantLock operatorLock = new ReentrantLock();
    private final Object runningLock = new Object();
    private Thread running;
    private volatile boolean interruptedBySignal;
    private int inputs;
    private final ShellCommands commands;
    /** Progress of long statements, drawn once the shell has a terminal. */
    private final ProgressLine progress = new ProgressLine();

    Shell(RuntimeOperations ops, Settings settings, OutputStream output) {
        this.ops = ops;
        this.settings = settings;
        this.out = new Redirect(output);
        this.printOut = new PrintStream(out, true, StandardCharsets.UTF_8);
        Operations operations = settings.json() ? JsonViews.jsonShow(ops) : ops;
        this.runner = new ScriptRunner(operations, Main.evaluatorOptions().out(printOut).progress(progress));
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(null, r, "rdc-shell-eval", 64L << 20);
            t.setDaemon(true);
            return t;
        });
        this.commands = new ShellCommands(this);
    }

    RuntimeOperations ops() {
        return ops;
    }

    Evaluator evaluator() {
        return runner.evaluator();
    }

    Settings settings() {
        return settings;
    }

    PrintStream out() {
        return printOut;
    }

    // ------------------------------------------------------------ front ends

    /** The interactive loop on a terminal; returns the exit code when the user leaves (Ctrl-D, exit). */
    int interactive(Terminal terminal) {
        if (settings.color()) progress.attach(terminal);
        LineReader reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("rdc")
                .parser(new ShellParser())
                .completer(new ShellCompleter(this))
                .highlighter(settings.color() ? new ShellHighlighter() : null)
                .variable(LineReader.HISTORY_FILE, settings.history())
                .variable(LineReader.SECONDARY_PROMPT_PATTERN, "%P  > ")
                .option(LineReader.Option.INSERT_BRACKET, false)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .option(LineReader.Option.CASE_INSENSITIVE, false)
                .build();
        if (!settings.color()) reader.option(LineReader.Option.DISABLE_HIGHLIGHTER, true);
        PrintWriter w = terminal.writer();
        w.println("rdc shell — " + ops.operator().nodes().size() + " nodes. Statements of the configuration language; "
                + "help for help, Tab completes, Ctrl-C stops a statement, Ctrl-D leaves.");
        w.flush();
        EventPoller events = new EventPoller(this, reader);
        if (settings.events()) events.start();
        try {
            while (true) {
                String line;
                try {
                    line = reader.readLine(prompt());
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C at the prompt drops the line
                } catch (EndOfFileException e) {
                    break;
                }
                if (line.isBlank()) continue;
                if (commands.isExit(line)) break;
                execute(line, terminal);
            }
        } finally {
            events.stop();
            try {
                reader.getHistory().save();
            } catch (IOException ignored) {
                // history is a convenience
            }
        }
        return 0;
    }

    private String prompt() {
        String p = "rdc> ";
        return settings.color() ? new AttributedString(p, AttributedStyle.BOLD.foreground(AttributedStyle.BLUE)).toAnsi() : p;
    }

    /** Reads inputs from a non-terminal (a pipe, a file): same statements, no prompt; 1 if any failed. */
    int batch(BufferedReader in) throws IOException {
        boolean failed = false;
        StringBuilder pending = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            if (!pending.isEmpty()) pending.append('\n');
            pending.append(line);
            if (ShellParser.openBrackets(pending.toString()) > 0) continue;
            String input = pending.toString();
            pending.setLength(0);
            if (input.isBlank()) continue;
            if (commands.isExit(input)) break;
            failed |= !execute(input, null);
        }
        if (!pending.toString().isBlank()) failed |= !execute(pending.toString(), null);
        return failed ? 1 : 0;
    }

    // ------------------------------------------------------------ evaluation

    /** Runs one input (a shell command or statements); prints its output or error. False on error. */
    boolean execute(String input, Terminal terminal) {
        operatorLock.lock();
        try {
            ShellCommands.Command c = commands.parse(input);
            if (c != null) return c.run(terminal);
            return evaluate(input, terminal);
        } finally {
            operatorLock.unlock();
        }
    }

    /** Evaluates statements through the interpreter on the worker thread; Ctrl-C interrupts them. */
    boolean evaluate(String source, Terminal terminal) {
        String name = "input " + (++inputs);
        return onWorker(() -> runner.run(source, name), terminal);
    }

    /** Runs {@code body} on the evaluation thread; Ctrl-C on the terminal interrupts it. False on error. */
    boolean onWorker(Runnable body, Terminal terminal) {
        Future<?> f = worker.submit(() -> {
            synchronized (runningLock) {
                running = Thread.currentThread();
            }
            try {
                body.run();
            } finally {
                synchronized (runningLock) {
                    running = null;
                }
            }
        });
        interruptedBySignal = false;
        Terminal.SignalHandler previous = terminal == null ? null : terminal.handle(Terminal.Signal.INT, s -> {
            interruptedBySignal = true;
            interrupt();
        });
        try {
            while (true) {
                try {
                    f.get();
                    return true;
                } catch (InterruptedException e) {
                    interrupt(); // the shell thread itself was interrupted: stop the statement and wait for it
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (interruptedBySignal) printOut.println(); // after the terminal's ^C
                    String text = cause instanceof RdcError error ? error.render() : "error: " + cause;
                    // some blocking operations end early on interruption but report it as their timeout
                    if (interruptedBySignal && !text.contains("interrupted")) text += "\n(stopped by Ctrl-C)";
                    printError(text);
                    return false;
                }
            }
        } finally {
            printOut.flush();
            if (terminal != null) terminal.handle(Terminal.Signal.INT, previous);
        }
    }

    /** Ctrl-C: interrupt the running statement, if any (waits and sleeps stop, loops stop at their next step). */
    void interrupt() {
        synchronized (runningLock) {
            if (running != null) running.interrupt();
        }
    }

    void printError(String text) {
        if (settings.color()) printOut.println(new AttributedString(text, AttributedStyle.DEFAULT.foreground(AttributedStyle.RED)).toAnsi());
        else printOut.println(text);
        printOut.flush();
    }

    /** Runs {@code show VIEW} (or any statement) through the interpreter and returns what it printed. */
    String capture(String statement) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        out.divert(buffer);
        try {
            runner.run(statement, "input " + (++inputs));
        } finally {
            printOut.flush();
            out.divert(null);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------ what the session knows (completion, graph)

    /** Incarnations the session created, by the name the language uses ({@code sched}, {@code w[2]}). */
    Map<String, RuntimeOperations.IncarnationHandle> incarnations() {
        Map<String, RuntimeOperations.IncarnationHandle> out = new LinkedHashMap<>();
        Evaluator e = evaluator();
        for (String name : e.globalNames()) {
            Object v = e.global(name);
            if (v instanceof Handle h && h.reference() instanceof RuntimeOperations.IncarnationHandle ih) out.put(name, ih);
            else if (v instanceof IncarnationFamily family) {
                for (Map.Entry<Object, Handle> m : family.members().entrySet()) {
                    if (m.getValue().reference() instanceof RuntimeOperations.IncarnationHandle ih) {
                        Object k = m.getKey();
                        out.put(name + "[" + (k instanceof String s ? "\"" + s + "\"" : String.valueOf(k)) + "]", ih);
                    }
                }
            }
        }
        return out;
    }

    /** Stream-space labels (channels and other entries), from the operator's space print. */
    List<String> spaceLabels() {
        List<String> out = new ArrayList<>();
        try {
            for (String line : ops.operator().spacePrint()) {
                String[] f = line.split("\t");
                if (f.length > 1 && !out.contains(f[1])) out.add(f[1]);
            }
        } catch (RuntimeException unreachable) {
            // completion must never fail
        }
        return out;
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }

    /** An output stream whose target can be diverted into a buffer for a while (watch, capture). */
    static final class Redirect extends OutputStream {
        private final OutputStream target;
        private volatile OutputStream diverted;

        Redirect(OutputStream target) {
            this.target = target;
        }

        void divert(OutputStream to) {
            diverted = to;
        }

        private OutputStream now() {
            OutputStream d = diverted;
            return d != null ? d : target;
        }

        @Override
        public void write(int b) throws IOException {
            now().write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            now().write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            now().flush();
        }
    }
}
