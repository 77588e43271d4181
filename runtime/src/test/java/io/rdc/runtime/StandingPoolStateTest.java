package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.control.EmbeddedControlPlane;
import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.ModuleStore;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pools whose control plane outlives them: ids are never handed out twice across pools and
 * restarts of the plane, and an RDC's names, stream-space labels and name registrations come back
 * when the whole plane is stopped and started again on its folder.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StandingPoolStateTest {
    private static final Duration T = Duration.ofSeconds(20);
    private static final String ECHO = "export function onMessage(ctx, port, m) { return { head: { echo: m.head } }; }";

    @TempDir
    Path dir;

    private static EmbeddedPool pool(EmbeddedControlPlane plane) {
        return EmbeddedPool.start(PoolConfig.ofNodes(2).withControl(String.join(",", plane.ingressEndpoints())));
    }

    private static long createEcho(Operator op, String label) {
        ModuleStore.Module m = op.module("echo", ECHO);
        Ref r = op.create(m, 201, null, List.of(Iface.portNew("in", label, null)), false, label);
        return op.incarnationId(r);
    }

    @Test
    void noIdIsReusedAcrossPoolsAndPlaneRestartsAndTheRdcsStateComesBack() {
        File state = dir.toFile();
        Set<Long> ids = new HashSet<>();
        long rdc;
        EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(state, null, 3000);
        try {
            try (EmbeddedPool p = pool(plane)) {
                Operator op = p.newOperator("first", "app", false);
                assertTrue(op.rdc().created(), "the first session creates the RDC");
                rdc = op.rdc().rdc().id();
                long gid = createEcho(op, "e1");
                assertTrue(ids.add(gid));
                op.register("echo-service", op.spaceGet("e1", T));
                op.control().bindName(rdc, "greeting", "\"hello\"");
            }
            try (EmbeddedPool p = pool(plane)) {
                Operator op = p.newOperator("second", "app", false);
                assertFalse(op.rdc().created(), "a later session attaches");
                assertEquals(rdc, op.rdc().rdc().id());
                long gid = createEcho(op, "e2");
                assertTrue(ids.add(gid), "a second pool on the same plane never hands out an id again: " + gid);
                Operator other = p.newOperator("other", "other-app", false);
                assertNotEquals(rdc, other.rdc().rdc().id());
            }
        } finally {
            plane.close();
        }
        // The whole plane stops and starts again on its folder.
        plane = EmbeddedControlPlane.startOn(state, null, 3000);
        try (EmbeddedPool p = pool(plane)) {
            Operator op = p.newOperator("third", "app", false);
            assertFalse(op.rdc().created(), "the RDC is back after the restart");
            assertEquals(rdc, op.rdc().rdc().id());
            assertEquals("\"hello\"", op.control().names(rdc).get("greeting"), "script names are back");
            assertTrue(String.join("\n", op.spacePrint()).contains("e1"), "stream-space labels are back: " + op.spacePrint());
            assertNotNull(op.control().lookup("echo-service", rdc), "name registrations are back");
            long gid = createEcho(op, "e3");
            assertTrue(ids.add(gid), "no id is reused after the plane restarts: " + gid);
            Operator fresh = p.newOperator("fresh", "new-app", false);
            assertTrue(fresh.rdc().created());
            assertNotEquals(rdc, fresh.rdc().rdc().id(), "RDC ids are not reused either");
        } finally {
            plane.close();
        }
    }
}
