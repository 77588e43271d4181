package io.rdc.shell;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rdc} command line. Exit codes: 0 ok, 1 script or test failure, 2 usage error. */
@Command(name = "rdc", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runtime for reconfigurable distributed computations (the Equus model).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:a script, test or operation failed", "2:usage error (bad arguments, missing file)"},
        footer = {"", "Examples:", "  rdc run scripts/textproc/textproc.rdc", "  rdc test test-scripts/ --junit target/rdc-reports",
                "  rdc shell --nodes 8", "  rdc bench invoke --transport ipc"},
        subcommands = {ShellCommand.class, RunCommand.class, WebCommand.class, TestCommand.class, NodeCommand.class, PoolCommand.class, BenchCommand.class, CompletionCommand.class, VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    // Global options: accepted by every command (before or after its name), used where they apply.
    @CommandLine.Option(names = "--nodes", scope = CommandLine.ScopeType.INHERIT, paramLabel = "N",
            description = "embedded pool of N nodes (201, 202, ...); default: the built-in 4-node descriptor")
    Integer nodes;

    @CommandLine.Option(names = "--descriptor", scope = CommandLine.ScopeType.INHERIT, paramLabel = "FILE",
            description = "node descriptor file (the dissertation's fig. 3.3 format)")
    java.nio.file.Path descriptor;

    @CommandLine.Option(names = "--json", scope = CommandLine.ScopeType.INHERIT,
            description = "machine-readable output of views (show in the shell; bench always prints JSON lines)")
    boolean json;

    @CommandLine.Option(names = "--no-color", scope = CommandLine.ScopeType.INHERIT, description = "no colours or highlighting")
    boolean noColor;

    @CommandLine.Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "full stack traces for unexpected errors, and node diagnostics")
    boolean verbose;

    /** The root command's options, from any command's spec. */
    static Main of(CommandLine.Model.CommandSpec spec) {
        return (Main) spec.root().userObject();
    }

    public static void main(String[] args) {
        int code = 1;
        try {
            code = commandLine().execute(args);
        } catch (Throwable t) {
            t.printStackTrace(); // an Error escaped: still exit, or the media driver's threads keep the JVM alive
        } finally {
            System.exit(code);
        }
    }

    /** The rdc command line, with its handler for unexpected errors (exit code 1). */
    static CommandLine commandLine() {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (main.verbose) ex.printStackTrace();
            else System.err.println("rdc " + commandLine.getCommandName() + ": " + (ex.getMessage() == null ? ex.toString() : ex.getMessage())
                    + "   (run with -v for details)");
            return 1;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Evaluator options shared by run, test and the shell: stdlib/ from the rdc home folder. */
    static io.rdc.interpreter.Evaluator.Options evaluatorOptions() {
        String home = System.getProperty("rdc.home", ".");
        return new io.rdc.interpreter.Evaluator.Options().stdlibRoot(java.nio.file.Path.of(home, "stdlib"));
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"rdc " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
