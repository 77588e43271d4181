package io.rdc.interpreter.runtime;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdc.interpreter.Evaluator;
import io.rdc.interpreter.RdcError;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wait until COND within T} bounds the whole statement by T: an invoke in the condition may
 * wait what is left of T for its reply, not only its own timeout (the README's text-processing script
 * on a fresh standing pool failed so: its manager's init took 37 s, the first {@code invoke mgr.report}
 * queued behind it gave up at 30 s, inside a wait that allowed 60). A window never shortens an
 * invoke's own timeout (a slow but true condition passes a short wait, as it did before).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WaitWindowTest {
    @TempDir
    Path dir;

    /** A module whose init keeps its incarnation busy for {@code args.busyMs}, so invokes queue behind it. */
    private static final String SLOW_INIT = """
            export function init(ctx, args) { const until = Date.now() + args.busyMs; while (Date.now() < until) {} }
            export function onMessage(ctx, port, m) { return { head: { ok: true } }; }
            """;

    @Test
    void anInvokeInAWaitConditionMayTakeTheWaitsWholeWindow() throws Exception {
        // The invoke's own timeout (300 ms) is far below the init's length: only the wait's window can cover it.
        String printed = runAfterSlowInit(1500, """
                wait until (invoke s.in {}).head.ok within 60s
                print "answered"
                """);
        assertTrue(printed.contains("answered"), printed);
    }

    @Test
    void aConditionStillUnansweredWhenTheWindowEndsSaysSo() throws Exception {
        RdcError e = assertThrows(RdcError.class, () -> runAfterSlowInit(4000, "wait until (invoke s.in {}).head.ok within 1s\n"));
        assertTrue(e.getMessage().contains("wait until failed: its time ran out while the condition was being evaluated")
                && e.getMessage().contains("no reply within"), e.getMessage());
    }

    /** Runs {@code script} after creating {@code s}, whose init is busy for {@code busyMs}, with invokes' own timeout at 300 ms. */
    private String runAfterSlowInit(int busyMs, String script) throws Exception {
        Path module = Files.writeString(dir.resolve("slow.js"), SLOW_INIT);
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.ofNodes(1));
             RuntimeOperations ops = new RuntimeOperations(pool, true)) {
            ops.timeouts(Duration.ofSeconds(30), Duration.ofMillis(300));
            return run(ops, """
                    module slow = "%s"
                    create s : slow({busyMs: %d}) at node 201 { port in on new "slow.in" }
                    """.formatted(module, busyMs) + script);
        }
    }

    private String run(RuntimeOperations ops, String source) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Evaluator evaluator = new Evaluator(ops, new Evaluator.Options().out(new PrintStream(printed, true, StandardCharsets.UTF_8)));
        evaluator.run(source, dir.resolve("wait.rdc").toString());
        return printed.toString(StandardCharsets.UTF_8);
    }
}
