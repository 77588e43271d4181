package io.rdc.runtime.kernel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An RDC's node allocation as its incarnations and operators see it (dissertation §3.4, 2], 4], 6];
 * appendix B's inc_nodeAlloc; docs/pool.md): ask for more nodes of a group, wait for those not free
 * yet, give one back, read the current allocation. The same calls behind {@code ctx.allocate},
 * {@code Operator.allocate} and the language's {@code allocate}, {@code release}, {@code show allocation}.
 * The control plane holds the allocation; without one the pool is open (every RDC may use every node).
 */
public final class NodeAllocation {
    private NodeAllocation() {}

    /** How often a caller waiting for nodes not yet free asks again (a read through the control plane's log). */
    static final long WAIT_POLL_MS = 100;

    private static ControlPlane plane(Pool pool, String what) {
        ControlPlane cp = pool.control();
        if (cp == null) throw new OperationException(what + ": this pool has no control plane and no users file, so every RDC may use every node already");
        return cp;
    }

    /**
     * {@code count} more nodes of {@code group} for RDC {@code rdc}: those free now at once; with a
     * positive {@code wait}, waits that long for the rest (they come as other RDCs release nodes or
     * terminate, or nodes join). The answer marks every node given since the call as just given.
     */
    public static ControlPlane.Allocation allocate(Pool pool, long rdc, int count, String group, Duration wait) {
        ControlPlane cp = plane(pool, "allocate " + count + " from '" + group + "'");
        ControlPlane.Allocation a = cp.allocate(rdc, count, group);
        if (a.pending() == 0 || wait == null || wait.isZero() || wait.isNegative()) return a;
        TreeSet<Integer> before = new TreeSet<>();
        for (var n : a.nodes()) if (!n.justGiven()) before.add(n.node());
        long end = System.nanoTime() + wait.toNanos();
        while (a.pending() > 0 && System.nanoTime() < end) {
            try {
                Thread.sleep(WAIT_POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            a = cp.allocation(rdc);
        }
        return since(a, before);
    }

    /** The allocation with every node not in {@code before} marked just given. */
    public static ControlPlane.Allocation since(ControlPlane.Allocation a, java.util.Set<Integer> before) {
        List<ControlPlane.AllocatedNode> nodes = new ArrayList<>();
        for (var n : a.nodes())
            nodes.add(new ControlPlane.AllocatedNode(n.node(), n.rdc(), n.owner(), n.groups(), n.exclusive(), !before.contains(n.node())));
        return new ControlPlane.Allocation(a.epoch(), a.open(), a.pending(), nodes);
    }

    public static ControlPlane.Allocation release(Pool pool, long rdc, int node) {
        return plane(pool, "release node " + node).release(rdc, node);
    }

    /** The RDC's allocation; an open pool's (no control plane, or no users file) lists nothing and says open. */
    public static ControlPlane.Allocation of(Pool pool, long rdc) {
        ControlPlane cp = pool.control();
        return cp == null ? new ControlPlane.Allocation(0, true, 0, List.of()) : cp.allocation(rdc);
    }

    /** As JSON-ready values: {open, nodes: [{id, groups, exclusive, given}], pending}. */
    public static Map<String, Object> describe(ControlPlane.Allocation a) {
        List<Object> nodes = new ArrayList<>();
        for (var n : a.nodes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", n.node());
            m.put("groups", n.groups());
            m.put("exclusive", n.exclusive());
            m.put("given", n.justGiven());
            nodes.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("open", a.open());
        out.put("nodes", nodes);
        out.put("pending", a.pending());
        return out;
    }

    /** For people: "nodes 201 (systems, all), 202 (exclusive, all; exclusive; just given); 1 more asked for and not yet free". */
    public static String show(ControlPlane.Allocation a) {
        if (a.open()) return "every node (the pool has no users file: every RDC may use every node)";
        List<String> parts = new ArrayList<>();
        for (var n : a.nodes())
            parts.add(n.node() + " (" + String.join(", ", n.groups()) + (n.exclusive() ? "; exclusive" : "") + (n.justGiven() ? "; just given" : "") + ")");
        String nodes = parts.isEmpty() ? "no nodes" : (parts.size() == 1 ? "node " : "nodes ") + String.join(", ", parts);
        return nodes + (a.pending() == 0 ? "" : "; " + a.pending() + " more asked for and not yet free");
    }
}
