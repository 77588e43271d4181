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

    /**
     * Load: the incarnations running guest code now or with work queued (and not frozen), the
     * dissertation's "processes running or eligible to run" (§3.4). An incarnation blocked in an
     * invoke or a receive with nothing queued does not count: it loads the node very little (§7.4).
     */
    double load() {
        double l = 0;
        for (Incarnation i : k.incarnations.values())
            if (!i.pseudo && !i.destroyed && (i.inGuest() || (i.state() == Incarnation.State.EXECUTING && i.inbox.size() > 0))) l++;
        return l;
    }

    /** Messages, events and timers queued at this node's incarnations. */
    long queued() {
        long q = 0;
        for (Incarnation i : k.incarnations.values()) if (!i.pseudo && !i.destroyed) q += i.inbox.size();
        return q;
    }

    // ---- handler time: summed as each handler ends, turned into a share of wall time when sampled

    /** Handler wall time of the incarnations that ran here, added as each handler ends (many threads: an adder, no lock). */
    private final java.util.concurrent.atomic.LongAdder handlerNanos = new java.util.concurrent.atomic.LongAdder();
    /** A sample covers at least this much time, so that frequent askers (heartbeats, balancers, views) see a steady figure. */
    static final long BUSY_WINDOW_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private long sampledAt, sampledHandlerNanos;
    private double busy;

    /** An incarnation's handler ran {@code nanos} here (Incarnation.recordHandler). */
    void handlerEnded(long nanos) {
        handlerNanos.add(nanos);
    }

    /**
     * Handler time per wall time over the last window of at least {@link #BUSY_WINDOW_NS} (1.0: one
     * handler running all the time). A handler is counted when it ends, so one that runs for
     * seconds shows then; {@link #load()} shows it at once.
     */
    synchronized double busy() {
        long now = System.nanoTime(), h = handlerNanos.sum();
        if (sampledAt == 0) {
            sampledAt = now;
            sampledHandlerNanos = h;
        } else if (now - sampledAt >= BUSY_WINDOW_NS) {
            busy = (h - sampledHandlerNanos) / (double) (now - sampledAt);
            sampledAt = now;
            sampledHandlerNanos = h;
        }
        return busy;
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

    /** A node's answer to a status query; a node older than schema version 2 does not count unreadable messages, one older than 3 reports no queued or busy figures, one older than 5 no refused requests (0). */
    static NodeStatus statusOf(NodeInfo n, Response r) {
        NodeStatusReportDecoder d = r.read(new NodeStatusReportDecoder());
        long unreadable = d.unreadableMessages() == NodeStatusReportDecoder.unreadableMessagesNullValue() ? 0 : d.unreadableMessages();
        long queued = d.queued() == NodeStatusReportDecoder.queuedNullValue() ? 0 : d.queued();
        double busy = Double.isNaN(d.busy()) ? 0 : d.busy();
        long refusedRequests = d.refusedRequests() == NodeStatusReportDecoder.refusedRequestsNullValue() ? 0 : d.refusedRequests();
        return new NodeStatus(n.id(), n.name(), n.groups(), true, d.incarnations(), d.load(), d.refusedFrames(), unreadable, queued, busy, refusedRequests);
    }

    private final NodeStatusReportEncoder report = new NodeStatusReportEncoder();

    /** This node's counts: live incarnations, load, refused frames, unreadable kernel messages, queued work, handler time. */
    void onNodeStatus(int src, long call, NodeStatusQueryDecoder query) {
        KernelCodec.Outgoing out = k.publisher.out;
        out.begin(report).incarnations(liveIncarnations()).load(load()).refusedFrames(k.transport.refusedFrames())
                .unreadableMessages(k.adapter.refusedMessages()).queued(queued()).busy(busy()).refusedRequests(k.authority.refusedRequests());
        k.publisher.respond(src, call, Frames.OK, out);
    }
}
