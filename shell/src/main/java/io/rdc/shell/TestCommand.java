package io.rdc.shell;

import io.rdc.interpreter.TestRunner;
import io.rdc.interpreter.runtime.RuntimeOperations;
import io.rdc.runtime.pool.PoolConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "test", mixinStandardHelpOptions = true,
        description = {"Run the `test \"…\" { }` blocks of scenario scripts, each in a fresh embedded pool.",
                "Prints one line per test with its time, then `N passed, N failed`; exits 1 if any failed."},
        footer = {"", "Examples:", "  rdc test test-scripts/", "  rdc test a.rdc b.rdc --junit target/rdc-reports"})
final class TestCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", description = "script files or folders (searched for *.rdc)")
    List<Path> paths;

    @Option(names = "--junit", description = "write JUnit XML reports into this folder")
    Path junit;

    @Mixin
    PoolOptions pool;

    @Override
    public Integer call() throws Exception {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(f -> f.toString().endsWith(".rdc")).sorted().forEach(files::add);
                }
            } else if (Files.isRegularFile(p)) files.add(p);
            else {
                System.err.println("rdc test: no such file or folder: " + p);
                return 2;
            }
        }
        PoolConfig config = pool.config();
        TestRunner runner = new TestRunner(() -> RuntimeOperations.start(config, pool.rdc, pool.attached), Main.evaluatorOptions());
        long passed = 0, failed = 0;
        boolean terminal = ShellCommand.stdinIsTerminal() && System.console() != null;
        int k = 0;
        for (Path f : files) {
            k++;
            // Progress on a terminal: which file of how many, redrawn in place on stderr.
            if (terminal) System.err.print("\r\u001b[2K[" + k + "/" + files.size() + "] running " + f + " …");
            TestRunner.TestReport report = runner.run(f);
            if (terminal) System.err.print("\r\u001b[2K");
            if (report.results().isEmpty()) continue;
            System.out.println(f + ":");
            for (TestRunner.TestResult r : report.results()) {
                System.out.println("  " + (r.passed() ? "PASS " : "FAIL ") + r.name() + " (" + r.millis() + " ms)");
                if (!r.passed()) for (String line : r.failure().render().split("\n")) System.out.println("      " + line);
            }
            passed += report.passed();
            failed += report.failed();
            if (junit != null) {
                try {
                    report.writeJUnitXml(junit);
                } catch (UncheckedIOException e) {
                    System.err.println("rdc test: " + e.getMessage());
                }
            }
        }
        System.out.println(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
