package io.rdc.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptRunnerTest {

    @Test
    void runsAFileResolvingModulesAndUsesBesideIt(@TempDir Path directory) throws Exception {
        Path conf = Files.createDirectories(directory.resolve("conf"));
        Files.writeString(conf.resolve("main.rdc"), """
                use "lib.rdc"
                module worker = "js/worker.js"
                create w : worker at node 201
                greet("operator")
                test "skipped by run" { assert false }
                """);
        Files.writeString(conf.resolve("lib.rdc"), "proc greet(who) { print \"hello ${who}\" }\n");
        FakeOperations operations = new FakeOperations();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ScriptRunner runner = new ScriptRunner(operations,
                new Evaluator.Options().out(new PrintStream(printed, true, StandardCharsets.UTF_8)));
        runner.run(conf.resolve("main.rdc"));
        assertEquals("hello operator\n", printed.toString(StandardCharsets.UTF_8));
        assertEquals("module worker=" + conf.resolve("js/worker.js"), operations.log.get(0));
        // the session keeps its state between runs, as the shell needs
        runner.run("greet(str(status(w)))", "<shell>");
        assertEquals("hello operator\nhello EXECUTING\n", printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void webAsksItsHostAndFailsWhereThereIsNone() {
        java.util.List<Integer> ports = new java.util.ArrayList<>();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ScriptRunner shellLike = new ScriptRunner(new FakeOperations(), new Evaluator.Options()
                .out(new PrintStream(printed, true, StandardCharsets.UTF_8))
                .webView(port -> {
                    ports.add(port);
                    return "web view at http://127.0.0.1:" + port + "/";
                }));
        shellLike.run("web\nweb 8000 + 1", "<shell>");
        assertEquals(java.util.List.of(WebView.DEFAULT_PORT, 8001), ports);
        assertEquals("web view at http://127.0.0.1:7070/\nweb view at http://127.0.0.1:8001/\n", printed.toString(StandardCharsets.UTF_8));
        RdcError bad = assertThrows(RdcError.class, () -> shellLike.run("web \"x\"", "<shell>"));
        assertEquals("<shell>:1:1: web needs a port number from 0 to 65535 (0: a free one), not \"x\"", bad.getMessage());
        RdcError none = assertThrows(RdcError.class, () -> new ScriptRunner(new FakeOperations()).run("web", "s.rdc"));
        assertEquals("s.rdc:1:1: web serves the live view from the shell: use it in `rdc shell`, or run `rdc web`", none.getMessage());
    }

    @Test
    void missingFileIsAnRdcError(@TempDir Path directory) {
        Path missing = directory.resolve("nope.rdc");
        RdcError error = assertThrows(RdcError.class, () -> new ScriptRunner(new FakeOperations()).run(missing));
        assertEquals(missing + ":1:1: cannot read " + missing + ": no such file", error.getMessage());
    }
}
