package io.rdc.interpreter;

import static io.rdc.interpreter.Evaluator.count;
import static io.rdc.interpreter.Evaluator.familyKey;
import static io.rdc.interpreter.Evaluator.integer;
import static io.rdc.interpreter.Evaluator.operation;
import static io.rdc.interpreter.Evaluator.toOperations;

import io.rdc.interpreter.ast.Expression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The language's built-in functions: the pure ones ({@code len}, {@code min}, {@code str}, {@code has}…),
 * the script's data ({@code read}, {@code files}) and those that ask the running system
 * ({@code nodes}, {@code pick}, {@code status}, {@code queue}, {@code incarnation}, {@code lookup}).
 * A procedure of the script with the same name hides one.
 */
final class Builtins {
    private Builtins() {}

    /** One built-in: its call (for positions in errors) and its evaluated arguments. */
    @FunctionalInterface
    interface Builtin {
        Object apply(Expression.Call call, List<Object> arguments);
    }

    static Map<String, Builtin> standard(Operations operations) {
        Map<String, Builtin> builtins = new LinkedHashMap<>();
        builtins.put("len", (call, args) -> {
            Object value = single(call, args);
            return switch (value) {
                case List<?> list -> (long) list.size();
                case String s -> (long) s.length();
                case Map<?, ?> record -> (long) record.size();
                case RangeValue range -> range.size();
                case IncarnationFamily family -> (long) family.members().size();
                case null, default -> throw argumentError(call, 0, "len needs a list, string, record or range, not a " + Values.typeName(value));
            };
        });
        builtins.put("min", (call, args) -> extreme(call, args, -1));
        builtins.put("max", (call, args) -> extreme(call, args, 1));
        builtins.put("str", (call, args) -> {
            String text = Values.format(single(call, args));
            if (text.length() > Values.MAX_STRING_LENGTH) {
                throw new RdcError(call.position(), "string longer than " + Values.MAX_STRING_LENGTH + " characters");
            }
            return text;
        });
        builtins.put("type", (call, args) -> Values.typeName(single(call, args)));
        builtins.put("has", (call, args) -> {
            // has(record, "field"), has(family, key): whether reading it would find something
            arity(call, args, 2);
            return switch (args.get(0)) {
                case null -> false;
                case Map<?, ?> record -> {
                    if (!(args.get(1) instanceof String field)) throw argumentError(call, 1, "has needs a field name, not a " + Values.typeName(args.get(1)));
                    yield record.containsKey(field);
                }
                case IncarnationFamily family -> family.members().containsKey(familyKey(args.get(1), call.arguments().get(1)));
                default -> throw argumentError(call, 0, "has needs a record or a family of incarnations, not a " + Values.typeName(args.get(0)));
            };
        });
        builtins.put("range", (call, args) -> {
            arity(call, args, 2);
            return new RangeValue(integer(args.get(0), call.arguments().get(0), "range start"),
                    integer(args.get(1), call.arguments().get(1), "range end"));
        });
        builtins.put("nodes", (call, args) -> {
            // nodes() or nodes("group"): the pool's nodes, optionally those of one group
            if (args.size() > 1) throw new RdcError(call.position(), "nodes takes at most one argument (a node group), got " + args.size());
            if (args.size() == 1 && !(args.get(0) instanceof String)) throw argumentError(call, 0, "nodes needs a group name, not a " + Values.typeName(args.get(0)));
            List<Object> all = operation(call.position(), "nodes()", () -> operations.nodes());
            if (args.size() == 1) {
                String group = (String) args.get(0);
                List<Object> in = new ArrayList<>();
                for (Object n : all)
                    if (n instanceof Map<?, ?> m && m.get("groups") instanceof List<?> g && g.contains(group)) in.add(n);
                all = in;
            }
            return Values.fromOperations(all, "node");
        });
        builtins.put("pick", (call, args) -> {
            List<Object> plain = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                plain.add(toOperations(call.arguments().get(i), args.get(i)));
            }
            return Values.fromOperations(operation(call.position(), "pick()", () -> operations.pick(plain)), "picked node");
        });
        builtins.put("status", (call, args) -> {
            Object value = single(call, args);
            if (!(value instanceof Handle handle)) {
                throw argumentError(call, 0, "status needs an incarnation, not a " + Values.typeName(value));
            }
            return Values.fromOperations(operation(call.position(), "status(" + handle.description() + ")",
                    () -> operations.status(handle.reference())), "status");
        });
        builtins.put("queue", (call, args) -> {
            Object value = single(call, args);
            // A port got from stream space counts too (the runtime refuses other references).
            InterfaceRef port = value instanceof Handle handle ? new InterfaceRef(handle, null) : value instanceof InterfaceRef ref ? ref : null;
            if (port == null) {
                throw argumentError(call, 0, "queue needs a port like spool.in or a port from get, not a " + Values.typeName(value));
            }
            return operation(call.position(), "queue(" + port + ")",
                    () -> operations.queue(port.incarnation().reference(), port.name()));
        });
        // Data for a configuration: a script reads the files it hands to incarnations (which have no I/O).
        builtins.put("read", (call, args) -> {
            Path file = scriptRelative(call, single(call, args), "read");
            try {
                return io.rdc.runtime.util.BoundedFiles.readString(file, Values.MAX_STRING_LENGTH);
            } catch (java.io.IOException e) {
                throw new RdcError(call.position(), "read: cannot read " + file + ": " + e.getMessage());
            }
        });
        builtins.put("files", (call, args) -> {
            Path dir = scriptRelative(call, single(call, args), "files");
            try (java.util.stream.Stream<Path> list = Files.list(dir)) {
                List<Object> out = new ArrayList<>();
                for (Path f : list.filter(Files::isRegularFile).sorted().toList()) {
                    Map<String, Object> rec = new LinkedHashMap<>();
                    rec.put("name", f.getFileName().toString());
                    rec.put("path", f.toString());
                    out.add(Values.fromOperations(rec, "file"));
                }
                return Values.fromOperations(out, "files");
            } catch (java.io.IOException e) {
                throw new RdcError(call.position(), "files: cannot list " + dir + ": " + e.getMessage());
            }
        });
        builtins.put("incarnation", (call, args) -> {
            Object value = single(call, args);
            if (!(value instanceof String name)) {
                throw argumentError(call, 0, "incarnation needs the name an incarnation was created with, not a " + Values.typeName(value));
            }
            return new Handle(operation(call.position(), "incarnation(" + Values.quote(name) + ")", () -> operations.incarnation(name)), name);
        });
        builtins.put("lookup", (call, args) -> {
            Object value = single(call, args);
            if (!(value instanceof String name)) {
                throw argumentError(call, 0, "lookup needs a string name, not a " + Values.typeName(value));
            }
            return Values.fromOperations(operation(call.position(), "lookup(" + Values.quote(name) + ")",
                    () -> operations.lookup(name)), name);
        });
        return Map.copyOf(builtins);
    }

    /** A path argument resolved against the directory of the script that calls. */
    private static Path scriptRelative(Expression.Call call, Object value, String what) {
        if (!(value instanceof String s)) throw argumentError(call, 0, what + " needs a path string, not a " + Values.typeName(value));
        Path p = Path.of(s);
        if (p.isAbsolute()) return p;
        Path base = Path.of(call.position().file()).toAbsolutePath().getParent();
        return base == null ? p : base.resolve(p).normalize();
    }

    private static void arity(Expression.Call call, List<Object> args, int expected) {
        if (args.size() != expected) {
            throw new RdcError(call.position(), call.name() + " takes " + count(expected, "argument") + ", got " + args.size());
        }
    }

    private static Object single(Expression.Call call, List<Object> args) {
        arity(call, args, 1);
        return args.get(0);
    }

    private static RdcError argumentError(Expression.Call call, int index, String message) {
        return new RdcError(call.arguments().get(index).position(), message);
    }

    private static Object extreme(Expression.Call call, List<Object> args, int sign) {
        if (args.isEmpty()) {
            throw new RdcError(call.position(), call.name() + " needs at least one argument");
        }
        if (args.size() == 1 && args.get(0) instanceof RangeValue range) {
            if (range.size() == 0) {
                throw new RdcError(call.position(), call.name() + " of an empty range");
            }
            return sign < 0 ? range.from() : range.to();
        }
        List<?> candidates = args.size() == 1 && args.get(0) instanceof List<?> list ? list : args;
        if (candidates.isEmpty()) {
            throw new RdcError(call.position(), call.name() + " of an empty list");
        }
        Object best = candidates.get(0);
        for (Object candidate : candidates) {
            if (Arithmetic.compare(call, candidate, best) * sign > 0) {
                best = candidate;
            }
        }
        return best;
    }

}
