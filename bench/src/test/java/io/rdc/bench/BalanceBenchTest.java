package io.rdc.bench;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code rdc bench balance --json}: the shape of its lines and that the balancer really spread the workers; not a speed. */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class BalanceBenchTest {

    @Test
    void itPrintsBeforeAfterAndTheEvenSpreadAsJsonLinesWithTheReference() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BalanceBench.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), 8, Duration.ofSeconds(1));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(3, lines.length, String.join("\n", lines));
        List<String> figures = List.of("before", "after", "ideal");
        for (int i = 0; i < 3; i++) {
            Map<?, ?> o = (Map<?, ?>) Json.parse(lines[i]);
            assertEquals("balance", o.get("bench"), lines[i]);
            assertEquals(figures.get(i), o.get("figure"), lines[i]);
            assertEquals("ideal", o.get("reference"), lines[i]);
            assertEquals(8L, ((Number) o.get("workers")).longValue(), lines[i]);
            assertTrue(((Number) o.get("msgs_per_s")).doubleValue() > 0, "the workers ran: " + lines[i]);
            assertNotNull(o.get("ratio_to_ideal"), lines[i]);
        }
        Map<?, ?> before = (Map<?, ?>) Json.parse(lines[0]), after = (Map<?, ?>) Json.parse(lines[1]), ideal = (Map<?, ?>) Json.parse(lines[2]);
        assertEquals(Map.of("201", 8L), before.get("spread"), "before: every worker on node 201: " + lines[0]);
        Map<?, ?> spread = (Map<?, ?>) after.get("spread");
        assertEquals(4, spread.size(), "after: the balancer spread them over the four nodes: " + lines[1]);
        for (Object c : spread.values()) assertTrue(((Number) c).longValue() <= 4, "after: no node kept more than 4 of 8: " + lines[1]);
        assertTrue(((Number) after.get("moves")).longValue() >= 4, lines[1]);
        assertNotNull(after.get("balance_ms"), lines[1]);
        assertEquals(Map.of("201", 2L, "202", 2L, "203", 2L, "204", 2L), ideal.get("spread"), lines[2]);
        assertEquals(1.0, ((Number) ideal.get("ratio_to_ideal")).doubleValue(), lines[2]);
    }
}
