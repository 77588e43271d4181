package io.rdc.shell;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rdc} command line. Exit codes: 0 ok, 1 script or test failure, 2 usage error. */
@Command(name = "rdc", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runtime for reconfigurable distributed computations (the Equus model).",
        subcommands = {ShellCommand.class, RunCommand.class, TestCommand.class, NodeCommand.class, BenchCommand.class, CompletionCommand.class, VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        System.exit(code);
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
