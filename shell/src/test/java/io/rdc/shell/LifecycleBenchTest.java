package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code rdc bench lifecycle --json}'s lines: the shape others read and what must hold (nothing lost), not a speed (no timed target here). */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class LifecycleBenchTest {

    @Test
    void itPrintsNodeStartFailureDetectionAndEvacuationAsJsonLines() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        io.rdc.bench.LifecycleBench.run(new PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8), 1);
        String[] lines = bytes.toString(java.nio.charset.StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(3, lines.length, String.join("\n", lines));
        assertTrue(lines[0].matches("\\{\"bench\":\"lifecycle\",\"figure\":\"node_start\",\"ms\":[0-9.]+,\"samples_ms\":\\[[0-9.]+\\]}"), lines[0]);
        assertTrue(lines[1].matches("\\{\"bench\":\"lifecycle\",\"figure\":\"failure_detection\",\"ms\":[0-9.]+,\"samples_ms\":\\[[0-9.]+\\]}"), lines[1]);
        // The node was killed within a heartbeat of its last one: the plane cannot know sooner than its bound less that.
        double detected = Double.parseDouble(lines[1].replaceAll(".*\"ms\":([0-9.]+).*", "$1"));
        assertTrue(detected >= 2000, "failure detected " + detected + " ms after the kill, under the liveness bound: " + lines[1]);
        Object evac = io.rdc.runtime.util.Json.parse(lines[2]);
        java.util.Map<?, ?> e = (java.util.Map<?, ?>) evac;
        assertEquals("evacuation", e.get("figure"), lines[2]);
        assertEquals(100L, ((Number) e.get("incarnations")).longValue(), lines[2]);
        assertEquals(100L, ((Number) e.get("moved")).longValue(), "every guest migrated: " + lines[2]);
        assertEquals(0L, ((Number) e.get("lost")).longValue(), "no message lost: " + lines[2]);
    }
}
