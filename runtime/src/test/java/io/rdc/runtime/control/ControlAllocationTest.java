package io.rdc.runtime.control;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.node.NodeInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool users file and node allocation in the control plane (docs/pool.md), on a real one-member
 * plane: refusals name the file and line, exclusive nodes go to one RDC at a time and come back on
 * release and termination, waiting requests are served in order, and all of it (users file,
 * allocations, waiting requests) outlives a restart from a snapshot plus the log after it.
 */
class ControlAllocationTest {
    static final String USERS = """
            # users of the test pool (fig. 3.4)
            tim:systems
            ann:exclusive,systems
            esin:exclusive
            """;

    private static List<Integer> nodes(ControlPlane.Allocation a) {
        return a.nodes().stream().map(ControlPlane.AllocatedNode::node).toList();
    }

    private static void hello(ControlClient c, int id, String... groups) {
        c.hello(new NodeInfo(id, "n" + id, List.of(groups), "jvm", Map.of()), false);
    }

    @Test
    void usersAndAllocationsAreEnforcedInOrderAndOutliveARestart(@TempDir Path dir) {
        long ann, esin;
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 60_000); ControlClient c = plane.connect()) {
            OperationException bad = assertThrows(OperationException.class, () -> c.setUsers("users.txt", "tim:systems\nann exclusive\n"));
            assertTrue(bad.getMessage().contains("users.txt:2: expected user:group,group,... (fig. 3.4), not 'ann exclusive'"), bad.getMessage());
            assertEquals(3, c.setUsers("users.txt", USERS));
            hello(c, 201, "systems", "all");
            hello(c, 202, "exclusive", "all");
            hello(c, 204, "exclusive", "all");

            OperationException eve = assertThrows(OperationException.class, () -> c.openRdc("eve-app", "eve", false));
            assertTrue(eve.getMessage().contains("user 'eve' is not in the pool users file users.txt (its users: tim, ann, esin)"), eve.getMessage());
            long tim = c.openRdc("tim-app", "tim", false).rdc().id();
            ann = c.openRdc("ann-app", "ann", false).rdc().id();
            assertEquals(List.of(201), nodes(c.allocation(ann)), "launch: the shared nodes of the owner's groups");
            OperationException group = assertThrows(OperationException.class, () -> c.allocate(tim, 1, "exclusive"));
            assertTrue(group.getMessage().contains("user 'tim' may not use node group 'exclusive': users.txt:2 gives them only systems ('tim:systems')"),
                    group.getMessage());

            long before = c.heartbeat(201, 0, 0);
            ControlPlane.Allocation a = c.allocate(ann, 3, "exclusive");
            assertEquals(List.of(201, 202, 204), nodes(a));
            assertEquals(1, a.pending(), "three asked, two exclusive nodes exist: one waits");
            assertTrue(c.heartbeat(201, 0, 0) > before, "a heartbeat's answer says the allocation moved");
            assertEquals(List.of(ann), c.nodeAllocation(202).nodes().stream().map(ControlPlane.AllocatedNode::rdc).toList());

            esin = c.openRdc("esin-app", "esin", false).rdc().id();
            ControlPlane.Allocation waiting = c.allocate(esin, 1, "exclusive");
            assertEquals(List.of(), nodes(waiting), "ann holds both exclusive nodes");
            assertEquals(1, waiting.pending());
            assertTrue(plane.takeSnapshot(Duration.ofSeconds(10)));

            // In the log after the snapshot: ann gives 204 back (and withdraws her own waiting request); esin's is served.
            ControlPlane.Allocation released = c.release(ann, 204);
            assertEquals(List.of(201, 202), nodes(released));
            assertEquals(0, released.pending());
            assertEquals(List.of(204), nodes(c.allocation(esin)));
            OperationException notHers = assertThrows(OperationException.class, () -> c.release(ann, 204));
            assertTrue(notHers.getMessage().contains("release node 204: it is not allocated to RDC"), notHers.getMessage());
        }
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 60_000); ControlClient c = plane.connect()) {
            assertEquals(List.of(201, 202), nodes(c.allocation(ann)), "allocations outlive the restart");
            assertEquals(List.of(204), nodes(c.allocation(esin)));
            assertThrows(OperationException.class, () -> c.openRdc("eve-app", "eve", false), "the users file outlives the restart");
            ControlPlane.Allocation more = c.allocate(esin, 1, "exclusive");
            assertEquals(1, more.pending(), "202 is ann's");
            c.terminateRdc(ann);
            assertEquals(List.of(202, 204), nodes(c.allocation(esin)), "an RDC's exclusive nodes go back to the pool when it terminates, to the waiting request");
            assertTrue(c.nodeAllocation(201).nodes().stream().noneMatch(n -> n.rdc() == ann), "a terminated RDC is allocated nothing");
        }
    }

    @Test
    void withoutAUsersFileThePoolIsOpen() {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(); ControlClient c = plane.connect()) {
            hello(c, 202, "exclusive");
            long rdc = c.openRdc("anyone-app", "anyone", false).rdc().id();
            assertTrue(c.allocation(rdc).open());
            OperationException e = assertThrows(OperationException.class, () -> c.allocate(rdc, 1, "exclusive"));
            assertTrue(e.getMessage().contains("this pool has no users file, so every RDC may use every node already"), e.getMessage());
            ControlPlane.Allocation view = c.nodeAllocation(202);
            assertTrue(view.open());
            assertEquals("anyone", view.nodes().getFirst().owner(), "nodes still learn owners (their access lists check them)");
        }
    }

    /** Heartbeats {@code live} every 100 ms for {@code ms}: the others stay silent. */
    private static void beat(ControlClient c, long ms, int... live) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < end) {
            for (int n : live) c.heartbeat(n, 0, 0);
            Thread.sleep(100);
        }
    }

    @Test
    void aNodeThatStopsAnsweringLeavesItsAllocationsAndAnExclusiveHolderGetsAReplacement(@TempDir Path dir) throws Exception {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 1_000); ControlClient c = plane.connect()) {
            c.setUsers("users.txt", "ann:exclusive,systems\n");
            hello(c, 201, "systems");
            hello(c, 202, "exclusive");
            hello(c, 203, "exclusive");
            hello(c, 204, "systems");
            long ann = c.openRdc("ann-app", "ann", false).rdc().id();
            assertEquals(List.of(201, 202, 204), nodes(c.allocate(ann, 1, "exclusive")));
            // 202 goes silent past the liveness bound: it leaves ann's allocation and 203 replaces it.
            beat(c, 2_000, 201, 203, 204);
            assertEquals(List.of(201, 203, 204), nodes(c.allocation(ann)), "the dead exclusive node replaced");
            assertEquals(List.of(), c.nodeAllocation(202).nodes(), "nothing is aimed at the dead node");
            // A shared node that goes silent leaves too, and comes back when it answers again.
            beat(c, 2_000, 201, 203);
            assertEquals(List.of(201, 203), nodes(c.allocation(ann)));
            c.heartbeat(204, 0, 0);
            assertEquals(List.of(201, 203, 204), nodes(c.allocation(ann)), "the shared node answers again: given back");
            // The old exclusive node answers again: free for whoever asks, ann has her replacement.
            c.heartbeat(202, 0, 0);
            assertEquals(List.of(201, 203, 204), nodes(c.allocation(ann)));
            assertEquals(List.of(201, 202, 203, 204), nodes(c.allocate(ann, 1, "exclusive")), "202 is free again");
        }
    }
}
