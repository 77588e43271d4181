package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator shell driven through a terminal, key by key: one shell on one embedded pool for
 * the whole class (the session builds up like a person's would).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ShellInteractionTest {
    @TempDir
    static Path dir;

    static ShellHarness sh;

    @BeforeAll
    static void start() throws Exception {
        sh = new ShellHarness(dir.resolve("history"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (sh != null) sh.close();
    }

    /** The text-processing RDC's scheduler, spooler and two workers, created from the shell. */
    static void textproc() throws Exception {
        String m = ShellHarness.TEXTPROC.toString();
        sh.run("module scheduler = \"" + m + "/scheduler.js\"");
        sh.run("module worker = \"" + m + "/worker.js\"");
        sh.run("module spooler = \"" + m + "/spooler.js\"");
        sh.run("channel \"report\" unicast");
        sh.run("let docs = [{name: \"a\", text: \"one two three four five\"}, {name: \"b\", text: \"alpha beta gamma\"}]");
        sh.run("create sched : scheduler({docs: docs}) at node 201 { port tasks on new \"scheduler\" }");
        // multi-line input: the open brace continues the statement on the next lines
        sh.run("create spooler1 : spooler({total: 2}) at node 204 {\r  port in on new \"printer1\"\r  stream report to \"report\"\r}");
        sh.run("forall i in 1..2 {\r  create w[i] : worker({width: 20}) at node 201 + i {\r"
                + "    stream tasks to \"scheduler\" handle \"worker${i}\"\r    stream out to \"printer1\"\r  }\r}");
    }

    @Test
    @Order(1)
    void showNodesListsTheFourDefaultNodes() throws Exception {
        String out = sh.run("show nodes");
        for (String id : new String[] {"201", "202", "203", "204"}) assertTrue(out.contains("\n" + id + " "), out);
        assertTrue(out.contains("ID") && out.contains("GROUPS"), out);
    }

    @Test
    @Order(2)
    void tabCompletesAStatementKeyword() throws Exception {
        sh.type("sh\t");
        sh.waitFor("show "); // the completion is echoed: "sh" became "show "
        String out = sh.run("nodes");
        assertTrue(out.contains("\n204 "), out);
    }

    @Test
    @Order(3)
    void aMultiLineSessionBuildsTheTextProcessingRdc() throws Exception {
        textproc();
        String out = sh.run("show incarnations");
        for (String n : new String[] {"sched", "spooler1", "w[1]", "w[2]"}) assertTrue(out.contains(n), out);
    }

    @Test
    @Order(4)
    void inspectOfAWorkerShowsItsStreams() throws Exception {
        String out = sh.run("inspect w[2]");
        assertTrue(out.contains("w[2] ("), out);
        assertTrue(out.matches("(?s).*module worker version [0-9a-f]{8}, node 203.*"), out);
        assertTrue(out.matches("(?s).*stream\\s+tasks.*") && out.matches("(?s).*stream\\s+out.*"), out);
    }

    @Test
    @Order(5)
    void tabCompletesAnIncarnationNameAndItsInterfaces() throws Exception {
        sh.type("inspect spoo\t");
        sh.waitFor("spooler1 ");
        String out = sh.run("");
        assertTrue(out.contains("spooler1 (") && out.contains("module spooler"), out);
        // w[ has two members: the second Tab lists them; then x. completes an interface
        sh.type("inspect w[2].o\t");
        sh.waitFor("w[2].out");
        out = sh.run("");
        assertTrue(out.contains("w[2].out: stream"), out);
    }

    @Test
    @Order(6)
    void tabCompletesAChannelLabel() throws Exception {
        sh.type("print \"prin\t");
        sh.waitFor("\"printer1\"");
        String out = sh.run("");
        assertTrue(out.contains("\nprinter1\n"), out);
    }

    @Test
    @Order(7)
    void upRecallsTheLastStatement() throws Exception {
        String first = sh.run("print 40 + 2");
        assertTrue(first.contains("\n42\n"), first);
        String again = sh.type(sh.up()).run("");
        assertTrue(again.contains("print 40 + 2") && again.contains("\n42\n"), again);
        sh.type(sh.up() + sh.up()); // two back (the repeated line is kept once): print "printer1"
        String older = sh.run("");
        assertTrue(older.contains("printer1"), older);
    }

    @Test
    @Order(8)
    void aSyntaxErrorIsShownWithACaretAndTheSessionGoesOn() throws Exception {
        String out = sh.run("print 1 +");
        assertTrue(out.matches("(?s).*input \\d+:1:\\d+: .*\nprint 1 \\+\n +\\^.*"), out);
        out = sh.run("print wrker");
        assertTrue(out.contains("unknown name `wrker`"), out);
        assertTrue(out.contains("\nprint wrker\n      ^"), out);
        assertTrue(sh.run("print \"still here\"").contains("\nstill here\n"));
    }

    @Test
    @Order(9)
    void ctrlCStopsAWaitAndTheShellStaysAlive() throws Exception {
        long t0 = System.nanoTime();
        sh.type("wait until false within 60s\r");
        Thread.sleep(1000); // the statement is waiting now
        sh.type("\u0003");
        String out = sh.waitFor("rdc> ", Duration.ofSeconds(15));
        assertTrue(out.contains("interrupted"), out);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "Ctrl-C did not stop the wait");
        assertTrue(sh.alive());
        String next = sh.run("show nodes");
        assertTrue(next.contains("\n201 "), next);
        // a sleep and a runaway loop stop too
        sh.type("sleep 1m\r");
        Thread.sleep(500);
        sh.type("\u0003");
        assertTrue(sh.waitFor("rdc> ", Duration.ofSeconds(15)).contains("sleep failed: interrupted"));
        sh.type("forall i in 1..1e12 { let x = i }\r");
        Thread.sleep(500);
        sh.type("\u0003");
        assertTrue(sh.waitFor("rdc> ", Duration.ofSeconds(15)).contains("interrupted"));
        assertTrue(sh.run("print len(w)").contains("\n2\n"));
    }

    @Test
    @Order(10)
    void graphDotWritesAFileGraphvizAccepts() throws Exception {
        Path dot = dir.resolve("rdc.dot");
        String out = sh.run("graph --dot " + dot);
        assertTrue(out.contains("wrote " + dot), out);
        String text = Files.readString(dot);
        assertTrue(text.startsWith("digraph rdc {"), text);
        assertTrue(text.contains("w[2]") && text.contains("\"scheduler") && text.contains("-> "), text);
        String picture = sh.run("graph");
        assertTrue(picture.contains("w[1].tasks ▶ \"scheduler\""), picture);
        assertTrue(picture.contains("▶ spooler1.in"), picture);
        Path svg = dir.resolve("rdc.svg");
        Process p;
        try {
            p = new ProcessBuilder("dot", "-Tsvg", "-o", svg.toString(), dot.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException noGraphviz) {
            org.junit.jupiter.api.Assumptions.abort("graphviz (dot) is not installed");
            return;
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String err = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), err);
        assertTrue(Files.readString(svg).contains("<svg"));
    }

    @Test
    @Order(20)
    void ctrlDLeavesCleanly() throws Exception {
        sh.ctrlD(Duration.ofSeconds(10));
        assertFalse(sh.alive());
        assertEquals(0, sh.exitCode());
        assertTrue(Files.readString(dir.resolve("history")).contains("print 40 + 2"), "history was saved");
    }
}
