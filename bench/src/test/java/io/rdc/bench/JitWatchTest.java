package io.rdc.bench;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.js.JsHost;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/** {@link JitWatch} sees GraalJS's compiler work: the bench's warm-up waits on it. */
class JitWatchTest {
    @Test
    void compilerTimeGrowsWhileNewCodeIsCompiledAndNeverGoesBack() throws Exception {
        JitWatch jit = new JitWatch();
        long before = jit.compilerCpuNanos();
        // The engine's contexts must all allow the same host access (the runtime's: buffers only).
        try (Context c = Context.newBuilder("js").engine(JsHost.engine()).allowHostAccess(io.rdc.runtime.state.StateCodec.HOST_ACCESS).build()) {
            // A function no other test runs (its source text is unique), hot enough for the optimising tiers.
            Value f = c.eval("js", "(n) => { let s = " + System.nanoTime() + "; for (let i = 0; i < n; i++) s = (s * 31 + i) % 1000003; return s; }");
            long deadline = System.nanoTime() + 30_000_000_000L;
            long after = before;
            while (after == before && System.nanoTime() < deadline) {
                for (int i = 0; i < 200; i++) f.execute(10_000);
                Thread.sleep(20);
                long now = jit.compilerCpuNanos();
                assertTrue(now >= after, "monotonic");
                after = now;
            }
            assertTrue(after > before, "the compiler's CPU time grew while a hot function was compiled");
        }
    }
}
