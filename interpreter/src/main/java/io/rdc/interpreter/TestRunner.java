package io.rdc.interpreter;

import io.rdc.interpreter.ast.Script;
import io.rdc.interpreter.ast.ScriptParser;
import io.rdc.interpreter.ast.Statement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Runs the {@code test "name" { ... }} blocks of a file ({@code rdc test}). Each test gets a fresh
 * {@link Operations} and evaluator, runs the file's top-level statements as its setup, then its body;
 * so tests cannot see each other's incarnations or variables. An Operations that is
 * {@link AutoCloseable} is closed after its test; a failing close fails the test.
 */
public final class TestRunner {
    private final Supplier<Operations> operations;
    private final Evaluator.Options options;

    public TestRunner(Supplier<Operations> operations, Evaluator.Options options) {
        this.operations = operations;
        this.options = options.copy();
    }

    /** One test's outcome; failure is null when it passed. */
    public record TestResult(String file, String name, long millis, RdcError failure) {
        public boolean passed() {
            return failure == null;
        }
    }

    /** All results of one file. */
    public record TestReport(String file, List<TestResult> results) {
        public TestReport {
            results = List.copyOf(results);
        }

        public long passed() {
            return results.stream().filter(TestResult::passed).count();
        }

        public long failed() {
            return results.size() - passed();
        }

        public String summary() {
            return passed() + " passed, " + failed() + " failed";
        }

        /** One line per test, failures followed by their rendered error, then the summary line. */
        public String render() {
            StringBuilder out = new StringBuilder();
            for (TestResult result : results) {
                out.append(result.passed() ? "PASS " : "FAIL ").append(result.name())
                        .append(" (").append(result.millis()).append(" ms)\n");
                if (!result.passed()) {
                    for (String line : result.failure().render().split("\n", -1)) {
                        out.append("    ").append(line).append('\n');
                    }
                }
            }
            return out.append(summary()).append('\n').toString();
        }

        /** Writes {@code TEST-<file>.xml} in the JUnit/Surefire format CI systems read; returns its path. */
        public Path writeJUnitXml(Path directory) {
            StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            long totalMillis = results.stream().mapToLong(TestResult::millis).sum();
            xml.append("<testsuite name=\"").append(escape(file)).append("\" tests=\"").append(results.size())
                    .append("\" failures=\"").append(failed()).append("\" errors=\"0\" skipped=\"0\" time=\"")
                    .append(seconds(totalMillis)).append("\" timestamp=\"")
                    .append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append("\">\n");
            for (TestResult result : results) {
                xml.append("  <testcase classname=\"").append(escape(file)).append("\" name=\"").append(escape(result.name()))
                        .append("\" time=\"").append(seconds(result.millis())).append('"');
                if (result.passed()) {
                    xml.append("/>\n");
                } else {
                    xml.append(">\n    <failure message=\"").append(escape(result.failure().getMessage()))
                            .append("\" type=\"RdcError\">").append(escape(result.failure().render()))
                            .append("</failure>\n  </testcase>\n");
                }
            }
            xml.append("</testsuite>\n");
            try {
                Files.createDirectories(directory);
                Path target = directory.resolve("TEST-" + file.replaceAll("[^A-Za-z0-9._-]", "_") + ".xml");
                Files.writeString(target, xml);
                return target;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write JUnit report to " + directory, e);
            }
        }

        private static String seconds(long millis) {
            return String.format(Locale.ROOT, "%.3f", millis / 1000.0);
        }

        private static String escape(String text) {
            StringBuilder out = new StringBuilder();
            for (char c : text.toCharArray()) {
                switch (c) {
                    case '<' -> out.append("&lt;");
                    case '>' -> out.append("&gt;");
                    case '&' -> out.append("&amp;");
                    case '"' -> out.append("&quot;");
                    case '\n', '\t', '\r' -> out.append("&#").append((int) c).append(';');
                    default -> {
                        if (c >= 0x20 || c == '\t') {
                            out.append(c); // XML 1.0 forbids other control characters
                        }
                    }
                }
            }
            return out.toString();
        }
    }

    public TestReport run(Path file) {
        String source;
        try {
            source = ScriptRunner.read(file);
        } catch (RdcError unreadable) {
            return new TestReport(file.toString(), List.of(new TestResult(file.toString(), "load " + file, 0, unreadable)));
        }
        return run(source, file.toString());
    }

    public TestReport run(String source, String file) {
        Script script;
        long start = System.nanoTime();
        try {
            script = ScriptParser.parseScript(source, file);
        } catch (RdcError syntax) {
            String line = Evaluator.lineOf(source, syntax.position().line());
            syntax = line == null ? syntax : syntax.withSourceLine(line);
            // a file that does not parse is one failed test, so CI shows it rather than nothing
            return new TestReport(file, List.of(new TestResult(file, "load " + file, millisSince(start), syntax)));
        }
        List<TestResult> results = new ArrayList<>();
        for (Statement statement : script.statements()) {
            if (statement instanceof Statement.Test test) {
                results.add(runOne(script, source, test));
            }
        }
        return new TestReport(file, results);
    }

    private TestResult runOne(Script script, String source, Statement.Test test) {
        long start = System.nanoTime();
        Operations testOperations = operations.get();
        Evaluator evaluator = new Evaluator(testOperations, options);
        evaluator.registerSource(script.file(), source);
        String name = test.name().constantText() != null ? test.name().constantText() : "test at line " + test.position().line();
        RdcError failure = null;
        try {
            evaluator.execute(script);
            name = evaluator.testName(test);
            evaluator.executeTest(test);
        } catch (RdcError error) {
            failure = error;
        } finally {
            // a runtime-backed Operations owns nodes and incarnations; release them before the next test
            if (testOperations instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception cleanup) {
                    if (failure == null) {
                        failure = new RdcError(test.position(), "cleanup after the test failed: " + cleanup.getMessage(), cleanup);
                    }
                }
            }
        }
        return new TestResult(script.file(), name, millisSince(start), failure);
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
