package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.NodeStatus;
import io.rdc.runtime.kernel.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The web view's event log: what changed between two looks at the pool, one line each. */
class WebModelTest {
    static final long W = Ids.make(201, 12), SPOOL = Ids.make(204, 1), GONE = Ids.make(202, 1);
    static final long SCHED_CH = Ids.make(201, 9), PRINTER1 = Ids.make(204, 2), PRINTER2 = Ids.make(203, 7);

    static NodeStatus node(int id, boolean reachable) {
        return new NodeStatus(id, "node" + (id - 200), List.of("all"), reachable, 1, 0);
    }

    static GraphView.Inc worker(long gid, String name, int node, String state, long out) {
        return new GraphView.Inc(gid, name, "worker", state, node, List.of(),
                List.of(new Status.StreamStatus(Ids.make(Ids.node(gid), 50), out, 0, 0, null, "out"),
                        new Status.StreamStatus(Ids.make(Ids.node(gid), 51), SCHED_CH, 0, 0, null, "tasks")));
    }

    static GraphView.Inc spooler(long channel) {
        return new GraphView.Inc(SPOOL, "spooler", "spooler", "EXECUTING", 204,
                List.of(new Status.PortStatus(Ids.make(204, 3), channel, 0, "in", List.of())), List.of());
    }

    static WebModel.Snapshot look(List<NodeStatus> nodes, GraphView.Inc... incs) {
        return new WebModel.Snapshot(nodes, List.of(incs), Map.of(), Map.of(PRINTER1, "printer1", PRINTER2, "printer2"), "");
    }

    @Test
    void migrationsRewiringStatesNodesAndDepartures() {
        WebModel.Snapshot before = look(List.of(node(201, true), node(204, true)),
                worker(W, "w1", 201, "EXECUTING", PRINTER1), spooler(PRINTER1), worker(GONE, "w2", 202, "EXECUTING", PRINTER1));
        WebModel.Snapshot after = look(List.of(node(201, true), node(204, false)),
                worker(W, "w1", 203, "FROZEN", PRINTER2), spooler(PRINTER2), worker(Ids.make(203, 9), "w3", 203, "EXECUTING", PRINTER1));
        assertEquals(List.of(
                "node 204 (node4) is UNREACHABLE",
                "w1 (201.12) migrated from node 201 to node 203",
                "w1 (201.12) EXECUTING → FROZEN",
                "w1.out rebound to channel \"printer2\" 203.7 (was \"printer1\" 204.2)",
                "spooler.in attached to channel \"printer2\" 203.7 (was \"printer1\" 204.2)",
                "w3 (203.9) created at node 203, module worker",
                "w2 (202.1) is gone from node 202"), WebModel.changes(before, after));
        assertEquals(List.of(), WebModel.changes(after, after), "nothing changed, nothing to say");
    }
}
