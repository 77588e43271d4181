package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rdc shell} without a terminal: inputs piped on stdin or read from --script, as {@code echo 'show nodes' | rdc shell}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShellBatchTest {
    record Result(int code, String out, String err) {}

    static Result shell(String stdin, String... args) {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            String[] all = new String[args.length + 1];
            all[0] = "shell";
            System.arraycopy(args, 0, all, 1, args.length);
            int code = Main.commandLine().execute(all);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void pipedShowNodesPrintsTheTableAndExitsZero() {
        Result r = shell("show nodes\n");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("ID   NAME"), r.out());
        for (String id : new String[] {"201", "202", "203", "204"}) assertTrue(r.out().contains("\n" + id + "  "), r.out());
        assertFalse(r.out().contains("rdc> "), "no prompt without a terminal");
    }

    @Test
    void inputsShareOneSessionAndOpenBracketsContinueTheStatement() {
        Result r = shell("let xs = [\n  1,\n  2\n]\nproc twice(n) {\n  print n * 2\n}\ntwice(len(xs))\n");
        assertEquals(0, r.code(), r.err() + r.out());
        assertEquals("4\n", r.out());
    }

    @Test
    void anErrorIsShownWithItsCaretTheRestStillRunsAndTheExitCodeIsOne() {
        Result r = shell("print wrker\nprint \"after\"\n");
        assertEquals(1, r.code());
        assertTrue(r.out().contains("input 1:1:7: unknown name `wrker`\nprint wrker\n      ^\n"), r.out());
        assertTrue(r.out().endsWith("after\n"), r.out());
    }

    @Test
    void jsonShowsViewsAsJsonRows() {
        Result r = shell("show nodes\n", "--json", "--nodes", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("{\"view\": \"nodes\", \"rows\": [{\"id\": \"201\", \"name\": \"node1\""), r.out());
        assertTrue(r.out().contains("{\"id\": \"202\","), r.out());
        Result empty = shell("show incarnations\n", "--json");
        assertTrue(empty.out().contains("\"rows\": [], \"message\": \"no incarnations\""), empty.out());
    }

    @Test
    void scriptOptionReadsInputsFromAFileAndExitLeavesEarly(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("in.rdc");
        Files.writeString(f, "print 1\nexit\nprint 2\n");
        Result r = shell("", "--script", f.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("1\n", r.out());
    }

    @Test
    void inspectAsJsonCarriesPortsStreamsAndReferences() {
        String echo = java.nio.file.Path.of("..", "test-scripts", "modules", "echo.js").toAbsolutePath().toString();
        Result r = shell("module echo = \"" + echo + "\"\ncreate e : echo at node 203 { port in on new \"e.in\" }\ninspect e\n", "--json");
        assertEquals(0, r.code(), r.err());
        String line = r.out().lines().filter(l -> l.startsWith("{\"view\":\"inspect\"")).findFirst().orElse("");
        Object parsed = io.rdc.runtime.util.Json.parse(line);
        java.util.Map<?, ?> m = (java.util.Map<?, ?>) parsed;
        assertEquals("e", m.get("name"));
        assertEquals(203L, m.get("node"));
        assertEquals("in", ((java.util.Map<?, ?>) ((java.util.List<?>) m.get("ports")).get(0)).get("name"));
        assertTrue(((java.util.List<?>) m.get("references")).size() >= 1, line);
    }

    /** inspect waits a moment for a new incarnation to start; one whose preamble still waits is shown as starting. */
    @Test
    void inspectSaysWhenAnIncarnationIsStillStarting() {
        String echo = java.nio.file.Path.of("..", "test-scripts", "modules", "echo.js").toAbsolutePath().toString();
        Result r = shell("module echo = \"" + echo + "\"\n"
                + "create w : echo at node 203 { port in on new \"w.in\" ; stream out to \"nobody.in\" }\ninspect w\n"
                + "create e : echo at node 202 { port in on new \"e.in\" }\ninspect e\n");
        assertEquals(0, r.code(), r.err());
        String[] views = r.out().split("(?m)^(?=e \\()");
        assertTrue(views[0].contains("EXECUTING (starting: still in its interface preamble or init)"), r.out());
        assertTrue(views.length == 2 && views[1].matches("(?s)e \\(.*EXECUTING\n.*port\\s+in.*"), r.out());
    }

    @Test
    void helpComesFromTheLanguageReference() {
        Result r = shell("help create\nhelp errors\nhelp\n");
        assertEquals(0, r.code(), r.err());
        // docs/language.md is the reference the shell's help is cut from
        assertTrue(r.out().contains("## create\n\n`create NAME[index]? : MODULE(args)? [inchoate] at NODE { interfaces }`"), r.out());
        assertTrue(r.out().contains("create e : echo({tag: \"later\"}) inchoate at pick(\"balanced\")"), r.out());
        assertTrue(r.out().contains("## Errors\n\nEvery error stops the script"), r.out());
        assertTrue(r.out().contains("Statements: ") && r.out().contains(" module create ") && r.out().contains(" rebind attach"), r.out());
        assertTrue(r.out().contains("graph --dot FILE"), r.out());
    }

    @Test
    void graphMermaidWritesAFlowchart(@TempDir Path dir) throws Exception {
        String m = ShellHarness.TEXTPROC.toString();
        Path out = dir.resolve("g.mmd");
        Result r = shell("module spooler = \"" + m + "/spooler.js\"\nmodule worker = \"" + m + "/worker.js\"\nchannel \"report\" unicast\n"
                + "create sp : spooler({total: 1}) at node 202 { port in on new \"printer1\"; stream report to \"report\" }\n"
                + "create w : worker({width: 10}) at node 203 { stream out to \"printer1\" }\n"
                + "graph --mermaid " + out + "\ngraph\n");
        assertEquals(0, r.code(), r.err() + r.out());
        String g = Files.readString(out);
        assertTrue(g.startsWith("flowchart LR\n"), g);
        assertTrue(g.contains("subgraph n202[\"node 202 (node2)\"]"), g);
        assertTrue(g.matches("(?s).*i203_\\d+ -- out --> c202_\\d+.*"), g);
        assertTrue(g.matches("(?s).*c202_\\d+ -- in --> i202_\\d+.*"), g);
        assertTrue(r.out().contains("  w.out ▶ \"printer1\" 202."), r.out());
    }
}
