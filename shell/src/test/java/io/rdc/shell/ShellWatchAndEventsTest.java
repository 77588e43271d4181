package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** watch redraws until Ctrl-C; operator events appear above the prompt without eating the line being typed. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ShellWatchAndEventsTest {
    @Test
    void watchRedrawsUntilCtrlCAndEventsPrintAboveThePartlyTypedLine(@TempDir Path dir) throws Exception {
        try (ShellHarness sh = new ShellHarness(dir.resolve("history"), true)) {
            String m = ShellHarness.TEXTPROC.toString();
            sh.run("module spooler = \"" + m + "/spooler.js\"");
            sh.run("channel \"report\" unicast");
            sh.run("create sp : spooler({total: 1}) at node 202 { port in on new \"printer1\"; stream report to \"report\" }");

            sh.type("watch incarnations every 200ms\r");
            sh.waitFor("show incarnations — every 200 ms");
            Thread.sleep(900); // several frames
            sh.type("\u0003");
            String out = sh.waitFor("rdc> ", Duration.ofSeconds(10));
            assertTrue(out.contains("sp    "), out);
            String screen = sh.screen();
            int frames = screen.split("show incarnations — every 200 ms", -1).length - 1;
            assertEquals(1, frames, "redrawn in place, not scrolled:\n" + screen);
            assertTrue(sh.run("print \"after watch\"").contains("after watch"));

            // destroy, then start typing: the DEAD event is printed above, the typed text stays
            sh.run("destroy sp");
            sh.type("print \"typed\"");
            sh.waitFor("DEAD sp", Duration.ofSeconds(10));
            Thread.sleep(400);
            assertTrue(sh.screen().matches("(?s).*DEAD sp — destroyed\nrdc> print \"typed\"$"), "event above, line kept:\n" + sh.screen());
            sh.type("\r");
            sh.waitFor("\ntyped\nrdc> ");

            // Ctrl-C at the prompt drops the line and keeps the shell
            sh.type("print \"dropped\"");
            sh.waitFor("print \"dropped\"", Duration.ofSeconds(10)); // echoed before the Ctrl-C, so the key hits a typed line
            sh.type("\u0003");
            sh.waitFor("\nrdc> ", Duration.ofSeconds(10)); // a fresh prompt
            String seven = sh.run("print 7");
            assertTrue(seven.lines().anyMatch(l -> l.strip().equals("7")), "the next command works:\n" + seven + "\n--- screen:\n" + sh.screen());
            assertFalse(sh.screen().lines().anyMatch(l -> l.strip().equals("dropped")), "the dropped line never ran:\n" + sh.screen());
        }
    }

    /** An incarnation's print shows once above the prompt, prefixed with its name and id (the embedded pool's node log), not raw. */
    @Test
    void whatAnIncarnationPrintsShowsOnceAboveThePromptWithItsName(@TempDir Path dir) throws Exception {
        Path mod = dir.resolve("talker.js");
        java.nio.file.Files.writeString(mod, "export function onMessage(ctx, port, m) { print('hello ' + m.head.n); }\n");
        try (ShellHarness sh = new ShellHarness(dir.resolve("history"), true)) {
            sh.run("module talker = \"" + mod + "\"");
            sh.run("create t : talker at node 203 { port in on new \"t.in\" }");
            // printed while the invoke runs (before the next prompt) or above the prompt after it
            if (!sh.run("invoke t.in {n: 3}").contains("] hello 3")) sh.waitFor("] hello 3", Duration.ofSeconds(10));
            Thread.sleep(1000); // the event poller's turn: it must not print the line a second time
            String screen = sh.screen();
            assertEquals(1, screen.lines().filter(l -> l.contains("hello 3")).count(), screen);
            assertTrue(screen.lines().anyMatch(l -> l.matches("\\[t 203\\.\\d+] hello 3")), screen);
            sh.type("print \"still here\"\r"); // (waiting for the text, not a prompt: an event above reprints the prompt too)
            sh.waitFor("\nstill here", Duration.ofSeconds(10));
        }
    }
}
