package io.rdc.runtime.pool;

import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.kernel.ControlPlane.OnDemandNode;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.OperationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The operator's side of SR's srx operations (docs/pool-ondemand.md), shared by the CLI
 * ({@code rdc node create|find|destroy|stop}) and the language ({@code nodes create|find|destroy|stop}):
 * asking the control plane, then waiting, bounded, until the coordinator has done it.
 */
public final class OnDemand {
    private OnDemand() {}

    /** How long create waits for its nodes' hello by default: a JVM's start on a loaded machine, and ssh. */
    public static final Duration DEFAULT_START_WAIT = Duration.ofSeconds(120);
    public static final Duration DEFAULT_STOP_WAIT = Duration.ofSeconds(30);
    private static final long POLL_MS = 200;
    /**
     * A leader's coordinator claims a wanted node within a step (100 ms) and a round trip; nodes
     * all still WANTED after this long (or after the whole wait, if shorter) mean there is none (a
     * member started without the pool's key file runs none), and waiting out the whole start bound
     * would only delay saying so. Generous: on a loaded machine a claim can take seconds.
     */
    static final Duration UNCLAIMED_BOUND = Duration.ofSeconds(60);

    /** Asks for {@code count} more nodes and waits until every one is UP; fails naming a node that FAILED, or what is still pending at the end. */
    public static List<OnDemandNode> create(ControlPlane cp, long rdc, String group, String host, int count, Duration wait, Consumer<OnDemandNode> up) {
        List<Integer> ids = cp.createNodes(rdc, group, host, count).stream().map(OnDemandNode::node).toList();
        try {
            return wait.isZero() ? find(cp, ids) : await(cp, ids, wait, "UP", up);
        } catch (Unclaimed e) {
            for (int id : ids) cp.destroyNode(id); // never started: nothing should start them later, unasked
            throw e;
        }
    }

    /** Ends {@code nodes} (empty: every one of RDC {@code rdc}, 0 all) and waits until each is STOPPED (or FAILED). */
    public static List<OnDemandNode> stop(ControlPlane cp, long rdc, List<Integer> nodes, Duration wait) {
        List<Integer> ids = new ArrayList<>(nodes);
        if (nodes.isEmpty()) {
            for (OnDemandNode n : cp.findNodes(rdc)) if (live(n)) ids.add(n.node());
            cp.stopNodes(rdc);
        } else {
            for (int n : nodes) cp.destroyNode(n);
        }
        return wait.isZero() ? find(cp, ids) : await(cp, ids, wait, "STOPPED", n -> {});
    }

    /** The nodes {@code ids} as the plane knows them now. */
    private static List<OnDemandNode> find(ControlPlane cp, List<Integer> ids) {
        Map<Integer, OnDemandNode> all = new TreeMap<>();
        for (OnDemandNode n : cp.findNodes(0)) all.put(n.node(), n);
        List<OnDemandNode> out = new ArrayList<>();
        for (int id : ids) if (all.containsKey(id)) out.add(all.get(id));
        return out;
    }

    /** Nobody claimed the nodes: the plane has no coordinator. */
    static final class Unclaimed extends OperationException {
        Unclaimed(String message) {
            super(message);
        }
    }

    private static List<OnDemandNode> await(ControlPlane cp, List<Integer> ids, Duration wait, String goal, Consumer<OnDemandNode> reached) {
        long start = System.nanoTime(), deadline = start + wait.toNanos();
        java.util.Set<Integer> told = new java.util.HashSet<>();
        while (true) {
            List<OnDemandNode> now = find(cp, ids);
            boolean all = now.size() == ids.size();
            for (OnDemandNode n : now) {
                if (n.state().equals("FAILED") && goal.equals("UP"))
                    throw new OperationException("node " + n.node() + " did not start" + (n.host().isEmpty() ? "" : " on " + n.host()) + ": " + n.error());
                boolean done = n.state().equals(goal) || goal.equals("STOPPED") && n.state().equals("FAILED");
                if (done && told.add(n.node())) reached.accept(n);
                all &= done;
            }
            if (all) return now;
            long unclaimedBound = Math.min(wait.toNanos(), UNCLAIMED_BOUND.toNanos());
            if (goal.equals("UP") && System.nanoTime() - start >= unclaimedBound && now.stream().allMatch(n -> n.state().equals("WANTED")))
                throw new Unclaimed("no coordinator claimed node(s) " + ids + " within " + TimeUnit.NANOSECONDS.toSeconds(unclaimedBound) + " s: one runs in each"
                        + " control-plane member of a standing pool (rdc pool start) that was given the pool's key file");
            if (System.nanoTime() - deadline >= 0) {
                List<String> pending = now.stream().filter(n -> !n.state().equals(goal)).map(n -> "node " + n.node() + " is " + n.state()
                        + (n.state().equals("WANTED") ? " (no coordinator claimed it: one runs in each member of a standing pool, rdc pool start)" : "")).toList();
                throw new OperationException("not " + goal + " within " + wait.toSeconds() + " s: " + String.join("; ", pending));
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OperationException("interrupted while waiting for nodes " + ids);
            }
        }
    }

    public static boolean live(OnDemandNode n) {
        return n.state().equals("WANTED") || n.state().equals("STARTING") || n.state().equals("UP");
    }

    /** One line of {@code find}: {@code 1001  UP  local  pid 4242 (member 0)  group all  RDC 0.3}. */
    public static String line(OnDemandNode n) {
        return String.format("%-6d %-9s %-12s %-24s group %s%s%s", n.node(), n.state(), n.host().isEmpty() ? "-" : n.host(),
                n.pid() == 0 ? "" : "pid " + n.pid() + " (member " + n.member() + ")", n.group(),
                n.rdc() == 0 ? "" : "  RDC " + Ids.show(n.rdc()), n.error().isEmpty() ? "" : "  " + n.error());
    }
}
