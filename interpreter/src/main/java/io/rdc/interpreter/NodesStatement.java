package io.rdc.interpreter;

import io.rdc.interpreter.ast.Expression;
import io.rdc.interpreter.ast.Statement;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates {@code nodes create|find|destroy|stop}, SR's srx operations on a standing pool's
 * on-demand nodes (docs/pool-ondemand.md), kept out of the long {@link Evaluator}.
 */
final class NodesStatement {
    private NodesStatement() {}

    /** Create waits for a JVM's start on a loaded machine (or over ssh); the others for a node's goodbye. */
    static final long CREATE_WITHIN_MS = 120_000, STOP_WITHIN_MS = 30_000;

    static void run(Evaluator evaluator, Operations operations, PrintStream out, Statement.Nodes n, Scope scope) {
        long argument = n.argument() == null ? 0 : integer(evaluator.evaluate(n.argument(), scope), n.argument(), n.op().equals("create") ? "the count" : "the node");
        String group = text(evaluator, n.options().get("group"), scope, "group");
        String host = text(evaluator, n.options().get("host"), scope, "host");
        long within = n.within() == null ? (n.op().equals("create") ? CREATE_WITHIN_MS : STOP_WITHIN_MS) : millis(evaluator.evaluate(n.within(), scope), n.within());
        List<Long> nodes = Evaluator.operation(n.position(), "nodes " + n.op() + (n.argument() == null ? "" : " " + argument),
                () -> operations.nodes(n.op(), argument, group, host, within, out::println));
        if (n.as() != null) scope.define(n.as(), new ArrayList<Object>(nodes));
    }

    private static String text(Evaluator evaluator, Expression e, Scope scope, String what) {
        if (e == null) return "";
        Object v = evaluator.evaluate(e, scope);
        if (v instanceof String s && !s.isBlank()) return s;
        throw new RdcError(e.position(), what + " must be a name (a string), not " + Values.typeName(v) + " (" + Values.repr(v) + ")");
    }

    private static long integer(Object v, Expression e, String what) {
        if (v instanceof Long l) return l;
        throw new RdcError(e.position(), what + " must be an integer, not a " + Values.typeName(v) + " (" + Values.repr(v) + ")");
    }

    private static long millis(Object v, Expression e) {
        if (v instanceof DurationValue d && d.millis() > 0) return d.millis();
        throw new RdcError(e.position(), "within must be a positive duration like 90s, not " + Values.typeName(v) + " (" + Values.repr(v) + ")");
    }
}
