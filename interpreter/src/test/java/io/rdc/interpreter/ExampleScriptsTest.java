package io.rdc.interpreter;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rdc.interpreter.ast.Script;
import io.rdc.interpreter.ast.ScriptParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Keeps the example scripts under test-scripts/ parseable as the grammar changes. */
class ExampleScriptsTest {
    @Test
    void everyExampleScriptParses() throws IOException {
        Path root = Path.of("..", "test-scripts");
        assumeTrue(Files.isDirectory(root), "no test-scripts directory next to the module");
        List<Path> scripts;
        try (Stream<Path> files = Files.walk(root)) {
            scripts = files.filter(path -> path.toString().endsWith(".rdc")).sorted().toList();
        }
        assertFalse(scripts.isEmpty());
        for (Path script : scripts) {
            String source = Files.readString(script);
            try {
                Script parsed = ScriptParser.parseScript(source, script.toString());
                assertFalse(parsed.statements().isEmpty(), script.toString());
            } catch (RdcError error) {
                String line = Evaluator.lineOf(source, error.position().line());
                throw line == null ? error : error.withSourceLine(line);
            }
        }
    }

    @Test
    void printingExampleRunsItsTestsAgainstTheFake() {
        Path printing = Path.of("src", "test", "resources", "examples", "printing.rdc");
        assumeTrue(Files.isRegularFile(printing));
        TestRunner.TestReport report = new TestRunner(FakeOperations::new, new Evaluator.Options()).run(printing);
        // the fake never drains queues and knows nodes 201-204: every scenario passes
        org.junit.jupiter.api.Assertions.assertEquals("3 passed, 0 failed", report.summary(), report::render);
    }
}
