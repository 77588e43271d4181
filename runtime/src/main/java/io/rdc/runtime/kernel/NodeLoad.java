package io.rdc.runtime.kernel;

import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Wire;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.rdc.runtime.kernel.Kernel.*;

/** Node status and load (appendix B's inc_nodes): from the control plane's view of members, or asked of each node. */
final class NodeLoad {
    private final Kernel k;

    NodeLoad(Kernel k) {
        this.k = k;
    }

    /** The node list with load (appendix B's inc_nodes), optionally only one group's nodes. */
    public List<NodeStatus> nodes(String group) {
        List<NodeStatus> all = nodeStatuses();
        if (group == null) return all;
        return all.stream().filter(n -> n.groups().contains(group)).toList();
    }

    // ---- node status

    int liveIncarnations() {
        int n = 0;
        for (Incarnation i : k.incarnations.values()) if (!i.pseudo && !i.destroyed) n++;
        return n;
    }

    /** This node's load, as heartbeats report it. */
    public double currentLoad() {
        return load();
    }

    /** Load: runnable-ish incarnations here (those with queued work), a cheap proxy for processor load. */
    double load() {
        double l = 0;
        for (Incarnation i : k.incarnations.values()) if (!i.pseudo && i.inbox.size() > 0) l++;
        return l;
    }

    public List<NodeStatus> nodeStatuses() {
        List<NodeStatus> out = new ArrayList<>();
        ControlPlane cp = k.pool.control();
        if (cp != null) {
            // The control plane knows which nodes are alive (no 2 s wait on a dead one); the live
            // ones are asked for their counts now, since heartbeats are up to half a second old
            // (pick spreads a burst of creations by them).
            for (ControlPlane.Member m : cp.members()) {
                if (m.operator()) continue;
                NodeInfo n = m.info();
                k.pool.learn(n, false);
                if (!m.reachable()) {
                    out.add(new NodeStatus(n.id(), n.name(), n.groups(), false, m.incarnations(), m.load()));
                    continue;
                }
                NodeStatus live = liveStatus(n);
                out.add(live != null ? live : new NodeStatus(n.id(), n.name(), n.groups(), true, m.incarnations(), m.load()));
            }
            return out;
        }
        for (NodeInfo n : k.pool.nodes()) {
            NodeStatus live = liveStatus(n);
            out.add(live != null ? live : new NodeStatus(n.id(), n.name(), n.groups(), false, 0, 0));
        }
        return out;
    }

    /** A node's counts, asked of it now (2 s at most); null when it does not answer. */
    NodeStatus liveStatus(NodeInfo n) {
        try {
            Response r = k.requests.request(n.id(), OP_NODE_STATUS, new Wire.Writer(), TimeUnit.SECONDS.toNanos(2));
            Wire.Reader rd = r.reader();
            int live = rd.i32();
            double load = Double.longBitsToDouble(rd.i64());
            return new NodeStatus(n.id(), n.name(), n.groups(), true, live, load, rd.hasMore() ? rd.i64() : 0);
        } catch (OperationException e) {
            return null;
        }
    }

    /** This node's counts: live incarnations, load, refused frames. */
    void onNodeStatus(int src, long call, Wire.Reader r) {
        k.publisher.respond(src, call, Frames.OK, k.publisher.kw.reset().i32(liveIncarnations()).i64(Double.doubleToLongBits(load()))
                .i64(k.transport.refusedFrames()));
    }
}
