package io.rdc.runtime.kernel;

import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.kernel.codec.NodeStatusQueryDecoder;
import io.rdc.runtime.kernel.codec.NodeStatusQueryEncoder;
import io.rdc.runtime.kernel.codec.NodeStatusReportDecoder;
import io.rdc.runtime.kernel.codec.NodeStatusReportEncoder;
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
            return statusOf(n, k.requests.request(n.id(), OP_NODE_STATUS, statusQuery(), TimeUnit.SECONDS.toNanos(2)));
        } catch (OperationException e) {
            return null;
        }
    }

    static KernelCodec.Outgoing statusQuery() {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(16);
        q.begin(new NodeStatusQueryEncoder());
        return q;
    }

    /** A node's answer to a status query; a node older than schema version 2 does not count unreadable messages (0). */
    static NodeStatus statusOf(NodeInfo n, Response r) {
        NodeStatusReportDecoder d = r.read(new NodeStatusReportDecoder());
        long unreadable = d.unreadableMessages() == NodeStatusReportDecoder.unreadableMessagesNullValue() ? 0 : d.unreadableMessages();
        return new NodeStatus(n.id(), n.name(), n.groups(), true, d.incarnations(), d.load(), d.refusedFrames(), unreadable);
    }

    private final NodeStatusReportEncoder report = new NodeStatusReportEncoder();

    /** This node's counts: live incarnations, load, refused frames, unreadable kernel messages. */
    void onNodeStatus(int src, long call, NodeStatusQueryDecoder query) {
        KernelCodec.Outgoing out = k.publisher.out;
        out.begin(report).incarnations(liveIncarnations()).load(load()).refusedFrames(k.transport.refusedFrames())
                .unreadableMessages(k.adapter.refusedMessages());
        k.publisher.respond(src, call, Frames.OK, out);
    }
}
