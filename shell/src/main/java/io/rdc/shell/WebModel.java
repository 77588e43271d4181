package io.rdc.shell;

import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.NodeStatus;
import io.rdc.runtime.kernel.Status;
import io.rdc.runtime.operator.Operator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the web page shows, taken from the operator's views (the node list with load, the
 * incarnations with their status, as {@code graph} builds them): one snapshot as JSON, and what
 * changed between two snapshots as lines for the page's event log. Every id is a string
 * ({@code "201.10"}): as a JSON number it would read as 201.1, another incarnation.
 */
final class WebModel {
    private WebModel() {}

    /** One look at the pool; {@code queued} by incarnation id, from the listing; {@code json} is what the page receives. */
    record Snapshot(List<NodeStatus> nodes, List<GraphView.Inc> incarnations, Map<Long, Integer> queued, Map<Long, String> channelLabels, String json) {
        GraphView.Inc incarnation(String id) {
            for (GraphView.Inc i : incarnations) if (Ids.show(i.gid()).equals(id)) return i;
            return null;
        }
    }

    static final Snapshot EMPTY = new Snapshot(List.of(), List.of(), Map.of(), Map.of(), "{}");

    /**
     * Looks at RDC {@code rdc} (0: every RDC). A look lists the nodes when {@code readNodes} (from the
     * control plane's membership when there is one: one request, not one per node; else the previous
     * look's, as reachability changes in seconds anyway) and the incarnations with their
     * node, state and queue; an incarnation's interfaces (its status: one request each) are asked
     * again only when it is new or its node or state changed, or in a {@code full} look, which also
     * re-reads the channel labels. So a migration costs the next look one status, and a look stays
     * a few requests however big the RDC (docs/web.md).
     *
     * <p>Two entries for one incarnation (the moment of a migration) count once, the one not
     * MIGRATING. An incarnation the previous look saw and this one's list lacks is asked for its
     * status before it is called gone: the list skips a node that does not answer, and a migrating
     * incarnation may be between nodes. One whose node cannot be reached stays, marked UNREACHABLE:
     * the operator wants to see what was there.
     */
    static Snapshot take(Operator op, long rdc, Snapshot previous, boolean full, boolean readNodes) {
        List<NodeStatus> nodes = readNodes || previous.nodes().isEmpty() ? nodes(op) : previous.nodes();
        Map<Long, GraphView.Inc> before = new HashMap<>();
        for (GraphView.Inc i : previous.incarnations()) before.put(i.gid(), i);
        Map<Long, Kernel.Listed> listed = new LinkedHashMap<>();
        for (Kernel.Listed l : op.list(rdc)) {
            Kernel.Listed seen = listed.get(l.gid());
            if (seen == null || seen.state() == Incarnation.State.MIGRATING) listed.put(l.gid(), l);
        }
        Map<Long, GraphView.Inc> byGid = new LinkedHashMap<>();
        Map<Long, Integer> queued = new HashMap<>();
        for (Kernel.Listed l : listed.values()) {
            GraphView.Inc was = before.get(l.gid());
            queued.put(l.gid(), l.queued());
            if (!full && was != null && was.node() == l.node() && was.state().equals(l.state().name())) {
                byGid.put(l.gid(), was);
                continue;
            }
            try {
                Status s = op.statusOf(l.gid());
                byGid.put(l.gid(), new GraphView.Inc(l.gid(), l.name(), l.module(), s.state().name(), s.node(), s.ports(), s.streams()));
            } catch (RuntimeException gone) {
                byGid.put(l.gid(), new GraphView.Inc(l.gid(), l.name(), l.module(), l.state().name(), l.node(),
                        was == null ? List.of() : was.ports(), was == null ? List.of() : was.streams()));
            }
        }
        Set<Integer> unreachable = new LinkedHashSet<>();
        for (NodeStatus n : nodes) if (!n.reachable()) unreachable.add(n.id());
        for (GraphView.Inc i : previous.incarnations()) {
            if (byGid.containsKey(i.gid())) continue;
            GraphView.Inc still = unreachable.contains(i.node()) ? unreachable(i) : missing(op, i);
            if (still != null) byGid.put(i.gid(), still);
        }
        List<GraphView.Inc> incs = new ArrayList<>(byGid.values());
        Map<Long, String> labels = new HashMap<>(previous.channelLabels());
        if (full || !labels.keySet().containsAll(channels(incs))) {
            Map<String, String> shown = GraphView.channelLabels(op);
            for (long ch : channels(incs)) {
                String l = shown.get(Ids.show(ch));
                if (l != null) labels.put(ch, l);
            }
        }
        return new Snapshot(nodes, incs, queued, labels, json(nodes, incs, queued, labels));
    }

