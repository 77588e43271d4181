package io.rdc.interpreter.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rdc.interpreter.Evaluator;
import io.rdc.interpreter.RdcError;
import io.rdc.interpreter.ScriptRunner;
import io.rdc.interpreter.TestRunner;
import io.rdc.runtime.pool.PoolConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every ```rdc example in docs/language.md runs, as a whole script, on a fresh pool. */
class LanguageDocTest {
    @TestFactory
    List<DynamicTest> examplesRun() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "language.md"));
        Matcher m = Pattern.compile("```rdc\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        List<DynamicTest> tests = new ArrayList<>();
        int n = 0;
        while (m.find()) {
            String source = m.group(1);
            int line = doc.substring(0, m.start()).split("\n", -1).length + 1;
            String name = "docs/language.md:" + line;
            n++;
            tests.add(DynamicTest.dynamicTest(name, () -> run(source, line)));
        }
        assertTrue(n >= 15, "examples found: " + n);
        return tests;
    }

    private static void run(String source, int line) {
        // Resolved as if the example were a file in test-scripts/, so modules/… are found there.
        String file = Path.of("..", "test-scripts", "doc-example-line" + line + ".rdc").toString();
        Evaluator.Options options = new Evaluator.Options().stdlibRoot(Path.of("..", "stdlib"))
                .out(new PrintStream(new ByteArrayOutputStream()));
        if (source.contains("test \"")) {
            TestRunner.TestReport report = new TestRunner(() -> RuntimeOperations.start(PoolConfig.defaults()), options).run(source, file);
            assertTrue(report.results().size() > 0);
            for (TestRunner.TestResult r : report.results()) if (!r.passed()) fail(r.failure().render());
            return;
        }
        try (RuntimeOperations ops = RuntimeOperations.start(PoolConfig.defaults())) {
            new ScriptRunner(ops, options).run(source, file);
        } catch (RdcError e) {
            fail("example at docs/language.md:" + line + " failed:\n" + e.render());
        }
    }
}
