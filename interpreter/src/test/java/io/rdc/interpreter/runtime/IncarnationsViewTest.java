package io.rdc.interpreter.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.Kernel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 19: {@code show incarnations} shows each one's module version, and a family caught between versions. */
class IncarnationsViewTest {
    private static final String V1 = "1a2b3c4d5e6f70819a2b3c4d5e6f7081", V2 = "99aa88bb77cc66dd55ee44ff33001122";

    private static Kernel.Listed listed(String name, long gid, String module, String hash) {
        return new Kernel.Listed(gid, name, module, Incarnation.State.EXECUTING, 201, 0, 100, 1, hash);
    }

    @Test
    void aFamilyHalfReplacedIsShownAsMixed() {
        String out = Views.incarnations(List.of(listed("w[1]", 201_0001L, "worker2", V2), listed("w[2]", 201_0002L, "worker", V1),
                listed("w[3]", 201_0003L, "worker", V1), listed("log", 201_0004L, "paper", V2)));
        assertTrue(out.lines().findFirst().orElseThrow().contains("VERSION"), out);
        assertTrue(out.contains("worker2  99aa88bb"), out);
        assertTrue(out.endsWith("\n\nmixed versions in family w: worker2@99aa88bb (1), worker@1a2b3c4d (2)"), out);
    }

    @Test
    void oneVersionPerFamilyIsNotMixed() {
        String out = Views.incarnations(List.of(listed("w[1]", 201_0001L, "worker", V1), listed("w[2]", 201_0002L, "worker", V1),
                listed("x", 201_0003L, "worker", V2)));
        assertFalse(out.contains("mixed"), out);
    }

    /** A node before kernel schema 4 sends no versions: the column is empty, nothing is called mixed. */
    @Test
    void unknownVersionsAreBlank() {
        String out = Views.incarnations(List.of(listed("w[1]", 201_0001L, "worker", null), listed("w[2]", 201_0002L, "worker2", null)));
        assertFalse(out.contains("mixed"), out);
        assertEquals(3, out.lines().count(), out);
    }
}
