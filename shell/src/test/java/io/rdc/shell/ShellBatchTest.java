package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        assertEquals("203", m.get("node"), "node ids are strings too");
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

    /** A spooler on node 202 and a worker on 203 that sends to it (the text-processing modules). */
    private static final String SPOOLER_AND_WORKER = "module spooler = \"" + ShellHarness.TEXTPROC + "/spooler.js\"\nmodule worker = \""
            + ShellHarness.TEXTPROC + "/worker.js\"\nchannel \"report\" unicast\n"
            + "create sp : spooler({total: 1}) at node 202 { port in on new \"printer1\"; stream report to \"report\" }\n"
            + "create w : worker({width: 10}) at node 203 { stream out to \"printer1\" }\n";

    @Test
    void graphMermaidWritesAFlowchart(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("g.mmd");
        Result r = shell(SPOOLER_AND_WORKER + "graph --mermaid " + out + "\ngraph\n");
        assertEquals(0, r.code(), r.err() + r.out());
        String g = Files.readString(out);
        assertTrue(g.startsWith("flowchart LR\n"), g);
        assertTrue(g.contains("subgraph n202[\"node 202 (node2)\"]"), g);
        assertTrue(g.matches("(?s).*i203_\\d+ -- out --> c202_\\d+.*"), g);
        assertTrue(g.matches("(?s).*c202_\\d+ -- in --> i202_\\d+.*"), g);
        assertTrue(r.out().contains("  w.out ▶ \"printer1\" 202."), r.out());
    }

    // ---- issue 18: ids as JSON strings, watch in piped input, graph --json, incarnation output

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** Keys whose values are ids of incarnations, nodes, RDCs, channels, ports or streams. */
    private static final java.util.Set<String> ID_KEYS = java.util.Set.of("id", "node", "parent", "channel", "object", "from", "to", "rdc");

    /** Every id anywhere in {@code n} is a JSON string (or null); returns how many were checked. */
    private static int assertIdsAreStrings(com.fasterxml.jackson.databind.JsonNode n, String where) {
        int checked = 0;
        if (n.isObject()) {
            for (var it = n.fields(); it.hasNext(); ) {
                var f = it.next();
                if (ID_KEYS.contains(f.getKey()) && !f.getValue().isNull()) {
                    assertTrue(f.getValue().isTextual(), f.getKey() + " is " + f.getValue().getNodeType() + " in " + where);
                    checked++;
                }
                checked += assertIdsAreStrings(f.getValue(), where);
            }
        } else if (n.isArray()) {
            for (var e : n) checked += assertIdsAreStrings(e, where);
        }
        return checked;
    }

    @Test
    void everyJsonViewWritesIdsAsStringsThatAParserReadsBackUnchanged() throws Exception {
        String echo = Path.of("..", "test-scripts", "modules", "echo.js").toAbsolutePath().toString();
        String m = ShellHarness.TEXTPROC.toString();
        Result r = shell("module echo = \"" + echo + "\"\nmodule worker = \"" + m + "/worker.js\"\n"
                + "create e : echo at node 203 { port in on new \"e.in\" }\n"
                + "create w : worker({width: 10}) at node 202 { stream out to \"e.in\" }\n"
                + "show nodes\nshow incarnations\nshow space\nshow channels\ninspect e\ngraph\n", "--json");
        assertEquals(0, r.code(), r.err() + r.out());
        List<String> views = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(6, views.size(), r.out());
        int ids = 0;
        for (String v : views) ids += assertIdsAreStrings(JSON.readTree(v), v);
        assertTrue(ids >= 12, "ids checked: " + ids);
        var incs = JSON.readTree(views.get(1)).get("rows");
        for (var row : incs) assertTrue(row.get("id").asText().matches("20\\d\\.\\d+"), row.toString());
        assertEquals("203", JSON.readTree(views.get(4)).get("node").asText());
    }

    @Test
    void aPipedWatchEndsAtTheNextInputOrTheInputsEnd() {
        Result r = shell("watch nodes every 200ms\nprint \"after\"\nwatch incarnations\n");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("show nodes — every 200 ms, until the next input\nID "), r.out());
        assertTrue(r.out().contains("\nafter\n"), "the input after watch ran: " + r.out());
        assertTrue(r.out().endsWith("no incarnations\n"), "the last watch drew once and ended with the input: " + r.out());
    }

    @Test
    void watchCountEndsAfterThatManyFramesEvenWithInputWaiting() {
        Result r = shell("watch nodes every 100ms --count 3\nprint \"after\"\n");
        assertEquals(0, r.code(), r.err() + r.out());
        assertEquals(3, r.out().split("show nodes — every 100 ms, 3 frames", -1).length - 1, r.out());
        assertTrue(r.out().endsWith("\nafter\n"), r.out());
        Result json = shell("watch nodes every 100ms --count 2\n", "--json");
        assertEquals(2, json.out().lines().count(), "under --json, only the views' JSON lines: " + json.out());
        for (String l : json.out().lines().toList()) assertTrue(l.startsWith("{\"view\": \"nodes\""), l);
        Result bad = shell("watch nodes --count 0\n");
        assertEquals(1, bad.code());
        assertTrue(bad.out().contains("--count needs a number of at least 1"), bad.out());
    }

    @Test
    void whatAnIncarnationPrintsIsAnEventWithItsNameAndGoesToTheNodesLogNotToStdout(@TempDir Path dir) throws Exception {
        Path mod = dir.resolve("talker.js");
        Files.writeString(mod, "export function onMessage(ctx, port, m) { print('hello ' + m.head.n); console.log('ref', port); return { head: { ok: true } }; }\n");
        Result r = shell("module talker = \"" + mod + "\"\ncreate t : talker at node 202 { port in on new \"t.in\" }\n"
                + "invoke t.in {n: 7}\nsleep 500ms\nwatch events\n");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(java.util.regex.Pattern.compile("(?m)^event \\d\\d:\\d\\d:\\d\\d\\.\\d{3} OUTPUT \\[t 202\\.\\d+] hello 7$").matcher(r.out()).find(), r.out());
        assertTrue(r.out().matches("(?s).*OUTPUT \\[t 202\\.\\d+] ref \\[port#\\d+].*"), r.out());
        assertFalse(r.out().lines().anyMatch(l -> l.startsWith("hello") || l.startsWith("[t ")), "nothing raw on stdout: " + r.out());
        assertTrue(r.err().matches("(?s).*\\[t 202\\.\\d+] hello 7\n.*"), "the embedded node's log, on stderr: " + r.err());

        Result one = shell("module talker = \"" + mod + "\"\ncreate t : talker at node 202 { port in on new \"t.in\" }\n"
                + "invoke t.in {n: 1}\nwatch events --count 1\nprint \"after\"\n", "--json");
        assertEquals(0, one.code(), one.err() + one.out());
        List<String> events = one.out().lines().filter(l -> l.startsWith("{\"view\":\"event\"")).toList();
        assertEquals(1, events.size(), one.out());
        var e = JSON.readTree(events.get(0));
        assertTrue(e.get("id").isTextual() && e.get("id").asText().startsWith("202."), events.get(0));
        assertTrue(one.out().endsWith("after\n"), one.out());
    }

    @Test
    void graphJsonHoldsWhatTheDotFormDraws(@TempDir Path dir) throws Exception {
        Path dot = dir.resolve("g.dot");
        Result r = shell(SPOOLER_AND_WORKER + "create w2 : worker({width: 10}) at node 204 { stream out to \"printer1\" }\n"
                + "graph --dot " + dot + "\ngraph --json\n");
        assertEquals(0, r.code(), r.err() + r.out());
        String d = Files.readString(dot);
        var g = JSON.readTree(r.out().lines().filter(l -> l.startsWith("{\"view\":\"graph\"")).findFirst().orElseThrow());
        assertIdsAreStrings(g, "graph");
        java.util.function.Function<String, String> key = id -> id.replaceAll("[^A-Za-z0-9]", "_");
        // the same incarnations (named, on their nodes) and channels
        java.util.Set<String> dotIncs = new java.util.TreeSet<>(), jsonIncs = new java.util.TreeSet<>();
        java.util.regex.Matcher im = java.util.regex.Pattern.compile("(?m)^    (i\\S+) \\[label=\"(\\w+)\\\\n").matcher(d);
        while (im.find()) dotIncs.add(im.group(1) + " " + im.group(2));
        for (var i : g.get("incarnations")) jsonIncs.add("i" + key.apply(i.get("id").asText()) + " " + i.get("name").asText());
        assertEquals(dotIncs, jsonIncs);
        assertEquals(3, jsonIncs.size(), jsonIncs.toString());
        java.util.Set<String> dotChannels = new java.util.TreeSet<>(), jsonChannels = new java.util.TreeSet<>();
        java.util.regex.Matcher cm = java.util.regex.Pattern.compile("(?m)^  (c\\S+) \\[shape=ellipse").matcher(d);
        while (cm.find()) dotChannels.add(cm.group(1));
        for (var c : g.get("channels")) jsonChannels.add("c" + key.apply(c.get("id").asText()));
        assertEquals(dotChannels, jsonChannels);
        // the same arrows: stream edges (incarnation -> channel) and port edges (channel -> incarnation)
        java.util.Set<String> dotEdges = new java.util.TreeSet<>(), jsonEdges = new java.util.TreeSet<>();
        java.util.regex.Matcher em = java.util.regex.Pattern.compile("(?m)^  (\\S+) -> (\\S+) \\[label=\"([^\"]*)\"]").matcher(d);
        while (em.find()) dotEdges.add(em.group(1) + " -> " + em.group(2) + " " + em.group(3));
        for (var e : g.get("edges"))
            jsonEdges.add("i" + key.apply(e.get("from").asText()) + " -> c" + key.apply(e.get("channel").asText()) + " " + e.get("stream").asText());
        for (var i : g.get("incarnations"))
            for (var p : i.get("ports")) jsonEdges.add("c" + key.apply(p.get("channel").asText()) + " -> i" + key.apply(i.get("id").asText()) + " " + p.get("name").asText());
        assertEquals(dotEdges, jsonEdges);
        assertTrue(g.get("edges").toString().contains("\"stream\":\"out\""), g.toString());
        assertEquals("printer1", g.get("channels").findValuesAsText("label").stream().filter("printer1"::equals).findFirst().orElse(null));
    }
}
