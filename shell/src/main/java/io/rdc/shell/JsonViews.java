package io.rdc.shell;

import io.rdc.interpreter.Operations;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code rdc shell --json}: {@code show VIEW} prints JSON instead of the aligned table. The
 * statement still goes through the interpreter; only the view's text is turned into
 * {@code {"view": "incarnations", "rows": [{"id": "201.3", "node": "201", "queued": 0, ...}]}} (columns become lower-case
 * keys, numbers stay numbers, ids are strings: as a JSON number, 201.10 would read as 201.1, another incarnation;
 * module versions are strings too). Lines after a blank line below the table (such as "mixed versions in family w: ...")
 * become {@code "notes"}.
 */
final class JsonViews {
    private JsonViews() {}

    /** Operations whose {@code show} answers JSON; every other call goes to {@code ops} unchanged. */
    static Operations jsonShow(Operations ops) {
        return (Operations) Proxy.newProxyInstance(Operations.class.getClassLoader(), new Class<?>[] {Operations.class}, (p, m, args) -> {
            try {
                if (m.getName().equals("inspect") && args != null && args.length == 1
                        && ops instanceof io.rdc.interpreter.runtime.RuntimeOperations rt
                        && args[0] instanceof io.rdc.interpreter.runtime.RuntimeOperations.IncarnationHandle h)
                    return inspectJson(rt, h);
                Object r = m.invoke(ops, args);
                if (m.getName().equals("show") && args != null && args.length == 1) return toJson((String) args[0], (String) r);
                return r;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    /** inspect X as JSON: the same data as the text view, from the incarnation's status. */
    static String inspectJson(io.rdc.interpreter.runtime.RuntimeOperations rt, io.rdc.interpreter.runtime.RuntimeOperations.IncarnationHandle h) {
        io.rdc.runtime.kernel.Status st = rt.settledStatus(h);
        java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
        o.put("view", "inspect");
        o.put("name", h.name());
        o.put("id", io.rdc.runtime.kernel.Ids.show(st.gid()));
        o.put("module", st.module());
        o.put("version", st.moduleHash());
        o.put("node", String.valueOf(st.node()));
        o.put("state", st.state().name());
        if (st.fault() != null) o.put("fault", st.fault());
        o.put("priority", st.priority());
        o.put("created_ms", st.createdMillis());
        o.put("parent", st.parent() == 0 ? null : io.rdc.runtime.kernel.Ids.show(st.parent()));
        o.put("dependency", "none");
        o.put("started", st.started());
        o.put("handler_runs", st.handlerRuns());
        o.put("handler_us", st.handlerMicros());
        o.put("state_bytes", st.stateBytes());
        o.put("state_preview", st.statePreview());
        o.put("depends_on", st.dependsOn());
        List<Object> ports = new ArrayList<>();
        for (io.rdc.runtime.kernel.Status.PortStatus p : st.ports())
            ports.add(java.util.Map.of("name", String.valueOf(p.name()), "id", io.rdc.runtime.kernel.Ids.show(p.gid()),
                    "channel", io.rdc.runtime.kernel.Ids.show(p.channel()), "queued", p.queued(), "heads", p.heads()));
        o.put("ports", ports);
        List<Object> streams = new ArrayList<>();
        for (io.rdc.runtime.kernel.Status.StreamStatus s : st.streams())
            streams.add(java.util.Map.of("name", String.valueOf(s.name()), "id", io.rdc.runtime.kernel.Ids.show(s.gid()),
                    "channel", io.rdc.runtime.kernel.Ids.show(s.channel()), "unacknowledged", s.unacknowledged(),
                    "failure", String.valueOf(s.failure())));
        o.put("streams", streams);
        o.put("references", st.referenceTable().stream().map(l -> l.replace('\t', ' ')).toList());
        return io.rdc.runtime.util.Json.write(o);
    }

    private static final Pattern CELL = Pattern.compile("\\S+(?: \\S+)*");

    /** An aligned table (header row, left-aligned columns two spaces apart) as JSON rows. */
    static String toJson(String view, String table) {
        List<String> lines = table.lines().toList();
        StringBuilder sb = new StringBuilder("{\"view\": ").append(quote(view)).append(", \"rows\": [");
        if (lines.isEmpty() || !lines.get(0).equals(lines.get(0).toUpperCase(Locale.ROOT)) || !lines.get(0).contains("  ")) {
            return sb.append("], \"message\": ").append(quote(table.strip())).append('}').toString();
        }
        List<Integer> starts = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        Matcher m = CELL.matcher(lines.get(0));
        while (m.find()) {
            starts.add(m.start());
            keys.add(m.group().toLowerCase(Locale.ROOT).replace(' ', '_'));
        }
        int r = 1;
        for (; r < lines.size() && !lines.get(r).isBlank(); r++) {
            String line = lines.get(r);
            sb.append(r > 1 ? ", " : "").append('{');
            for (int c = 0; c < starts.size(); c++) {
                int a = Math.min(starts.get(c), line.length());
                int b = c + 1 < starts.size() ? Math.min(starts.get(c + 1), line.length()) : line.length();
                String cell = line.substring(a, b).strip();
                sb.append(c > 0 ? ", " : "").append(quote(keys.get(c))).append(": ").append(value(keys.get(c), cell));
            }
            sb.append('}');
        }
        sb.append(']');
        List<String> notes = lines.subList(Math.min(r + 1, lines.size()), lines.size()).stream().filter(l -> !l.isBlank()).toList();
        if (!notes.isEmpty()) sb.append(", \"notes\": [").append(String.join(", ", notes.stream().map(JsonViews::quote).toList())).append(']');
        return sb.append('}').toString();
    }

    /** Ids such as 201.10 stay strings: as a JSON number 201.10 reads as 201.1, another incarnation. */
    private static String value(String key, String cell) {
        if (!isId(key) && !key.equals("version") && cell.matches("-?\\d{1,18}(\\.\\d+)?")) return cell;
        return quote(cell);
    }

    /** Columns that hold ids (of incarnations, nodes, RDCs, channels, ports, streams): always JSON strings. */
    static boolean isId(String key) {
        return ID_KEYS.contains(key) || key.endsWith("_id");
    }

    private static final java.util.Set<String> ID_KEYS = java.util.Set.of("id", "parent", "channel", "object", "node", "rdc", "port", "stream", "owner");

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
