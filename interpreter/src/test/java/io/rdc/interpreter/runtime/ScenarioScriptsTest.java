package io.rdc.interpreter.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rdc.interpreter.Evaluator;
import io.rdc.interpreter.TestRunner;
import io.rdc.runtime.pool.PoolConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every scenario test in test-scripts/, each in a fresh embedded pool, as JUnit dynamic tests. */
class ScenarioScriptsTest {
    @TestFactory
    List<DynamicNode> scenarioScripts() throws IOException {
        Path root = Path.of("..", "test-scripts");
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(f -> f.toString().endsWith(".rdc")).sorted().toList();
        }
        assertTrue(files.size() >= 5, "scenario scripts found: " + files);
        TestRunner runner = new TestRunner(() -> RuntimeOperations.start(PoolConfig.defaults().withControl(PoolConfig.EMBEDDED_CONTROL)),
                new Evaluator.Options().stdlibRoot(Path.of("..", "stdlib")));
        List<DynamicNode> out = new ArrayList<>();
        int total = 0;
        for (Path f : files) {
            TestRunner.TestReport report = runner.run(f);
            List<DynamicTest> tests = new ArrayList<>();
            for (TestRunner.TestResult r : report.results()) {
                total++;
                tests.add(DynamicTest.dynamicTest(r.name(), () -> {
                    if (!r.passed()) fail(r.failure().render());
                }));
            }
            out.add(DynamicContainer.dynamicContainer(root.relativize(f).toString(), tests));
        }
        assertTrue(total >= 20, "at least 20 scenario tests, found " + total);
        return out;
    }
}
