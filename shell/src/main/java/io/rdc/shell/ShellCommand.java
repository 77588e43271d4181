package io.rdc.shell;

import io.rdc.interpreter.runtime.RuntimeOperations;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "shell", mixinStandardHelpOptions = true,
        description = {"The interactive operator shell on an embedded pool: every input is a statement of the configuration language, evaluated in one session (type help inside for the statements, keys and shell commands).",
                "When stdin is not a terminal the inputs are read from it without a prompt; the exit code is then 1 if any input failed."},
        footer = {"", "Examples:", "  rdc shell", "  rdc shell --nodes 8", "  echo 'show nodes' | rdc shell", "  rdc shell --script setup.rdc --json"})
final class ShellCommand implements Callable<Integer> {
    @Mixin
    PoolOptions pool;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--script", paramLabel = "FILE", description = "read the inputs from FILE (as if typed), then leave")
    Path script;

    @Option(names = "--history", paramLabel = "FILE", description = "history file (default: ~/.rdc_history)")
    Path history;

    /** Console.isTerminal() (JDK 22+) when there is one; before that, a console exists only on a terminal. */
    static boolean stdinIsTerminal() {
        java.io.Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException olderJdk) {
            return true;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (script != null && !Files.isRegularFile(script)) {
            System.err.println("rdc shell: no such file: " + script);
            return 2;
        }
        boolean noColor = Main.of(spec).noColor, json = Main.of(spec).json;
        Path hist = history != null ? history : Path.of(System.getProperty("user.home"), ".rdc_history");
        boolean interactive = script == null && stdinIsTerminal();
        boolean color = !noColor && interactive && System.getenv("NO_COLOR") == null;
        try (RuntimeOperations ops = pool.operations()) {
            if (!interactive) {
                try (Shell shell = new Shell(ops, new Shell.Settings(false, json, hist), System.out);
                     BufferedReader in = script != null ? Files.newBufferedReader(script)
                             : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                    return shell.batch(in);
                }
            }
            try (Terminal terminal = TerminalBuilder.builder().system(true).name("rdc").build();
                 Shell shell = new Shell(ops, new Shell.Settings(color, json, hist), terminal.output())) {
                return shell.interactive(terminal);
            }
        }
    }
}
