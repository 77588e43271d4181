package io.rdc.bench;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code rdc bench replace}: the shape of its lines (not its timing); it checks the state after each step itself. */
class ReplaceBenchTest {
    @Test
    void printsReplacementAndMigrationTimesOfTheSameState() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ReplaceBench.run(new PrintStream(buf, true, StandardCharsets.UTF_8), 2, new int[] {64 << 10}, List.of("binary", "objects"));
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), String.join("\n", lines));
        for (String l : lines) {
            Map<?, ?> o = (Map<?, ?>) Json.parse(l);
            assertEquals("replace", o.get("bench"), l);
            assertEquals(64L << 10, ((Number) o.get("state_bytes")).longValue(), l);
            for (String k : List.of("replace_ms", "migrate_ms", "ratio")) assertTrue(((Number) o.get(k)).doubleValue() > 0, k + ": " + l);
        }
    }
}
