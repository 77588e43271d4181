package io.rdc.shell;

import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.NodeStatus;
import io.rdc.runtime.kernel.Status;
import io.rdc.runtime.operator.Operator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code graph}: the session's RDC as a picture. Incarnations are grouped by node; an edge runs
 * from a stream to the channel it sends on and from the channel to every port that receives from
 * it. Built from the status of every incarnation of the RDC (those a manager created included).
 */
final class GraphView {
    private GraphView() {}

    record Inc(long gid, String name, String module, String state, int node, List<Status.PortStatus> ports, List<Status.StreamStatus> streams) {}

    record Edge(Inc from, String stream, long channel, Inc to, String port) {}

    record Graph(Map<Integer, String> nodes, List<Inc> incarnations, Map<Long, String> channelLabels, List<Edge> edges) {
        String channelName(long ch) {
            String l = channelLabels.get(ch);
            return l == null ? Ids.show(ch) : "\"" + l + "\" " + Ids.show(ch);
        }
    }

    static Graph build(Shell shell) {
        Operator op = shell.ops().operator();
        Map<Integer, String> nodes = new TreeMap<>();
        for (NodeStatus n : op.nodes()) nodes.put(n.id(), n.name());
        List<Inc> incs = new ArrayList<>();
        for (Kernel.Listed l : op.list(op.session().rdcId)) {
            try {
                Status s = op.statusOf(l.gid());
                incs.add(new Inc(l.gid(), l.name(), l.module(), s.state().name(), s.node(), s.ports(), s.streams()));
            } catch (RuntimeException gone) {
                incs.add(new Inc(l.gid(), l.name(), l.module(), l.state().name(), l.node(), List.of(), List.of()));
            }
        }
        incs.sort((a, b) -> a.node() != b.node() ? Integer.compare(a.node(), b.node()) : Long.compare(a.gid(), b.gid()));
        Map<String, String> shownToLabel = channelLabels(op);
        Map<Long, String> labels = new LinkedHashMap<>();
        Map<Long, List<Object[]>> receivers = new HashMap<>();
        for (Inc i : incs) {
            for (Status.PortStatus p : i.ports()) {
                receivers.computeIfAbsent(p.channel(), k -> new ArrayList<>()).add(new Object[] {i, p.name()});
                String l = shownToLabel.get(Ids.show(p.channel()));
                if (l != null) labels.put(p.channel(), l);
            }
            for (Status.StreamStatus s : i.streams()) {
                String l = shownToLabel.get(Ids.show(s.channel()));
                if (l != null) labels.put(s.channel(), l);
            }
        }
        List<Edge> edges = new ArrayList<>();
        for (Inc i : incs) {
            for (Status.StreamStatus s : i.streams()) {
                if (copy(i, s)) continue;
                List<Object[]> rs = receivers.getOrDefault(s.channel(), List.of());
                if (rs.isEmpty()) edges.add(new Edge(i, s.name(), s.channel(), null, null));
                for (Object[] r : rs) edges.add(new Edge(i, s.name(), s.channel(), (Inc) r[0], (String) r[1]));
            }
        }
        return new Graph(nodes, incs, labels, edges);
    }

    /** Labels of the session's RDC's channels, by the channel id as the stream-space print shows it ("201.9"). */
    static Map<String, String> channelLabels(Operator op) {
        Map<String, String> shownToLabel = new HashMap<>();
        for (String line : op.spacePrint()) {
            String[] f = line.split("\t");
            if (f.length >= 4 && f[0].equals("entry") && f[2].equals("stream")) shownToLabel.putIfAbsent(f[3], f[1]);
        }
        return shownToLabel;
    }

    /** An unnamed stream beside a named one on the same channel is a copy of it (a handle, a reply path): not drawn. */
    static boolean copy(Inc i, Status.StreamStatus s) {
        return s.name() == null && i.streams().stream().anyMatch(o -> o.name() != null && o.channel() == s.channel());
    }

