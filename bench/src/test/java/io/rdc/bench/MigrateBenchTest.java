package io.rdc.bench;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.util.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code rdc bench migrate --quick}: the shape of its output (not its timing), and that it really migrates. */
class MigrateBenchTest {
    static final Set<String> POINT = Set.of("bench", "state_kind", "state_bytes", "ports", "migration_ms", "frozen_ms", "wall_ms", "node");
    static final Set<String> FIT = Set.of("bench", "fit", "a_ms", "b_ms_per_mb", "c_ms_per_port");

    @Test
    void quickRunPrintsEveryPointAndOneFitPerKind() {
        List<String> printed = new ArrayList<>();
        List<String> lines = MigrateBench.run(true, true, printed::add);
        assertEquals(lines, printed);
        int points = 0, fits = 0, breakdowns = 0;
        for (String l : lines) {
            Map<?, ?> o = (Map<?, ?>) Json.parse(l);
            assertEquals("migrate", o.get("bench"), l);
            if (o.containsKey("fit")) {
                fits++;
                assertTrue(o.keySet().containsAll(FIT), l);
                for (String k : List.of("a_ms", "b_ms_per_mb", "c_ms_per_port")) assertNotNull(o.get(k), k + " computed: " + l);
                if (o.get("fit").equals("objects")) {
                    // Computed (a number), not judged: in a 2-size quick run on a loaded machine the slope can be <= 0,
                    // and then the ratio is null.
                    assertInstanceOf(Number.class, o.get("json_ms_per_mb"), l);
                    assertTrue(o.containsKey("ratio"), l);
                }
            } else if (o.containsKey("breakdown")) {
                breakdowns++;
                for (String k : List.of("encode_ms", "context_ms", "decode_ms", "copies_ms", "snapshot_bytes"))
                    assertTrue(((Number) o.get(k)).doubleValue() >= 0, k + ": " + l);
            } else {
                points++;
                assertTrue(o.keySet().containsAll(POINT), l);
                String kind = (String) o.get("state_kind");
                assertTrue(kind.equals("binary") || kind.equals("objects"), l);
                assertTrue(((Number) o.get("state_bytes")).longValue() >= 32 << 10, "state of the requested size: " + l);
                double mig = ((Number) o.get("migration_ms")).doubleValue(), frozen = ((Number) o.get("frozen_ms")).doubleValue();
                assertTrue(mig > 0 && frozen > 0 && frozen <= mig, l);
                // Migrated back and forth 202 -> 203 -> ...: after an odd number of moves it is at 203
                // (the bench itself checks where it answers from, its state and onMigrated's count).
                assertEquals(203L, o.get("node"), l);
                if (kind.equals("objects")) assertTrue(((Number) o.get("json_ms")).doubleValue() > 0, l);
            }
        }
        assertEquals(8, points, "2 kinds x 2 sizes x {1, 9} ports");
        assertEquals(2, fits);
        assertEquals(2, breakdowns);
    }

    @Test
    void leastSquaresRecoversAKnownPlane() {
        List<MigrateBench.Point> pts = new ArrayList<>();
        for (int mb : new int[] {1, 2, 4})
            for (int ports : new int[] {1, 9})
                pts.add(new MigrateBench.Point("binary", mb << 20, ports, 2 + 0.5 * mb + 0.25 * (ports - 1), 1, 1, Double.NaN, 203, new MigrateBench.Warmup(1, 0, false)));
        MigrateBench.Fit f = MigrateBench.fit("binary", pts);
        assertEquals(2, f.a(), 1e-9);
        assertEquals(0.5, f.b(), 1e-9);
        assertEquals(0.25, f.c(), 1e-9);
    }
}
