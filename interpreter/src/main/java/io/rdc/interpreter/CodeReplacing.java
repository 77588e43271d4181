package io.rdc.interpreter;

import io.rdc.interpreter.ast.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code replace} statement (issue 19, docs/replacement.md), apart from the long
 * {@link Evaluator}: {@code replace w with worker2 [within 5s]}. A family is replaced one member at
 * a time, in its order, so that the others keep serving meanwhile; the first member whose new code
 * fails stops the statement, saying which members already run the new code (they keep it) and that
 * the failed one and the rest run their old code. With {@code quiescent}, each member is replaced
 * only once replaceable (§6.3, R1–R3, through the server-peer harness): no client is in mid-transaction,
 * new transactions wait, and they are let in again under the new code.
 */
final class CodeReplacing {
    private CodeReplacing() {}

    static void replace(Evaluator ev, Statement.Replace r, Scope scope) {
        Object target = ev.evaluate(r.target(), scope);
        long within = r.within() == null ? 10_000 : Evaluator.duration(ev.evaluate(r.within(), scope), r.within(), "within");
        List<Handle> members = switch (target) {
            case Handle h -> List.of(h);
            case IncarnationFamily f -> new ArrayList<>(f.members().values());
            case null, default -> throw new RdcError(r.target().position(), "replace needs an incarnation or a family of them, not a "
                    + Values.typeName(target) + " (" + Values.repr(target) + ")");
        };
        List<String> done = new ArrayList<>();
        for (Handle h : members) {
            String what = "replace " + h.description() + " with " + r.module() + (r.quiescent() ? " quiescent" : "")
                    + (done.isEmpty() ? "" : " (" + String.join(", ", done) + " already run " + r.module() + " and keep it)");
            Evaluator.operation(r.position(), what, () -> {
                if (r.quiescent()) ev.operations().replaceQuiescent(h.reference(), r.module(), within);
                else ev.operations().replace(h.reference(), r.module(), within);
                return null;
            });
            done.add(h.description());
        }
    }
}
