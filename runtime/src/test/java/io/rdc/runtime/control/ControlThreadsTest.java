package io.rdc.runtime.control;

import static org.junit.jupiter.api.Assertions.*;

import io.aeron.Aeron;
import io.aeron.driver.ThreadingMode;
import io.rdc.runtime.kernel.ControlPlane.SpaceGot;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The threads option (a bench option, docs/control-plane.md, "Fewer threads") really changes which
 * threads the member runs and which channels the client uses, as the JVM's threads and the member's
 * driver's own counters show, and a plane so configured still answers.
 */
class ControlThreadsTest {
    /** Aeron Cluster's default ingress stream id (an IPC client has an egress stream of its own). */
    static final int INGRESS_STREAM = 101;

    @Test
    void dedicatedIsTheDefaultAndKeepsTheDriverOnItsOwnThreadAndUdp() {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start()) {
            assertEquals(ControlThreads.DEDICATED, plane.member().config().threads());
            assertEquals(ThreadingMode.SHARED, plane.member().driverThreadingMode());
            try (ControlClient c = plane.connect()) {
                assertEquals(ControlThreads.DEDICATED, c.config().threads());
                c.echo();
                List<String> labels = counterLabels(plane);
                assertTrue(has(labels, "pub-pos", INGRESS_STREAM, "aeron:udp"), "ingress over UDP: " + labels);
                assertFalse(has(labels, "pub-pos", INGRESS_STREAM, "aeron:ipc"), "no IPC ingress: " + labels);
            }
            assertTrue(driverThreadRuns(), "a dedicated driver has a thread of its own: " + threadNames());
            assertTrue(consensusThreadRuns(), "so has the consensus module: " + threadNames());
        }
    }

    @Test
    void sharedRunsDriverArchiveAndConsensusModuleOnOneThread() {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(null, ControlService.DEFAULT_UNREACHABLE_AFTER_MS, ControlIdle.BACKOFF,
                ControlThreads.SHARED)) {
            assertEquals(ThreadingMode.INVOKER, plane.member().driverThreadingMode());
            assertFalse(driverThreadRuns(), "no thread of the driver's own: " + threadNames());
            assertFalse(consensusThreadRuns(), "nor of the consensus module's: " + threadNames());
            assertTrue(threadNames().contains("rdc-control-0-driver-archive-consensus"), "one thread runs the three: " + threadNames());
            try (ControlClient c = plane.connect()) {
                c.echo();
                assertTrue(has(counterLabels(plane), "pub-pos", INGRESS_STREAM, "aeron:udp"), "shared keeps UDP ingress");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ControlThreads.class, names = {"DEDICATED_IPC", "SHARED_IPC"})
    void ipcSendsAndAnswersOverIpcAndStillServesTheSpace(ControlThreads threads) {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(null, ControlService.DEFAULT_UNREACHABLE_AFTER_MS, ControlIdle.BACKOFF,
                threads)) {
            assertEquals(threads == ControlThreads.SHARED_IPC ? ThreadingMode.INVOKER : ThreadingMode.SHARED, plane.member().driverThreadingMode());
            try (ControlClient c = plane.connect()) {
                c.echo();
                long rdc = c.openRdc("threads-ipc", "tester", false).rdc().id();
                RefDescriptor ref = new RefDescriptor(RefKind.STREAM, 0, Ids.channel(201, 9, false), Ids.make(201, 1), 0, false, 0);
                c.spacePut(rdc, "x", ref, Kernel.DONTCACHE);
                SpaceGot got = c.spaceGet(rdc, "x", 1, TimeUnit.SECONDS.toNanos(10));
                assertEquals(Ids.channel(201, 9, false), got.ref().channel());
                List<String> labels = counterLabels(plane);
                assertTrue(has(labels, "pub-pos", INGRESS_STREAM, "aeron:ipc"), "ingress over IPC: " + labels);
                assertTrue(c.ipcEgressStream() != 0 && has(labels, "pub-pos", c.ipcEgressStream(), "aeron:ipc"), "egress over IPC: " + labels);
                try (ControlClient other = plane.connect()) {
                    // A stream each: IPC subscribers of one stream would all read (and the slowest hold back) every session's answers.
                    assertNotEquals(c.ipcEgressStream(), other.ipcEgressStream());
                    other.echo();
                    c.echo();
                }
                assertFalse(has(labels, "pub-pos", INGRESS_STREAM, "aeron:udp"), "no UDP ingress: " + labels);
            }
        }
    }

    @Test
    void ipcNeedsTheMembersDriverAndNamesAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ControlClientConfig.of("localhost:9010").withThreads(ControlThreads.SHARED_IPC));
        assertTrue(e.getMessage().contains("need the member's media driver"), e.getMessage());
        assertEquals(ControlThreads.SHARED_IPC, ControlThreads.parse("Shared_IPC"));
        assertEquals("shared-ipc", ControlThreads.SHARED_IPC.jsonName());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ControlThreads.parse("few"));
        assertTrue(bad.getMessage().contains("known: dedicated, dedicated-ipc, shared, shared-ipc"), bad.getMessage());
    }

    /** The labels of the counters in the member's driver (publications' positions name their stream and channel). */
    static List<String> counterLabels(EmbeddedControlPlane plane) {
        List<String> labels = new ArrayList<>();
        try (Aeron a = Aeron.connect(new Aeron.Context().aeronDirectoryName(plane.member().aeronDirectoryName()))) {
            a.countersReader().forEach((id, type, key, label) -> labels.add(label));
        }
        return labels;
    }

    /** A counter such as "pub-pos (sampled): 12 345 101 aeron:ipc?term-length=256k". */
    static boolean has(List<String> labels, String kind, int streamId, String channelPrefix) {
        return labels.stream().anyMatch(l -> l.startsWith(kind) && l.contains(" " + streamId + " " + channelPrefix));
    }

    /** A media driver running on its own thread, in any threading mode but INVOKER, names it after its conductor. */
    static boolean driverThreadRuns() {
        return threadNames().stream().anyMatch(n -> n.contains("driver-conductor"));
    }

    /** The consensus module's agent runner names its thread after the module's role. */
    static boolean consensusThreadRuns() {
        return threadNames().stream().anyMatch(n -> n.startsWith("consensus-module"));
    }

    static List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName).toList();
    }
}