    /** The nodes: from the control plane's membership (heartbeat load and counts), else asked one by one. */
    private static List<NodeStatus> nodes(Operator op) {
        ControlPlane cp = op.control();
        if (cp == null) return op.nodes();
        List<NodeStatus> out = new ArrayList<>();
        for (ControlPlane.Member m : cp.members())
            if (!m.operator()) out.add(new NodeStatus(m.info().id(), m.info().name(), m.info().groups(), m.reachable(), m.incarnations(), m.load()));
        out.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return out;
    }

    private static Set<Long> channels(List<GraphView.Inc> incs) {
        Set<Long> out = new LinkedHashSet<>();
        for (GraphView.Inc i : incs) {
            for (Status.PortStatus p : i.ports()) out.add(p.channel());
            for (Status.StreamStatus st : i.streams()) out.add(st.channel());
        }
        return out;
    }

    private static GraphView.Inc unreachable(GraphView.Inc i) {
        return new GraphView.Inc(i.gid(), i.name(), i.module(), "UNREACHABLE", i.node(), i.ports(), i.streams());
    }

    /** An incarnation the list lacks: as its status says, UNREACHABLE when its node does not answer, or null when it is gone. */
    private static GraphView.Inc missing(Operator op, GraphView.Inc i) {
        try {
            Status s = op.statusOf(i.gid());
            return new GraphView.Inc(i.gid(), i.name(), i.module(), s.state().name(), s.node(), s.ports(), s.streams());
        } catch (RuntimeException e) {
            String why = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
            return why.contains("unreachable") || why.contains("did not answer") ? unreachable(i) : null;
        }
    }

    private static String json(List<NodeStatus> nodes, List<GraphView.Inc> incs, Map<Long, Integer> queuedByInc, Map<Long, String> labels) {
        List<Object> ns = new ArrayList<>();
        for (NodeStatus n : nodes) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", String.valueOf(n.id()));
            o.put("name", n.name());
            o.put("groups", n.groups());
            o.put("reachable", n.reachable());
            o.put("load", n.reachable() ? n.load() : null);
            o.put("incarnations", n.reachable() ? n.incarnations() : null);
            ns.add(o);
        }
        List<Object> is = new ArrayList<>();
        Map<Long, Map<String, Object>> channels = new LinkedHashMap<>();
        List<Object> edges = new ArrayList<>();
        Set<String> edgeIds = new LinkedHashSet<>();
        for (GraphView.Inc i : incs) {
            String id = Ids.show(i.gid());
            List<Object> ports = new ArrayList<>(), streams = new ArrayList<>();
            for (Status.PortStatus p : i.ports()) {
                ports.add(Map.of("name", name(p.name()), "channel", Ids.show(p.channel()), "queued", p.queued()));
                channel(channels, p.channel(), labels);
                edge(edges, edgeIds, "c" + Ids.show(p.channel()), "i" + id, name(p.name()), "port");
            }
            for (Status.StreamStatus s : i.streams()) {
                if (GraphView.copy(i, s)) continue;
                Map<String, Object> so = new LinkedHashMap<>();
                so.put("name", name(s.name()));
                so.put("channel", Ids.show(s.channel()));
                so.put("failure", s.failure());
                streams.add(so);
                channel(channels, s.channel(), labels);
                edge(edges, edgeIds, "i" + id, "c" + Ids.show(s.channel()), name(s.name()), "stream");
            }
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", id);
            o.put("name", i.name());
            o.put("module", i.module());
            o.put("node", String.valueOf(i.node()));
            o.put("state", i.state());
            o.put("queued", queuedByInc.getOrDefault(i.gid(), 0));
            o.put("ports", ports);
            o.put("streams", streams);
            is.add(o);
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("nodes", ns);
        model.put("incarnations", is);
        model.put("channels", new ArrayList<>(channels.values()));
        model.put("edges", edges);
        return io.rdc.runtime.util.Json.write(model);
    }

