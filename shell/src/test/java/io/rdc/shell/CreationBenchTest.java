package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code rdc bench create --json}'s lines: their shape and what must hold (every incarnation reached answers), not a speed. */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class CreationBenchTest {

    @Test
    void itPrintsScriptLoopMemoryLiveAndLimitLines() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        io.rdc.bench.CreationBench.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                new io.rdc.bench.CreationBench.Sizes(20, 20, 100), ScriptBench::creates);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\n");
        System.out.println(String.join("\n", lines)); // the figures (tiny sizes) in the test's report
        List<String> figures = new ArrayList<>();
        for (String l : lines) {
            Map<?, ?> m = (Map<?, ?>) io.rdc.runtime.util.Json.parse(l);
            assertEquals("create", m.get("bench"), l);
            assertTrue(m.get("load_avg") instanceof Number, l);
            figures.add((String) m.get("figure"));
            switch ((String) m.get("figure")) {
                case "script", "ctx_create_loop" -> {
                    assertEquals(20L, ((Number) m.get("creates")).longValue(), l);
                    for (String k : List.of("per_s", "ready_per_s", "before_per_s", "before_ready_per_s", "ratio", "ready_ratio"))
                        assertTrue(((Number) m.get(k)).doubleValue() > 0, k + " in " + l);
                }
                case "idle_memory" -> {
                    assertEquals(100L, ((Number) m.get("incarnations")).longValue(), l);
                    assertTrue(((Number) m.get("heap_bytes_per_incarnation")).doubleValue() > 0, l);
                    assertTrue(m.get("rss_bytes_per_incarnation") instanceof Number, l);
                    assertEquals("platform", m.get("thread"), l);
                    assertTrue(((Number) m.get("platform_threads_per_incarnation")).doubleValue() >= 0.5, "a platform thread each: " + l);
                }
                case "live" -> {
                    assertEquals(100L, ((Number) m.get("target")).longValue(), l);
                    assertEquals(100L, ((Number) m.get("reached")).longValue(), l);
                    assertEquals(100L, ((Number) m.get("answered")).longValue(), "every one answers: " + l);
                    assertNull(m.get("error"), l);
                    assertTrue(((Number) m.get("live_ms")).doubleValue() > 0, l);
                }
                case "limit" -> assertTrue(((Number) m.get("contexts_per_s")).doubleValue() > 0, l);
                default -> fail("unknown figure: " + l);
            }
        }
        assertEquals(List.of("script", "ctx_create_loop", "idle_memory", "live", "limit"), figures, String.join("\n", lines));
    }
}
