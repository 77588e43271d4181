package io.rdc.interpreter.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdc.interpreter.Evaluator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code nodes} statements in a session whose pool is embedded in its process: its control plane
 * has no coordinator, so {@code nodes create} fails at once saying to use a standing pool (it used
 * to wait for a claim that could never come), while find and stop simply find nothing.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class NodesOnEmbeddedPoolTest {

    @Test
    void createSaysAStandingPoolIsNeededAndFindFindsNothing() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withControl(PoolConfig.EMBEDDED_CONTROL));
             RuntimeOperations session = new RuntimeOperations(pool, false, "grow", false)) {
            long t0 = System.nanoTime();
            new Evaluator(session, new Evaluator.Options().out(new PrintStream(out, true, StandardCharsets.UTF_8))).run("""
                    expect error "run it against a standing pool (rdc pool start" { nodes create 2 }
                    nodes find
                    nodes stop
                    """, "nodes.rdc");
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) < 60, "at once, not after a claim's wait");
        }
        String said = out.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("no on-demand nodes") && said.contains("0 node(s) stopped"), said);
    }
}