    static String text(Graph g) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Integer, String> n : g.nodes().entrySet()) {
            List<Inc> here = g.incarnations().stream().filter(i -> i.node() == n.getKey()).toList();
            sb.append("node ").append(n.getKey()).append(" (").append(n.getValue()).append(")");
            if (here.isEmpty()) sb.append(": -");
            sb.append('\n');
            for (Inc i : here) {
                sb.append("  ").append(i.name()).append("  ").append(i.module()).append(", ").append(i.state()).append('\n');
                for (Status.PortStatus p : i.ports())
                    sb.append("    port   ").append(name(p.name())).append(" ◀ ").append(g.channelName(p.channel()))
                            .append(p.queued() > 0 ? "  (queued " + p.queued() + ")" : "").append('\n');
                for (Status.StreamStatus s : i.streams())
                    if (!copy(i, s)) sb.append("    stream ").append(name(s.name())).append(" ▶ ").append(g.channelName(s.channel()))
                            .append(s.failure() != null ? "  FAILED: " + s.failure() : "").append('\n');
            }
        }
        sb.append(g.edges().isEmpty() ? "no edges\n" : "edges (stream ▶ channel ▶ port):\n");
        for (Edge e : g.edges())
            sb.append("  ").append(e.from().name()).append('.').append(name(e.stream())).append(" ▶ ").append(g.channelName(e.channel()))
                    .append(" ▶ ").append(e.to() == null ? "(no receiver)" : e.to().name() + "." + name(e.port())).append('\n');
        return sb.toString();
    }

    private static String name(String n) {
        return n == null ? "-" : n;
    }

    private static String id(Inc i) {
        return "i" + Ids.show(i.gid()).replaceAll("[^A-Za-z0-9]", "_");
    }

    private static String chId(long ch) {
        return "c" + Ids.show(ch).replaceAll("[^A-Za-z0-9]", "_");
    }

    static String dotQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    static String dot(Graph g) {
        StringBuilder sb = new StringBuilder("digraph rdc {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
        for (Map.Entry<Integer, String> n : g.nodes().entrySet()) {
            List<Inc> here = g.incarnations().stream().filter(i -> i.node() == n.getKey()).toList();
            if (here.isEmpty()) continue;
            sb.append("  subgraph cluster_").append(n.getKey()).append(" {\n    label=").append(dotQuote("node " + n.getKey() + " (" + n.getValue() + ")")).append(";\n");
            for (Inc i : here) sb.append("    ").append(id(i)).append(" [label=").append(dotQuote(i.name() + "\n" + i.module() + ", " + i.state())).append("];\n");
            sb.append("  }\n");
        }
        for (long ch : channels(g)) {
            String l = g.channelLabels().get(ch);
            sb.append("  ").append(chId(ch)).append(" [shape=ellipse, label=").append(dotQuote((l == null ? "" : l + "\n") + Ids.show(ch))).append("];\n");
        }
        java.util.Set<String> drawn = new java.util.HashSet<>();
        for (Edge e : g.edges()) {
            String a = "  " + id(e.from()) + " -> " + chId(e.channel()) + " [label=" + dotQuote(name(e.stream())) + "];\n";
            if (drawn.add(a)) sb.append(a);
        }
        for (Inc i : g.incarnations())
            for (Status.PortStatus p : i.ports())
                sb.append("  ").append(chId(p.channel())).append(" -> ").append(id(i)).append(" [label=").append(dotQuote(name(p.name()))).append("];\n");
        return sb.append("}\n").toString();
    }

    /** The channels drawn: those edges run through and those ports receive from (as in the dot and mermaid forms). */
    private static java.util.Set<Long> channels(Graph g) {
        java.util.Set<Long> channels = new java.util.LinkedHashSet<>();
        for (Edge e : g.edges()) channels.add(e.channel());
        for (Inc i : g.incarnations()) for (Status.PortStatus p : i.ports()) channels.add(p.channel());
        return channels;
    }

    /**
     * {@code graph --json}: what the dot form draws, as data — nodes, incarnations with their ports and
     * streams, channels and edges (stream ▶ channel ▶ port). Every id is a string.
     */
    static String json(Graph g) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("view", "graph");
        List<Object> nodes = new ArrayList<>();
        for (Map.Entry<Integer, String> n : g.nodes().entrySet()) nodes.add(map("id", String.valueOf(n.getKey()), "name", n.getValue()));
        o.put("nodes", nodes);
        List<Object> incs = new ArrayList<>();
        for (Inc i : g.incarnations()) {
            List<Object> ports = new ArrayList<>(), streams = new ArrayList<>();
            for (Status.PortStatus p : i.ports())
                ports.add(map("name", p.name(), "id", Ids.show(p.gid()), "channel", Ids.show(p.channel()), "queued", p.queued()));
            for (Status.StreamStatus st : i.streams())
                if (!copy(i, st)) streams.add(map("name", st.name(), "id", Ids.show(st.gid()), "channel", Ids.show(st.channel()), "failure", st.failure()));
            incs.add(map("id", Ids.show(i.gid()), "name", i.name(), "module", i.module(), "state", i.state(), "node", String.valueOf(i.node()),
                    "ports", ports, "streams", streams));
        }
        o.put("incarnations", incs);
        List<Object> channels = new ArrayList<>();
        for (long ch : channels(g)) channels.add(map("id", Ids.show(ch), "label", g.channelLabels().get(ch)));
        o.put("channels", channels);
        List<Object> edges = new ArrayList<>();
        for (Edge e : g.edges())
            edges.add(map("from", Ids.show(e.from().gid()), "stream", e.stream(), "channel", Ids.show(e.channel()),
                    "to", e.to() == null ? null : Ids.show(e.to().gid()), "port", e.port()));
        o.put("edges", edges);
        return io.rdc.runtime.util.Json.write(o) + "\n";
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static String mermaidText(String s) {
        return s.replace("\"", "#quot;");
    }

    static String mermaid(Graph g) {
        StringBuilder sb = new StringBuilder("flowchart LR\n");
        for (Map.Entry<Integer, String> n : g.nodes().entrySet()) {
            List<Inc> here = g.incarnations().stream().filter(i -> i.node() == n.getKey()).toList();
            if (here.isEmpty()) continue;
            sb.append("  subgraph n").append(n.getKey()).append("[\"node ").append(n.getKey()).append(" (").append(mermaidText(n.getValue())).append(")\"]\n");
            for (Inc i : here) sb.append("    ").append(id(i)).append("[\"").append(mermaidText(i.name())).append("<br/>").append(mermaidText(i.module())).append("\"]\n");
            sb.append("  end\n");
        }
        for (long ch : channels(g)) {
            String l = g.channelLabels().get(ch);
            sb.append("  ").append(chId(ch)).append("([\"").append(mermaidText((l == null ? "" : l + " ") + Ids.show(ch))).append("\"])\n");
        }
        java.util.Set<String> drawn = new java.util.HashSet<>();
        for (Edge e : g.edges()) {
            String a = "  " + id(e.from()) + " -- " + name(e.stream()) + " --> " + chId(e.channel()) + "\n";
            if (drawn.add(a)) sb.append(a);
        }
        for (Inc i : g.incarnations())
            for (Status.PortStatus p : i.ports())
                sb.append("  ").append(chId(p.channel())).append(" -- ").append(name(p.name())).append(" --> ").append(id(i)).append('\n');
        return sb.toString();
    }
}
