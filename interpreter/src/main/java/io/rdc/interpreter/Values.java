package io.rdc.interpreter;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * The language's values are plain Java objects: {@code Long}, {@code Double}, {@code String},
 * {@code Boolean}, {@code null}, unmodifiable {@code List<Object>} and {@code Map<String,Object>}
 * (records, in field order), {@link RangeValue}, {@link DurationValue}, {@link Handle},
 * {@link InterfaceRef} and {@link IncarnationFamily}. This class names, prints, compares and converts them.
 */
public final class Values {
    /** Caps that keep a runaway script (or the fuzzer) from exhausting memory. */
    static final int MAX_STRING_LENGTH = 1_000_000;
    static final int MAX_LIST_SIZE = 1_000_000;

    private Values() {}

    public static String typeName(Object value) {
        return switch (value) {
            case null -> "null";
            case Long l -> "number";
            case Double d -> "number";
            case String s -> "string";
            case Boolean b -> "bool";
            case List<?> l -> "list";
            case Map<?, ?> m -> "record";
            case RangeValue r -> "range";
            case DurationValue d -> "duration";
            case InterfaceRef i -> "interface";
            case IncarnationFamily f -> "incarnation family";
            case Handle h -> "reference";
            default -> value.getClass().getSimpleName();
        };
    }

    /** As print and string interpolation show it: strings bare. */
    public static String format(Object value) {
        return value instanceof String s ? s : repr(value);
    }

    /** As it would be written: strings quoted (inside lists and records, and in assertion messages). */
    public static String repr(Object value) {
        StringBuilder out = new StringBuilder();
        appendRepr(out, value, MAX_STRING_LENGTH + 1);
        return out.toString();
    }

    /**
     * Stops with "..." once {@code limit} characters are written: lists can share structure
     * ({@code a = [a, a]} doubles the printed size each time), so printing must not be unbounded.
     * Callers that build strings check the length and report it as too long.
     */
    private static void appendRepr(StringBuilder out, Object value, int limit) {
        if (out.length() > limit) {
            return;
        }
        switch (value) {
            case null -> out.append("null");
            case String s -> out.append(quote(s));
            case Double d -> out.append(formatDouble(d));
            case List<?> list -> {
                out.append('[');
                String separator = "";
                for (Object element : list) {
                    out.append(separator);
                    separator = ", ";
                    appendRepr(out, element, limit);
                    if (out.length() > limit) {
                        out.append("...");
                        return;
                    }
                }
                out.append(']');
            }
            case Map<?, ?> record -> {
                out.append('{');
                String separator = "";
                for (Map.Entry<?, ?> field : record.entrySet()) {
                    out.append(separator).append(field.getKey()).append(": ");
                    separator = ", ";
                    appendRepr(out, field.getValue(), limit);
                    if (out.length() > limit) {
                        out.append("...");
                        return;
                    }
                }
                out.append('}');
            }
            default -> out.append(value);
        }
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                case '$' -> out.append("\\$");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** 2.5 stays 2.5, 1e12 prints as 1000000000000 rather than 1.0E12. */
    static String formatDouble(double d) {
        double magnitude = Math.abs(d);
        if (d == 0 || (magnitude >= 1e-6 && magnitude < 1e15)) {
            return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
        }
        return Double.toString(d);
    }

    static String formatKeys(Collection<Object> keys) {
        StringJoiner joined = new StringJoiner(", ", "[", "]");
        for (Object key : keys) {
            joined.add(repr(key));
        }
        return joined.toString();
    }

    /** Language equality: numbers by value across long/double, lists and records structurally. */
    public static boolean equal(Object a, Object b) {
        if (a == b) {
            return true; // also keeps comparing shared structure cheap
        }
        if (a instanceof Number x && b instanceof Number y) {
            if (x instanceof Long lx && y instanceof Long ly) {
                return lx.longValue() == ly.longValue();
            }
            return x.doubleValue() == y.doubleValue();
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            Iterator<?> i = x.iterator();
            Iterator<?> j = y.iterator();
            while (i.hasNext()) {
                if (!equal(i.next(), j.next())) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (!x.keySet().equals(y.keySet())) {
                return false;
            }
            for (Map.Entry<?, ?> field : x.entrySet()) {
                if (!equal(field.getValue(), y.get(field.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }

    static List<Object> list(List<Object> elements) {
        return Collections.unmodifiableList(elements);
    }

    static Map<String, Object> record(Map<String, Object> fields) {
        return Collections.unmodifiableMap(fields);
    }

    // ------------------------------------------------------------ crossing the Operations boundary

    /**
     * Language value to the plain Java an {@link Operations} method receives.
     *
     * @throws IllegalArgumentException if the value has more than {@link #MAX_LIST_SIZE} parts in all
     *         (shared structure would otherwise be copied exponentially)
     */
    static Object toOperations(Object value) {
        return toOperations(value, new long[] {0});
    }

    private static Object toOperations(Object value, long[] parts) {
        if (++parts[0] > MAX_LIST_SIZE) {
            throw new IllegalArgumentException("value too large to pass on (more than " + MAX_LIST_SIZE + " parts)");
        }
        return switch (value) {
            case null -> null;
            case Handle handle -> handle.reference();
            case RangeValue range -> {
                if (range.size() > MAX_LIST_SIZE - parts[0]) {
                    throw new IllegalArgumentException("range " + range + " is too long to pass as a list");
                }
                parts[0] += range.size();
                List<Object> elements = new ArrayList<>();
                for (long i = range.from(); i <= range.to(); i++) {
                    elements.add(i);
                }
                yield elements;
            }
            case List<?> list -> {
                List<Object> elements = new ArrayList<>(list.size());
                for (Object element : list) {
                    elements.add(toOperations(element, parts));
                }
                yield elements;
            }
            case Map<?, ?> record -> {
                Map<String, Object> fields = new LinkedHashMap<>();
                for (Map.Entry<?, ?> field : record.entrySet()) {
                    fields.put((String) field.getKey(), toOperations(field.getValue(), parts));
                }
                yield fields;
            }
            case DurationValue duration -> duration.millis();
            case IncarnationFamily family -> {
                List<Object> members = new ArrayList<>();
                for (Handle member : family.members().values()) {
                    members.add(member.reference());
                }
                yield members;
            }
            default -> value; // Long, Double, String, Boolean, InterfaceRef
        };
    }

    /** What an {@link Operations} method returned, as a language value; unknown objects become handles. */
    static Object fromOperations(Object value, String description) {
        return switch (value) {
            case null -> null;
            case Long l -> l;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case Double d -> d;
            case Float f -> f.doubleValue();
            case String s -> s;
            case Boolean b -> b;
            case Handle h -> h;
            case InterfaceRef i -> i;
            case List<?> list -> {
                List<Object> elements = new ArrayList<>(list.size());
                int index = 0;
                for (Object element : list) {
                    elements.add(fromOperations(element, description + "[" + index++ + "]"));
                }
                yield list(elements);
            }
            case Map<?, ?> map -> {
                Map<String, Object> fields = new LinkedHashMap<>();
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    String key = String.valueOf(entry.getKey());
                    fields.put(key, fromOperations(entry.getValue(), description + "." + key));
                }
                yield record(fields);
            }
            default -> new Handle(value, value.toString().isEmpty() ? description : value.toString());
        };
    }
}
