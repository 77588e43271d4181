package io.rdc.interpreter;

import io.rdc.interpreter.ast.Statement;

/**
 * The {@code allocate} statement (dissertation §3.4, appendix B's inc_nodeAlloc; docs/pool.md),
 * apart from the long {@link Evaluator}: {@code allocate 3 from "exclusive" [within 10s]}. The
 * count must be a positive integer and the group a string; each is refused at its own position.
 */
final class NodeAllocating {
    private NodeAllocating() {}

    static String allocate(Evaluator ev, Statement.Allocate a, Scope scope) {
        long count = Evaluator.integer(ev.evaluate(a.count(), scope), a.count(), "the number of nodes to allocate");
        if (count <= 0) throw new RdcError(a.count().position(), "the number of nodes to allocate must be positive, not " + count);
        Object group = ev.evaluate(a.group(), scope);
        if (!(group instanceof String g))
            throw new RdcError(a.group().position(), "allocate takes nodes from a node group, a string like \"exclusive\", not a "
                    + Values.typeName(group) + " (" + Values.repr(group) + ")");
        long wait = a.within() == null ? 0 : Evaluator.duration(ev.evaluate(a.within(), scope), a.within(), "the wait for nodes");
        return Evaluator.operation(a.position(), "allocate " + count + " from " + Values.quote(g), () -> ev.operations().allocate(count, g, wait));
    }
}
