package io.rdc.bench;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.control.ControlIdle;
import io.rdc.runtime.control.ControlThreads;
import io.rdc.runtime.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code rdc bench control} with the threads option: the shape of its lines (not their timing),
 * one plane per threads choice, each with its own echo, every line naming its idle and threads.
 */
class ControlBenchTest {
    @Test
    void measuresOnePlanePerThreadsChoiceEachBesideItsOwnEcho() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ControlBench.run(new PrintStream(buf, true, StandardCharsets.UTF_8), 50, 20, ControlIdle.YIELDING,
                List.of(ControlThreads.DEDICATED, ControlThreads.SHARED_IPC));
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        // start, echo, get, lookup for each; no 3-member plane (it runs with the default idle only)
        assertEquals(8, lines.size(), String.join("\n", lines));
        for (int i = 0; i < lines.size(); i++) {
            Map<?, ?> o = (Map<?, ?>) Json.parse(lines.get(i));
            assertEquals("control", o.get("bench"), lines.get(i));
            assertEquals(1L, ((Number) o.get("members")).longValue(), lines.get(i));
            assertEquals("yielding", o.get("idle"), lines.get(i));
            assertEquals(i < 4 ? "dedicated" : "shared-ipc", o.get("threads"), lines.get(i));
            assertEquals(List.of("start", "echo", "get", "lookup").get(i % 4), o.get("op"), lines.get(i));
            if (i % 4 > 0) {
                assertEquals(50L, ((Number) o.get("samples")).longValue(), lines.get(i));
                assertTrue(((Number) o.get("p50_us")).doubleValue() > 0, lines.get(i));
                if (i % 4 == 1) assertEquals(1.0, ((Number) o.get("ratio")).doubleValue(), 1e-9, "echo is its own reference: " + lines.get(i));
            }
        }
    }

    @Test
    void threadsListIsParsedInOrderOnceEachAndBadNamesAreNamed() {
        assertEquals(List.of(ControlThreads.SHARED, ControlThreads.DEDICATED), ControlBench.parseThreads("shared, dedicated,shared"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ControlBench.parseThreads("dedicated,few"));
        assertTrue(e.getMessage().contains("'few'"), e.getMessage());
    }
}
