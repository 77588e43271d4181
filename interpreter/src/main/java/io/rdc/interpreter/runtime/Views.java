package io.rdc.interpreter.runtime;

import io.rdc.runtime.kernel.Event;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.NodeStatus;
import io.rdc.runtime.kernel.Status;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The text of {@code show} and {@code inspect}: aligned tables, one row per entity. */
final class Views {
    private Views() {}

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    /** Left-aligned columns separated by two spaces; the header row first. */
    static String table(List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) w[i] = header.get(i).length();
        for (List<String> r : rows) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
        StringBuilder sb = new StringBuilder();
        line(sb, header, w);
        for (List<String> r : rows) line(sb, r, w);
        return sb.toString().stripTrailing();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] w) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            l.append(cells.get(i));
            if (i < w.length - 1) l.append(" ".repeat(w[i] - cells.get(i).length() + 2));
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    static String nodes(List<NodeStatus> nodes) {
        List<List<String>> rows = new ArrayList<>();
        for (NodeStatus n : nodes)
            rows.add(List.of(String.valueOf(n.id()), n.name(), String.join(",", n.groups()),
                    n.reachable() ? String.format(Locale.ROOT, "%.1f", n.load()) : "-",
                    n.reachable() ? String.format(Locale.ROOT, "%.2f", n.busy()) : "-",
                    n.reachable() ? String.valueOf(n.queued()) : "-",
                    n.reachable() ? String.valueOf(n.incarnations()) : "unreachable",
                    n.reachable() ? String.valueOf(n.refusedFrames()) : "-",
                    n.reachable() ? String.valueOf(n.refusedRequests()) : "-"));
        // LOAD, BUSY and QUEUED are the figures the balancer reads (stdlib/balancer.js, docs/pool.md "Load balancing").
        // REFUSED: frames that failed authentication; REFUSED-REQ: requests whose operator claim was not proven (docs/security.md).
        return table(List.of("ID", "NAME", "GROUPS", "LOAD", "BUSY", "QUEUED", "INCARNATIONS", "REFUSED", "REFUSED-REQ"), rows);
    }

    static String incarnations(List<Kernel.Listed> list) {
        List<List<String>> rows = new ArrayList<>();
        for (Kernel.Listed l : list)
            rows.add(List.of(l.name(), Ids.show(l.gid()), l.module(), Status.shortVersion(l.moduleHash()), String.valueOf(l.node()), l.state().name(),
                    String.valueOf(l.queued()), String.format(Locale.ROOT, "%.1f ms", l.handlerMicros() / 1000.0)));
        if (rows.isEmpty()) return "no incarnations";
        return table(List.of("NAME", "ID", "MODULE", "VERSION", "NODE", "STATE", "QUEUED", "HANDLER TIME"), rows) + mixedVersions(list);
    }

    /**
     * A line per family (the name before {@code [i]}) whose members run more than one module or
     * version, as in the middle of a one-by-one replacement; "" when there is none.
     */
    static String mixedVersions(List<Kernel.Listed> list) {
        Map<String, Map<String, Integer>> byFamily = new TreeMap<>();
        for (Kernel.Listed l : list) {
            int bracket = l.name() == null ? -1 : l.name().indexOf('[');
            if (bracket <= 0 || l.moduleHash() == null) continue;
            String version = l.module() + "@" + Status.shortVersion(l.moduleHash());
            byFamily.computeIfAbsent(l.name().substring(0, bracket), f -> new TreeMap<>()).merge(version, 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder();
        byFamily.forEach((family, versions) -> {
            if (versions.size() < 2) return;
            List<String> parts = new ArrayList<>();
            versions.forEach((ver, n) -> parts.add(ver + " (" + n + ")"));
            sb.append("\nmixed versions in family ").append(family).append(": ").append(String.join(", ", parts));
        });
        return sb.isEmpty() ? "" : "\n" + sb; // after a blank line: notes, not rows (JsonViews)
    }

    static String channels(RuntimeOperations ops) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : ops.op().spacePrint()) {
            String[] f = line.split("\t");
            if (!f[0].equals("entry") || !f[2].equals("stream")) continue;
            String label = f[1];
            Ref s;
            try {
                s = ops.op().spaceGet(label, java.time.Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                continue;
            }
            long ch = RuntimeOperations.channelOf(s);
            List<String> ports = new ArrayList<>(), streams = new ArrayList<>();
            for (String a : ops.op().kernel().channelInfo(ch)) {
                String who = a.substring(a.indexOf(' ') + 1, a.indexOf(" ("));
                int queued = a.indexOf(" queued ");
                if (a.startsWith("port ")) ports.add(queued < 0 ? who : who + " (" + a.substring(queued + 8) + " queued)");
                else if (!who.startsWith("script")) streams.add(who); // the operator's own lookup streams are not the configuration
            }
            rows.add(List.of(label, Ids.show(ch), ops.channelKind(ch), ports.isEmpty() ? "-" : String.join(", ", ports),
                    streams.isEmpty() ? "-" : String.join(", ", streams)));
        }
        if (rows.isEmpty()) return "no labelled channels";
        return table(List.of("LABEL", "CHANNEL", "TYPE", "PORTS", "STREAMS"), rows);
    }

    static String space(List<String> lines) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split("\t");
            if (f[0].equals("entry")) rows.add(List.of(f[1], f[2], f[3], f[4]));
            else rows.add(List.of(f[1], "(waiting)", "", f[2]));
        }
        if (rows.isEmpty()) return "stream space is empty";
        return table(List.of("LABEL", "KIND", "OBJECT", "COPIES"), rows);
    }

    static String events(List<Event> events) {
        List<List<String>> rows = new ArrayList<>();
        for (Event e : events)
            rows.add(List.of(TIME.format(Instant.ofEpochMilli(e.atMillis())), e.type().name(), e.subjectName(), e.detail() == null ? "" : e.detail()));
        if (rows.isEmpty()) return "no events";
        return table(List.of("TIME", "EVENT", "INCARNATION", "DETAIL"), rows);
    }

    static String inspect(RuntimeOperations.IncarnationHandle h, Status s) {
        return inspect(h.name(), s);
    }

    static String inspect(String name, Status s) {
        StringBuilder sb = new StringBuilder();
        sb.append(name).append(" (").append(Ids.show(s.gid())).append("): module ").append(s.module())
                .append(s.moduleHash() == null || s.moduleHash().isEmpty() ? "" : " version " + Status.shortVersion(s.moduleHash()))
                .append(", node ").append(s.node()).append(", ").append(s.state());
        if (!s.started() && s.state() == io.rdc.runtime.kernel.Incarnation.State.EXECUTING) sb.append(" (starting: still in its interface preamble or init)");
        if (s.fault() != null) sb.append(" — ").append(s.fault());
        sb.append('\n');
        sb.append(String.format(Locale.ROOT, "handlers: %d runs, %.1f ms; state: %s; references: %d; priority %d%n",
                s.handlerRuns(), s.handlerMicros() / 1000.0, s.stateBytes() < 0 ? "not measured" : s.stateBytes() + " bytes",
                s.references(), s.priority()));
        sb.append("created ").append(TIME.format(Instant.ofEpochMilli(s.createdMillis()))).append(" UTC; parent ")
                .append(s.parent() == 0 ? "-" : Ids.show(s.parent())).append("; dependency: ")
                .append(s.dependsOn().isEmpty() ? "none" : String.join(", ", s.dependsOn())).append('\n');
        if (s.statePreview() != null) sb.append("state: ").append(s.statePreview()).append('\n');
        List<List<String>> rows = new ArrayList<>();
        for (Status.PortStatus p : s.ports())
            rows.add(List.of("port", p.name() == null ? "-" : p.name(), Ids.show(p.gid()), Ids.show(p.channel()),
                    "queued " + p.queued() + (p.heads().isEmpty() ? "" : ", heads " + String.join(" ", p.heads()))));
        for (Status.StreamStatus st : s.streams())
            rows.add(List.of("stream", st.name() == null ? "-" : st.name(), Ids.show(st.gid()), Ids.show(st.channel()),
                    st.failure() != null ? "FAILED: " + st.failure() : "unacknowledged " + st.unacknowledged()));
        if (!rows.isEmpty()) sb.append(table(List.of("KIND", "NAME", "ID", "CHANNEL", "STATE"), rows)).append('\n');
        if (!s.referenceTable().isEmpty()) {
            List<List<String>> refs = new ArrayList<>();
            for (String line : s.referenceTable()) {
                String[] f = line.split("\t", 3);
                refs.add(List.of(f[0], f[1], f.length > 2 ? f[2] : ""));
            }
            sb.append("references:\n").append(table(List.of("REF", "KIND", "REFERS TO"), refs));
        }
        return sb.toString().stripTrailing();
    }

    static String inspectInterface(RuntimeOperations.IncarnationHandle h, String name, Status s) {
        for (Status.PortStatus p : s.ports())
            if (name.equals(p.name())) return h.name() + "." + name + ": port " + Ids.show(p.gid()) + " on channel " + Ids.show(p.channel()) + ", queued " + p.queued();
        for (Status.StreamStatus st : s.streams())
            if (name.equals(st.name())) return h.name() + "." + name + ": stream " + Ids.show(st.gid()) + " to channel " + Ids.show(st.channel())
                    + (st.failure() != null ? ", FAILED: " + st.failure() : ", unacknowledged " + st.unacknowledged());
        return h.name() + " has no interface named " + name;
    }

    static String inspect(Operator op, Ref r) {
        StringBuilder sb = new StringBuilder(r.kind.label + " #" + r.id);
        if (r.target() instanceof RefDescriptor d) sb.append(" → ").append(Ids.show(d.gid()));
        long ch = RuntimeOperations.channelOf(r);
        if (ch != 0) sb.append(" on channel ").append(Ids.show(ch));
        if (r.kind == io.rdc.runtime.ref.RefKind.PORT) {
            Map<String, Object> tp = op.testPort(r);
            sb.append(", queued ").append(tp.get("count")).append(", heads ").append(tp.get("heads"));
        }
        return sb.toString();
    }

    /** {@code show rdcs}: the pool's RDCs as its control plane knows them; this session's is marked. */
    static String rdcs(List<io.rdc.runtime.kernel.ControlPlane.RdcRecord> rdcs, long mine) {
        List<List<String>> rows = new ArrayList<>();
        for (io.rdc.runtime.kernel.ControlPlane.RdcRecord r : rdcs)
            rows.add(List.of(Ids.show(r.id()), r.name(), String.valueOf(r.state()), String.valueOf(r.owner()),
                    String.join(", ", (r.attached() ? "attached" : ""), (r.id() == mine ? "this session" : "")).replaceAll("^, |, $", "")));
        if (rows.isEmpty()) return "no rdcs";
        return table(List.of("ID", "NAME", "STATE", "OWNER", "NOTE"), rows);
    }
}
