package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The rdc command line's exit codes and error output. */
class CommandLineTest {
    record Result(int code, String out, String err) {}

    static Result rdc(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            int code = Main.commandLine().execute(args);
            return new Result(code, out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void webRefusesABadPortOrAMissingScriptBeforeTouchingAPool(@TempDir Path dir) {
        Result port = rdc("web", "--embedded", "--port", "70000");
        assertEquals(2, port.code());
        assertEquals("rdc web: --port must be from 0 to 65535", port.err().strip());
        Result script = rdc("web", "--embedded", "--script", dir.resolve("nope.rdc").toString());
        assertEquals(2, script.code());
        assertTrue(script.err().contains("no such script"), script.err());
    }

    @Test
    void aBrokenScriptExitsWithOneAndSaysFileLineColumn(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("broken.rdc");
        Files.writeString(f, "let x = 1\nprint x +\n");
        Result r = rdc("run", f.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith(f + ":2:"), r.err());
    }

    @Test
    void aFailedOperationStopsTheScriptWithItsReason(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.rdc");
        Files.writeString(f, "module m = \"m.js\"\ncreate x : m at node 999\nprint \"not reached\"\n");
        Files.writeString(dir.resolve("m.js"), "export function init(ctx) {}");
        Result r = rdc("run", f.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(f + ":2:1: create x failed: node 999 is not in the pool"), r.err());
        assertFalse(r.out().contains("not reached"));
    }

    @Test
    void aScriptThatRunsExitsZero(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ok.rdc");
        Files.writeString(f, "print \"nodes: ${len(nodes())}\"\n");
        Result r = rdc("run", f.toString(), "--nodes", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("nodes: 2"), r.out());
    }

    @Test
    void testCountsPassesAndFailuresAndExitsOneOnFailure(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.rdc");
        Files.writeString(f, "test \"good\" { assert 1 + 1 == 2 }\ntest \"bad\" { let x = 2\n  assert x == 3 }\n");
        Result r = rdc("test", f.toString(), "--junit", dir.resolve("reports").toString());
        assertEquals(1, r.code());
        String[] lines = r.out().strip().split("\n");
        assertEquals("1 passed, 1 failed", lines[lines.length - 1]);
        assertTrue(r.out().contains("but x = 2"), r.out());
        assertTrue(Files.list(dir.resolve("reports")).anyMatch(p -> p.getFileName().toString().startsWith("TEST-")));
    }

    @Test
    void globalOptionsWorkBeforeOrAfterTheCommand(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("n.rdc");
        Files.writeString(f, "print \"nodes: ${len(nodes())}\"\n");
        Result before = rdc("--nodes", "3", "run", f.toString());
        assertEquals(0, before.code(), before.err());
        assertTrue(before.out().contains("nodes: 3"), before.out());
        Result after = rdc("run", f.toString(), "--nodes", "5", "--no-color", "-v");
        assertEquals(0, after.code(), after.err());
        assertTrue(after.out().contains("nodes: 5"), after.out());
        Path desc = dir.resolve("nodes.txt");
        Files.writeString(desc, "# two nodes\n7:seven:all:jvm\n9:nine:all:jvm\n");
        Result d = rdc("--descriptor", desc.toString(), "run", f.toString());
        assertTrue(d.out().contains("nodes: 2"), d.out() + d.err());
    }

    @Test
    void unexpectedErrorsAreOneLineUnlessVerbose(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad-descriptor.txt");
        Files.writeString(bad, "not a descriptor line\n");
        Path f = dir.resolve("x.rdc");
        Files.writeString(f, "print 1\n");
        Result quiet = rdc("run", f.toString(), "--descriptor", bad.toString());
        assertEquals(1, quiet.code());
        assertTrue(quiet.err().contains("expected id:name:groups:type") && quiet.err().contains("(run with -v for details)"), quiet.err());
        assertFalse(quiet.err().contains("\tat "), "no stack trace without -v");
        Result verbose = rdc("-v", "run", f.toString(), "--descriptor", bad.toString());
        assertTrue(verbose.err().contains("\tat "), "a stack trace with -v: " + verbose.err());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, rdc("run").code());
        assertEquals(2, rdc("no-such-command").code());
        assertEquals(2, rdc("run", "/no/such/file.rdc").code());
    }
}
