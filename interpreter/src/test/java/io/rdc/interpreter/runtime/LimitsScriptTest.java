package io.rdc.interpreter.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.interpreter.Evaluator;
import io.rdc.interpreter.RdcError;
import io.rdc.runtime.kernel.RdcLimits;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** `limits {handler: D, memory: MB}` (docs/language.md "RDC bounds"): the RDC's own bounds, kept by the control plane; bad records refused. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LimitsScriptTest {
    private static final String DIR = Path.of("..", "test-scripts").toString() + "/";

    @Test
    void limitsAreKeptWithTheRdcAndPrinted() {
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withControl(PoolConfig.EMBEDDED_CONTROL));
             RuntimeOperations s = new RuntimeOperations(pool, false, "bounded-app", false)) {
            String shown = run(s, "limits.rdc", "limits {handler: 250ms, memory: 64}");
            assertTrue(shown.matches("(?s)limits of RDC \\S+: handler 250 ms, memory 64 MB at each node\\n"), shown);
            assertEquals(new RdcLimits(250, 64L << 20), RdcLimits.decode(pool.control().names(s.operator().session().rdcId).get(RdcLimits.BINDING)));
            assertTrue(run(s, "limits.rdc", "limits {memory: 0}").contains("handler the nodes' own, memory the nodes' own"));
        }
    }

    @Test
    void badLimitsAreRefusedAtTheirStatement() {
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults());
             RuntimeOperations s = new RuntimeOperations(pool, false)) {
            RdcError e = assertThrows(RdcError.class, () -> run(s, "bad.rdc", "\nlimits {handler: 200}"));
            assertTrue(e.getMessage().startsWith(DIR + "bad.rdc:2:1: limits: handler needs a positive duration such as 200ms, not 200"), e.getMessage());
            e = assertThrows(RdcError.class, () -> run(s, "bad.rdc", "limits {cpu: 3}"));
            assertTrue(e.getMessage().contains("limits: unknown bound 'cpu' (handler, memory)"), e.getMessage());
            e = assertThrows(RdcError.class, () -> run(s, "bad.rdc", "limits {memory: 1}"));
            assertTrue(e.getMessage().contains("an RDC's memory bound must be at least 16 MB"), e.getMessage());
            e = assertThrows(RdcError.class, () -> run(s, "bad.rdc", "limits 5"));
            assertTrue(e.getMessage().contains("limits needs a record like {handler: 200ms, memory: 64}"), e.getMessage());
        }
    }

    private static String run(RuntimeOperations session, String file, String source) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new Evaluator(session, new Evaluator.Options().out(new PrintStream(out, true, StandardCharsets.UTF_8))).run(source, DIR + file);
        return out.toString(StandardCharsets.UTF_8);
    }
}
