package io.rdc.interpreter.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdc.interpreter.Evaluator;
import io.rdc.interpreter.RdcError;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two sessions one after another in the same named RDC, on one pool with an embedded control
 * plane: the second finds what the first declared (channels, modules, incarnation names) without
 * declaring anything again, and uses them with sequence-checked traffic.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LaterSessionTest {
    /** Scripts run as if they were in test-scripts/, so module paths are those of the scenario scripts. */
    private static final String DIR = Path.of("..", "test-scripts").toString() + "/";

    @Test
    void aLaterSessionFindsTheChannelsModulesAndNamesOfTheFirst() {
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withControl(PoolConfig.EMBEDDED_CONTROL))) {
            try (RuntimeOperations first = new RuntimeOperations(pool, false, "app", false)) {
                run(first, "first.rdc", """
                        module counter = "modules/counter.js"
                        module member = "modules/member.js"
                        module sequencer = "modules/sequencer.js"
                        channel "ls.group" multicast
                        create collect : counter at node 201 { port in on new "ls.collect" }
                        create m1 : member at node 202 { port in on existing "ls.group" ; stream collect to "ls.collect" }
                        create s : sequencer at node 204 { port in on new "ls.s.in" ; stream out to "ls.group" }
                        send s.in {op: "burst", count: 5}
                        wait until (invoke collect.in {op: "count"}).head.count == 5 within 20s
                        """);
            }
            try (RuntimeOperations later = new RuntimeOperations(pool, false, "app", false)) {
                assertEquals(Map.of("ls.group", true), later.adoptedChannels(), "the channel the first session declared");
                String shown = run(later, "later.rdc", """
                        # no module or channel declarations: they are the first session's
                        create m2 : member at node 203 { port in on existing "ls.group" ; stream collect to "ls.collect" }
                        expect error "already defined (multicast) by an earlier session of RDC app" { channel "ls.group" multicast }
                        send s.in {op: "burst", count: 5}
                        wait until (invoke collect.in {op: "count"}).head.count == 15 within 20s
                        let c = invoke collect.in {op: "count"}
                        assert c.head.bySender.node202 == 10, "m1 got 1..10"
                        assert c.head.bySender.node203 == 10, "m2, joined in this session, got 6..10"
                        assert c.head.gaps == 1, "one jump (m2 starts at 6): nothing lost, repeated or reordered"
                        show channels
                        """);
                assertTrue(shown.lines().anyMatch(l -> l.startsWith("ls.group") && l.contains("multicast")), shown);
                RdcError wrong = assertThrows(RdcError.class, () -> run(later, "wrong.rdc", "\nlink m2 to collect.in"));
                assertTrue(wrong.getMessage().startsWith(DIR + "wrong.rdc:2:1: link m2 to collect.in failed: m2 is an incarnation: link one of its streams (like m2.collect)"),
                        wrong.getMessage());
            }
        }
    }

    /** Runs a script in a session (as `rdc run` does) and gives what it printed. */
    private static String run(RuntimeOperations session, String file, String source) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Evaluator evaluator = new Evaluator(session, new Evaluator.Options().out(new PrintStream(printed, true, StandardCharsets.UTF_8)));
        evaluator.run(source, DIR + file);
        return printed.toString(StandardCharsets.UTF_8);
    }
}
