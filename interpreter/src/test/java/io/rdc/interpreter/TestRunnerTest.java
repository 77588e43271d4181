package io.rdc.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestRunnerTest {
    private static final String SCENARIO = """
            module worker = "worker.js"
            create w : worker at node 201
            let expected = 3

            test "arithmetic holds" {
              assert 1 + 2 == expected
            }

            test "counts are compared with values shown" {
              freeze w
              let x = 2
              assert x == expected, "wrong count"
            }

            test "allocation errors are expected" {
              expect error "not allocated" { create v : worker at node 999 }
            }

            test "an expected error that does not happen fails" {
              expect error "not allocated" { create v : worker at node 202 }
            }

            test "each test sees fresh operations" {
              assert status(w) == "EXECUTING"
            }
            """;

    private final List<FakeOperations> created = new ArrayList<>();

    private TestRunner runner() {
        return new TestRunner(() -> {
            FakeOperations operations = new FakeOperations();
            created.add(operations);
            return operations;
        }, new Evaluator.Options().out(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    }

    @Test
    void collectsPassAndFailWithPositionsAndValues() {
        TestRunner.TestReport report = runner().run(SCENARIO, "scenario.rdc");
        List<TestRunner.TestResult> results = report.results();
        assertEquals(5, results.size());
        assertEquals("arithmetic holds", results.get(0).name());
        assertTrue(results.get(0).passed());
        assertNull(results.get(0).failure());

        RdcError wrongCount = results.get(1).failure();
        assertEquals("scenario.rdc:12:3: wrong count (expected x == expected, but x = 2 and expected = 3)", wrongCount.getMessage());
        assertEquals("  assert x == expected, \"wrong count\"", wrongCount.sourceLine());

        assertTrue(results.get(2).passed());
        assertEquals("scenario.rdc:20:3: expected an error containing \"not allocated\", but the block completed without error",
                results.get(3).failure().getMessage());
        // test 2 froze w in its own Operations; test 5 sees a fresh, executing w
        assertTrue(results.get(4).passed(), () -> results.get(4).failure().render());

        assertEquals(3, report.passed());
        assertEquals(2, report.failed());
        assertEquals("3 passed, 2 failed", report.summary());
        assertTrue(report.render().endsWith("3 passed, 2 failed\n"), report.render());
        assertTrue(report.render().contains("FAIL counts are compared with values shown ("), report.render());
        assertTrue(report.render().contains("    scenario.rdc:12:3: wrong count"), report.render());
        // one Operations per test, none shared, each closed afterwards
        assertEquals(5, created.size());
        assertEquals(1, created.get(0).log.stream().filter(line -> line.startsWith("create w:")).count());
        assertTrue(created.stream().allMatch(operations -> operations.closed));
    }

    @Test
    void writesJUnitXml(@TempDir Path reports) throws Exception {
        TestRunner.TestReport report = runner().run(SCENARIO, "dir/scenario.rdc");
        Path xml = report.writeJUnitXml(reports);
        assertEquals("TEST-dir_scenario.rdc.xml", xml.getFileName().toString());
        String text = Files.readString(xml);
        assertTrue(text.contains("<testsuite name=\"dir/scenario.rdc\" tests=\"5\" failures=\"2\""), text);
        assertTrue(text.contains("<testcase classname=\"dir/scenario.rdc\" name=\"arithmetic holds\" time=\""), text);
        assertTrue(text.contains("<failure message=\"dir/scenario.rdc:12:3: wrong count (expected x == expected, but x = 2 and expected = 3)\""), text);
        assertFalse(text.contains("<<"), text);
    }

    @Test
    void aFailingCleanupFailsTheTest() {
        TestRunner runner = new TestRunner(() -> new FakeOperations() {
            @Override
            public void close() {
                throw new IllegalStateException("node 201 did not stop");
            }
        }, new Evaluator.Options());
        TestRunner.TestReport report = runner.run("test \"t\" {\n  assert true\n}", "c.rdc");
        assertEquals("c.rdc:1:1: cleanup after the test failed: node 201 did not stop", report.results().get(0).failure().getMessage());
    }

    @Test
    void aFileThatDoesNotParseIsOneFailure() {
        TestRunner.TestReport report = runner().run("test \"x\" {\n  assert 1 ==\n}", "broken.rdc");
        assertEquals(1, report.results().size());
        assertEquals("load broken.rdc", report.results().get(0).name());
        assertTrue(report.results().get(0).failure().getMessage().startsWith("broken.rdc:2:14: unexpected end of line"),
                report.results().get(0).failure().getMessage());
        assertEquals("0 passed, 1 failed", report.summary());
        assertEquals("  assert 1 ==", report.results().get(0).failure().sourceLine());
        assertTrue(created.isEmpty(), "parsing needs no runtime");
    }

    @Test
    void runsFilesFromDisk(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("t.rdc");
        Files.writeString(file, "use \"helpers.rdc\"\ntest \"helper\" { assert double(2) == 4 }\n");
        Files.writeString(directory.resolve("helpers.rdc"), "proc double(n) { let ignored = n }\n");
        TestRunner.TestReport report = runner().run(file);
        // procedures return nothing, so double(2) is null: the message says so
        assertEquals(file + ":2:17: expected double(2) == 4, but double(2) = null",
                report.results().get(0).failure().getMessage());
    }
}
