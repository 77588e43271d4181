package io.rdc.runtime.js;

import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.ref.Rights;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ctx calls a manager incarnation needs to look after its own RDC (docs/pool.md, "Load
 * balancing"; stdlib/balancer.js): {@code ctx.incarnations()}, its RDC's incarnations wherever they
 * run, and {@code ctx.adopt(id)}, a handle on one of them. The operator session has both
 * ({@code Operator.list}, {@code Operator.adopt}); an incarnation gets them only within its own RDC:
 * the RDC's incarnations are the same launch's code (§7.2.1: the pool manager is made a parent of a
 * balanced RDC's incarnations), and another RDC's are refused. The handle carries only what a
 * manager needs to place an incarnation (migrate, status, events), not destroy or freeze.
 */
final class ManagerCalls {
    private ManagerCalls() {}

    /** What an adopted handle may do. */
    static final int ADOPTED_RIGHTS = Rights.MIGRATE | Rights.STATUS | Rights.EVENTS;

    /** The RDC's incarnations, asked of every node: id, name, module, state, node, queued, handler time. */
    static List<Object> incarnations(Kernel kernel, Incarnation inc) {
        List<Object> out = new ArrayList<>();
        for (Kernel.Listed l : kernel.list(inc.rdcId)) {
            if (l.rdc() != inc.rdcId) continue; // list(0) would answer every RDC's
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", Ids.show(l.gid()));
            m.put("name", l.name());
            m.put("module", l.module());
            m.put("state", l.state().name());
            m.put("node", l.node());
            m.put("queued", l.queued());
            m.put("handlerMicros", l.handlerMicros());
            m.put("self", l.gid() == inc.gid);
            out.add(m);
        }
        return out;
    }

    /** A handle (migrate, status, events) on the incarnation {@code id} ("201.7"), which must belong to the caller's RDC. */
    static Ref adopt(Kernel kernel, Incarnation inc, String id) {
        long gid = parseId(id);
        for (Kernel.Listed l : kernel.list(inc.rdcId))
            if (l.gid() == gid && l.rdc() == inc.rdcId)
                return inc.refs.add(RefKind.INCARNATION, kernel.incarnationHandle(gid), ADOPTED_RIGHTS, false);
        throw new OperationException("no incarnation " + id + " in this incarnation's RDC " + Ids.show(inc.rdcId)
                + " (an incarnation may adopt only its own RDC's: ctx.incarnations() lists them)");
    }

    private static long parseId(String id) {
        int dot = id == null ? -1 : id.indexOf('.');
        try {
            if (dot > 0) return Ids.make(Integer.parseInt(id.substring(0, dot)), Long.parseLong(id.substring(dot + 1)));
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("an incarnation id is NODE.COUNTER as ctx.incarnations() gives it (like \"201.7\"), not " + id);
    }
}
