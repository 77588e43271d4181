package io.rdc.runtime.control;

import static io.rdc.runtime.control.ControlStateTest.service;
import static org.junit.jupiter.api.Assertions.*;

import io.aeron.cluster.RecordingLog;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.OperationException;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plane's own snapshots (SnapshotPolicy) and the one rdc pool stop asks for: each is in the
 * recording log, and a restart starts from the latest and replays only the requests after it.
 */
class ControlSnapshotTest {

    @Test
    void thePlaneSnapshotsEveryNRequestsAndARestartStartsFromTheLatest(@TempDir Path dir) {
        SnapshotPolicy every40 = new SnapshotPolicy(40, Duration.ZERO);
        long rdc, left;
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 3000, every40); ControlClient c = plane.connect()) {
            rdc = c.openRdc("textproc", "ann", false).rdc().id();
            for (int i = 0; i < 45; i++) c.bindName(rdc, "a" + i, Integer.toString(i));
            await("a first snapshot after 40 requests", () -> plane.member().snapshotCount() == 1);
            for (int i = 0; i < 45; i++) c.bindName(rdc, "b" + i, Integer.toString(i));
            await("a second one after 40 more", () -> plane.member().snapshotCount() == 2);
            c.spacePut(rdc, "docs", service(201, 9), 2);
            c.register("textproc.spool", service(201, 9), rdc, java.util.List.of());
            c.unbindName(rdc, "a0");
            left = plane.member().entriesSinceSnapshot();
            assertTrue(left >= 3 && left < 40, "the requests after the last snapshot: " + left);
        }
        assertTrue(snapshotsInRecordingLog(dir) >= 2, "the recording log lists the snapshots");
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 3000, every40); ControlClient c = plane.connect()) {
            Map<String, String> names = c.names(rdc); // answered after the replay, so the state is whole
            assertTrue(plane.member().startedFromSnapshot(), "the restart loaded a snapshot");
            assertEquals(left + 1, plane.member().entriesSinceSnapshot(), "it replayed only the requests after the snapshot (and answered this one)");
            assertEquals(89, names.size());
            assertFalse(names.containsKey("a0"));
            assertEquals("44", names.get("b44"));
            assertEquals(List.of("textproc"), c.rdcs().stream().map(r -> r.name()).toList());
            assertTrue(c.spacePrint(rdc).getFirst().startsWith("entry\tdocs\tstream\t201.9\t2 left"), c.spacePrint(rdc).toString());
            assertEquals(service(201, 9), c.lookup("textproc.spool", 0));
        }
    }

    @Test
    void aSnapshotAskedOfTheRunningPlaneAsPoolStopDoesIsTheOneARestartUses(@TempDir Path dir) {
        long rdc;
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 3000, SnapshotPolicy.ON_REQUEST); ControlClient c = plane.connect()) {
            rdc = c.openRdc("grep", "ann", false).rdc().id();
            c.bindName(rdc, "w", "{\"inc\":\"201.7\"}");
            c.spacePut(rdc, "lines", service(201, 3), 1);
            c.spacePut(rdc, "held", service(201, 4), 1);
            assertNotNull(c.spaceGet(rdc, "held", Ids.make(202, 5), TimeUnit.SECONDS.toNanos(10)));
            assertEquals(0, plane.member().snapshotCount(), "this policy takes none on its own");
            assertNull(ControlPlaneMember.snapshotRunning(dir.toFile(), null), "asked through the leader's control toggle, as ClusterTool does");
            assertEquals(1, plane.member().snapshotCount());
            assertEquals(0, plane.member().entriesSinceSnapshot());
        }
        assertEquals(1, snapshotsInRecordingLog(dir));
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 3000, SnapshotPolicy.ON_REQUEST); ControlClient c = plane.connect()) {
            assertEquals(Map.of("w", "{\"inc\":\"201.7\"}"), c.names(rdc));
            assertTrue(plane.member().startedFromSnapshot());
            assertEquals(1, plane.member().entriesSinceSnapshot(), "nothing replayed: only this request since the snapshot");
            assertTrue(c.spacePrint(rdc).getFirst().startsWith("entry\tlines\tstream\t201.3\t1 left"), c.spacePrint(rdc).toString());
            // who holds a copy is in the snapshot too: a stranger is still refused, the holder may return
            assertThrows(OperationException.class, () -> c.spaceReturn(rdc, "held", null, Ids.make(203, 6)));
            c.spaceReturn(rdc, "held", null, Ids.make(202, 5));
        }
        assertEquals("no control-plane member in " + dir.resolve("nowhere"), ControlPlaneMember.snapshotRunning(dir.resolve("nowhere").toFile(), null));
    }

    @Test
    void aChangeIsSnapshottedWithinTheIntervalAndAnIdlePlaneIsNot(@TempDir Path dir) throws Exception {
        SnapshotPolicy everySecond = new SnapshotPolicy(0, Duration.ofSeconds(1));
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 3000, everySecond); ControlClient c = plane.connect()) {
            Thread.sleep(2500);
            assertEquals(0, plane.member().snapshotCount(), "nothing changed: no snapshot");
            c.openRdc("one", "ann", false);
            await("a snapshot within the interval after a change", () -> plane.member().snapshotCount() == 1);
            Thread.sleep(2500);
            assertEquals(1, plane.member().snapshotCount(), "nothing changed since: no other");
        }
        assertThrows(IllegalArgumentException.class, () -> new SnapshotPolicy(-1, Duration.ZERO));
    }

    /**
     * Token revocations are part of the plane's state: recorded by a revoke and by an RDC's owner
     * dropping an operator from its list, written in the snapshot with their count (which nodes
     * compare with their heartbeat's answer), and back after a restart from it. Without them in the
     * snapshot the restarted plane has none (and nodes would accept the revoked tokens again).
     */
    @Test
    void tokenRevocationsSurviveASnapshotAndARestart(@TempDir Path dir) {
        long rdc, annAt, version;
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 3000, SnapshotPolicy.ON_REQUEST); ControlClient c = plane.connect()) {
            rdc = c.openRdc("shop", "ann", false).rdc().id();
            c.bindName(rdc, io.rdc.runtime.kernel.Authority.OPERATORS_NAME, "bob\ncarol");
            c.bindName(rdc, io.rdc.runtime.kernel.Authority.OPERATORS_NAME, "carol"); // ann disallows bob: his tokens for shop go
            annAt = c.revokeOperatorTokens("ann");
            io.rdc.runtime.security.TokenRevocations before = revocationsOf(c);
            assertEquals(annAt, before.revokedAt("ann", 0));
            assertEquals(annAt, before.revokedAt("ann", rdc), "a revocation of every RDC's tokens holds in each");
            assertTrue(before.revokedAt("bob", rdc) > Long.MIN_VALUE, "dropped from shop's list: bob's tokens for shop are revoked");
            assertEquals(Long.MIN_VALUE, before.revokedAt("bob", 0), "only for shop");
            assertEquals(Long.MIN_VALUE, before.revokedAt("carol", rdc), "carol is still listed");
            version = before.version();
            assertEquals(2, version);
            assertThrows(OperationException.class, () -> c.revokeOperatorTokens("node:x"), "no operator's name");
            assertNull(ControlPlaneMember.snapshotRunning(dir.toFile(), null));
        }
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 3000, SnapshotPolicy.ON_REQUEST); ControlClient c = plane.connect()) {
            io.rdc.runtime.security.TokenRevocations after = revocationsOf(c);
            assertTrue(plane.member().startedFromSnapshot());
            assertEquals(annAt, after.revokedAt("ann", rdc));
            assertTrue(after.revokedAt("bob", rdc) > Long.MIN_VALUE);
            assertEquals(version, after.version(), "the count too, so nodes that read the table before the restart do not read it again for nothing");
        }
    }

    /** The plane's table as a node reads it: after a heartbeat (whose answer carries the count), then Query op 3. */
    static io.rdc.runtime.security.TokenRevocations revocationsOf(ControlClient c) {
        c.hello(new io.rdc.runtime.node.NodeInfo(201, "n201", List.of(), "", Map.of()), false);
        c.heartbeat(201, 0, 0);
        return c.tokenRevocations();
    }

    static int snapshotsInRecordingLog(Path planeDir) {
        try (RecordingLog log = new RecordingLog(new File(planeDir.toFile(), "member-0/cluster"), false)) {
            return (int) log.entries().stream().filter(e -> e.type == RecordingLog.ENTRY_TYPE_SNAPSHOT && e.serviceId == 0 && e.isValid).count();
        }
    }

    static void await(String what, BooleanSupplier done) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("not within 15 s: " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new OperationException("interrupted", e);
            }
        }
    }
}
