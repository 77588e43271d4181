package io.rdc.runtime.control;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.ControlPlane.OnDemandNode;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.node.NodeInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control service's side of SR's srx (docs/pool-ondemand.md): the nodes RDCs ask for, as
 * replicated state that coordinators act on. Fresh ids, a claim granted once, hello turns a node
 * UP, destroy/stop/terminate end it, and all of it survives a snapshot and restart.
 */
class OnDemandNodesTest {

    private static Map<Integer, OnDemandNode> byId(List<OnDemandNode> nodes) {
        Map<Integer, OnDemandNode> m = new java.util.TreeMap<>();
        for (OnDemandNode n : nodes) m.put(n.node(), n);
        return m;
    }

    /** The node as the plane knows it once it is FAILED, or after 30 s. */
    private static OnDemandNode awaitFailed(ControlClient c, int node) throws InterruptedException {
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        OnDemandNode n;
        do {
            Thread.sleep(100);
            n = byId(c.findNodes(0)).get(node);
        } while (!n.state().equals("FAILED") && System.nanoTime() < until);
        return n;
    }

    @Test
    void nodesAreAskedForClaimedOnceComeUpWithTheirHelloAndEndOnStopAcrossARestart(@TempDir Path dir) {
        long rdc;
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 60_000, SnapshotPolicy.ON_REQUEST); ControlClient c = plane.connect()) {
            rdc = c.openRdc("grow", "ann", false).rdc().id();
            c.hello(new NodeInfo(1001, "by-hand", List.of("all"), "jvm", Map.of()), false); // a node id in use is not handed out
            List<OnDemandNode> made = c.createNodes(rdc, "balanced", "", 2);
            assertEquals(List.of(1002, 1003), made.stream().map(OnDemandNode::node).toList());
            assertTrue(made.stream().allMatch(n -> n.state().equals("WANTED") && n.group().equals("balanced") && n.rdc() == rdc), made.toString());

            assertTrue(c.reportNode(1002, OnDemandNodes.State.STARTING, 0, 0, "local", ""), "the first claim is granted");
            assertFalse(c.reportNode(1002, OnDemandNodes.State.STARTING, 1, 0, "local", ""), "a second coordinator's claim is not");
            assertThrows(OperationException.class, () -> c.reportNode(1002, OnDemandNodes.State.STARTING, 1, 4242, "", ""),
                    "only the claimant reports on it");
            c.reportNode(1002, OnDemandNodes.State.STARTING, 0, 4242, "", "");
            assertEquals(4242, byId(c.findNodes(rdc)).get(1002).pid());
            c.hello(new NodeInfo(1002, "node1002", List.of("balanced"), "jvm", Map.of()), false);
            OnDemandNode up = byId(c.findNodes(0)).get(1002);
            assertEquals("UP", up.state());
            assertEquals("local", up.host());

            assertTrue(c.destroyNode(1002));
            assertEquals("STOPPING", byId(c.findNodes(rdc)).get(1002).state());
            c.reportNode(1002, OnDemandNodes.State.STOPPED, 0, 0, "", "");
            assertEquals("STOPPED", byId(c.findNodes(rdc)).get(1002).state());
            assertFalse(c.destroyNode(1002), "ended already");
            assertThrows(OperationException.class, () -> c.destroyNode(77), "a node the coordinator did not start");
            assertThrows(OperationException.class, () -> c.createNodes(rdc, "", "", 0));
            assertNull(ControlPlaneMember.snapshotRunning(dir.toFile(), null));
        }
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 60_000, SnapshotPolicy.ON_REQUEST); ControlClient c = plane.connect()) {
            Map<Integer, OnDemandNode> back = byId(c.findNodes(0));
            assertTrue(plane.member().startedFromSnapshot());
            assertEquals("STOPPED", back.get(1002).state());
            assertEquals("WANTED", back.get(1003).state());
            assertEquals(List.of(1004), c.createNodes(rdc, "", "", 1).stream().map(OnDemandNode::node).toList(), "ids are not handed out twice");
            c.reportNode(1004, OnDemandNodes.State.STARTING, 0, 0, "local", "");
            // The RDC's end ends its nodes: one never started is simply STOPPED, a started one is for its coordinator to stop.
            c.terminateRdc(rdc);
            Map<Integer, OnDemandNode> after = byId(c.findNodes(0));
            assertEquals("STOPPED", after.get(1003).state());
            assertEquals("STOPPING", after.get(1004).state());
        }
    }

    @Test
    void askingAPlaneWithoutACoordinatorFailsSayingSoAndLeavesNothingToStartLater(@TempDir Path dir) {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 60_000, SnapshotPolicy.ON_REQUEST); ControlClient c = plane.connect()) {
            OperationException e = assertThrows(OperationException.class,
                    () -> io.rdc.runtime.pool.OnDemand.create(c, 0, "", "", 1, java.time.Duration.ofSeconds(5), n -> {}));
            assertTrue(e.getMessage().contains("no coordinator claimed node(s) [1001] within 5 s"), e.getMessage());
            assertEquals("STOPPED", byId(c.findNodes(0)).get(1001).state());
        }
    }

    @Test
    void aNodeWhoseProcessExitsIsReportedFailedWithWhatItSaid(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("pool.key"), logs = dir.resolve("logs");
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.resolve("plane").toFile(), null, 60_000, SnapshotPolicy.ON_REQUEST);
             ControlClient c = plane.connect();
             NodeCoordinator coordinator = NodeCoordinator.start(plane.member(), NodeHosts.localOnly(), key, logs,
                     List.of("sh", "-c", "echo no java here; exit 3", "sh"))) {
            int node = c.createNodes(0, "", "", 1).getFirst().node();
            OnDemandNode n = awaitFailed(c, node);
            assertEquals("FAILED", n.state(), n.toString());
            assertEquals("local", n.host());
            assertTrue(n.error().contains("its process exited (code 3): no java here"), n.error());
            assertTrue(Files.readString(logs.resolve("node-" + node + ".log")).contains("no java here"));
            assertTrue(coordinator.processes().isEmpty());
        }
    }

    @Test
    void aHostTheCoordinatorMayNotUseFailsTheNodeNamingTheHostsItMay(@TempDir Path dir) throws Exception {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.resolve("plane").toFile(), null, 60_000, SnapshotPolicy.ON_REQUEST);
             ControlClient c = plane.connect();
             NodeCoordinator ignored = NodeCoordinator.start(plane.member(), NodeHosts.localOnly(), dir.resolve("k"), dir, List.of("true"))) {
            int node = c.createNodes(0, "", "elsewhere", 1).getFirst().node();
            OnDemandNode n = awaitFailed(c, node);
            assertEquals("FAILED", n.state());
            assertTrue(n.error().contains("host 'elsewhere' is not one this coordinator may use") && n.error().contains("local"), n.error());
        }
    }
}
