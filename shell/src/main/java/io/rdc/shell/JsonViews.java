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
 * {@code {"view": "nodes", "rows": [{"id": 201, ...}]}} (columns become lower-case keys, numbers stay numbers).
 */
final class JsonViews {
    private JsonViews() {}

    /** Operations whose {@code show} answers JSON; every other call goes to {@code ops} unchanged. */
    static Operations jsonShow(Operations ops) {
        return (Operations) Proxy.newProxyInstance(Operations.class.getClassLoader(), new Class<?>[] {Operations.class}, (p, m, args) -> {
            try {
                Object r = m.invoke(ops, args);
                if (m.getName().equals("show") && args != null && args.length == 1) return toJson((String) args[0], (String) r);
                return r;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
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
        for (int r = 1; r < lines.size(); r++) {
            String line = lines.get(r);
            sb.append(r > 1 ? ", " : "").append('{');
            for (int c = 0; c < starts.size(); c++) {
                int a = Math.min(starts.get(c), line.length());
                int b = c + 1 < starts.size() ? Math.min(starts.get(c + 1), line.length()) : line.length();
                String cell = line.substring(a, b).strip();
                sb.append(c > 0 ? ", " : "").append(quote(keys.get(c))).append(": ").append(value(cell));
            }
            sb.append('}');
        }
        return sb.append("]}").toString();
    }

    private static String value(String cell) {
        if (cell.matches("-?\\d{1,18}(\\.\\d+)?")) return cell;
        return quote(cell);
    }

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