    private static void channel(Map<Long, Map<String, Object>> channels, long ch, Map<Long, String> labels) {
        channels.computeIfAbsent(ch, k -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", Ids.show(ch));
            o.put("label", labels.get(ch));
            o.put("multicast", Ids.isMulticast(ch));
            return o;
        });
    }

    private static void edge(List<Object> edges, Set<String> ids, String from, String to, String label, String kind) {
        String id = from + ">" + to + ":" + label;
        if (ids.add(id)) edges.add(Map.of("id", id, "source", from, "target", to, "label", label, "kind", kind));
    }

    private static String name(String n) {
        return n == null ? "-" : n;
    }

    /** What happened between two looks, one line each: nodes lost and back, incarnations made, gone, moved, changed, rewired. */
    static List<String> changes(Snapshot before, Snapshot after) {
        List<String> out = new ArrayList<>();
        Map<Integer, NodeStatus> was = new HashMap<>();
        for (NodeStatus n : before.nodes()) was.put(n.id(), n);
        for (NodeStatus n : after.nodes()) {
            NodeStatus b = was.get(n.id());
            if (b != null && b.reachable() != n.reachable())
                out.add("node " + n.id() + " (" + n.name() + ") " + (n.reachable() ? "is reachable again" : "is UNREACHABLE"));
        }
        Map<Long, GraphView.Inc> old = new HashMap<>();
        for (GraphView.Inc i : before.incarnations()) old.put(i.gid(), i);
        Set<Long> now = new LinkedHashSet<>();
        for (GraphView.Inc i : after.incarnations()) {
            now.add(i.gid());
            GraphView.Inc b = old.get(i.gid());
            String who = i.name() + " (" + Ids.show(i.gid()) + ")";
            if (b == null) {
                out.add(who + " created at node " + i.node() + ", module " + i.module());
                continue;
            }
            if (b.node() != i.node()) out.add(who + " migrated from node " + b.node() + " to node " + i.node());
            if (!b.state().equals(i.state())) out.add(who + " " + b.state() + " → " + i.state());
            rewired(out, i, b, after.channelLabels());
        }
        for (GraphView.Inc b : before.incarnations())
            if (!now.contains(b.gid())) out.add(b.name() + " (" + Ids.show(b.gid()) + ") is gone from node " + b.node());
        return out;
    }

    /** Ports attached to another channel and streams rebound (§6.2), matched by their ids. */
    private static void rewired(List<String> out, GraphView.Inc now, GraphView.Inc before, Map<Long, String> labels) {
        Map<Long, Long> ports = new HashMap<>(), streams = new HashMap<>();
        for (Status.PortStatus p : before.ports()) ports.put(p.gid(), p.channel());
        for (Status.StreamStatus s : before.streams()) streams.put(s.gid(), s.channel());
        for (Status.PortStatus p : now.ports()) {
            Long ch = ports.get(p.gid());
            if (ch != null && ch != p.channel())
                out.add(now.name() + "." + name(p.name()) + " attached to channel " + shown(p.channel(), labels) + " (was " + shown(ch, labels) + ")");
        }
        for (Status.StreamStatus s : now.streams()) {
            Long ch = streams.get(s.gid());
            if (ch != null && ch != s.channel() && !GraphView.copy(now, s))
                out.add(now.name() + "." + name(s.name()) + " rebound to channel " + shown(s.channel(), labels) + " (was " + shown(ch, labels) + ")");
        }
    }

    private static String shown(long ch, Map<Long, String> labels) {
        String l = labels.get(ch);
        return l == null ? Ids.show(ch) : "\"" + l + "\" " + Ids.show(ch);
    }

    static boolean same(Snapshot a, Snapshot b) {
        return Objects.equals(a.json(), b.json());
    }
}
