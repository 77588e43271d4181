package io.rdc.runtime.operator;

import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.NodeStatus;
import io.rdc.runtime.kernel.OperationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Withdrawing a node (§3.4, {@code inc_nodeWithdraw}), with Sprite's eviction: the node takes no
 * new incarnations and warns its guests (a WITHDRAWING event, to them and their watchers); each
 * guest is then migrated, with everything queued and in flight, to the least loaded other node that
 * answers and is allocated to its RDC (or given to it now), all of them at once; one that cannot
 * move yet is tried again until the notice runs out, and what is still there then is destroyed or
 * left, as asked. User-level code over the kernel's calls, as the
 * dissertation wants of pool-manager policies.
 */
public final class Withdrawal {
    /** What became of each guest, by name and id: moved to a node, destroyed, or left (with why). */
    public record Outcome(int node, Map<String, String> guests) {
        public String summary() {
            StringBuilder sb = new StringBuilder("node " + node + " withdrawn");
            if (guests.isEmpty()) sb.append(": it had no guests");
            for (var e : guests.entrySet()) sb.append('\n').append("  ").append(e.getKey()).append(": ").append(e.getValue());
            return sb.toString();
        }
    }

    private static final long RETRY_NS = 500_000_000L;

    private Withdrawal() {}

    static Outcome withdraw(Kernel kernel, int node, Duration notice, boolean destroyRest) {
        if (kernel.pool().node(node) == null) throw new OperationException("withdraw: node " + node + " is not in the pool (nodes: " + kernel.pool().nodeIds() + ")");
        long deadline = System.nanoTime() + notice.toNanos();
        String why = "node " + node + " is withdrawn: its guests move to other nodes within " + notice.toMillis() + " ms"
                + (destroyRest ? ", or are destroyed" : "");
        List<Kernel.Guest> guests = kernel.withdraw(node, why);
        Map<Integer, Integer> load = new HashMap<>();
        for (NodeStatus n : kernel.nodes(null)) if (n.reachable() && n.id() != node) load.put(n.id(), n.incarnations());
        if (load.isEmpty() && !guests.isEmpty() && !destroyRest)
            throw new OperationException("withdraw node " + node + ": no other node answers to take its " + guests.size() + " guests");
        // Each guest moves on a thread of its own: one that is slow to reach a handler boundary (a
        // scheduler serving invokes, a worker blocked invoking it) must not spend the notice of the
        // others, as it did when they moved one after the other (TextprocTest, withdrawing node 201).
        Map<Long, Move> moved = new java.util.concurrent.ConcurrentHashMap<>();
        Map<Long, Set<Integer>> allowed = allowedByRdc(kernel, node, guests, load.keySet());
        List<Thread> movers = new ArrayList<>();
        for (Kernel.Guest g : guests)
            movers.add(Thread.ofVirtual().name("withdraw-" + Ids.show(g.gid())).start(() -> {
                try {
                    moved.put(g.gid(), move(kernel, g, load, allowed.get(g.rdc()), deadline));
                } catch (RuntimeException e) { // not an answer of the kernel's: still said, not lost with the thread
                    moved.put(g.gid(), new Move(false, e.toString()));
                }
            }));
        Map<String, String> outcome = new LinkedHashMap<>();
        for (int i = 0; i < guests.size(); i++) {
            Kernel.Guest g = guests.get(i);
            try {
                movers.get(i).join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OperationException("withdraw node " + node + ": interrupted while its guests moved");
            }
            Move m = moved.get(g.gid());
            if (m.gone()) outcome.put(label(g), m.what());
            else if (destroyRest) {
                try {
                    kernel.destroy(g.gid());
                    outcome.put(label(g), "destroyed at the deadline (" + m.what() + ")");
                } catch (OperationException e) {
                    outcome.put(label(g), "could not be destroyed: " + e.getMessage());
                }
            } else {
                outcome.put(label(g), "left at node " + node + " (" + m.what() + ")");
            }
        }
        return new Outcome(node, outcome);
    }

    /**
     * Where each guest's RDC may go (§3.4: creating or migrating onto a node not allocated to the RDC
     * is refused): null for every answering node (an open pool, or no control plane); else the other
     * answering nodes allocated to it. An RDC with none asks the pool for one node of the withdrawn
     * node's groups (Sprite's eviction to an idle host), in the RDC's name; a refusal is the reason
     * its guests stay.
     */
    private static Map<Long, Set<Integer>> allowedByRdc(Kernel kernel, int node, List<Kernel.Guest> guests, Set<Integer> answering) {
        Map<Long, Set<Integer>> out = new HashMap<>();
        ControlPlane plane = kernel.pool().control();
        if (plane == null) return out;
        for (Kernel.Guest g : guests) {
            if (out.containsKey(g.rdc())) continue;
            try {
                ControlPlane.Allocation a = plane.allocation(g.rdc());
                if (a.open()) {
                    out.put(g.rdc(), null);
                    continue;
                }
                Set<Integer> mine = new TreeSet<>();
                List<String> groups = List.of();
                for (ControlPlane.AllocatedNode n : a.nodes()) {
                    if (n.node() == node) groups = n.groups();
                    else if (answering.contains(n.node())) mine.add(n.node());
                }
                for (int i = 0; mine.isEmpty() && i < groups.size(); i++) {
                    try {
                        for (ControlPlane.AllocatedNode n : plane.allocate(g.rdc(), 1, groups.get(i)).nodes())
                            if (n.node() != node && answering.contains(n.node())) mine.add(n.node());
                    } catch (OperationException refused) {
                        // another of the node's groups may do
                    }
                }
                out.put(g.rdc(), mine);
            } catch (OperationException e) { // the RDC's allocation cannot be read: every answering node, the kernel refuses what it must
                out.put(g.rdc(), null);
            }
        }
        return out;
    }

    /** What became of one guest: gone from the node (and how), or still there (and the last reason it could not move). */
    private record Move(boolean gone, String what) {}

    /**
     * Migrates one guest to the least loaded other node, trying again every {@link #RETRY_NS} until
     * the deadline.
     */
    private static Move move(Kernel kernel, Kernel.Guest g, Map<Integer, Integer> load, Set<Integer> allowed, long deadline) {
        if (allowed != null && allowed.isEmpty())
            return new Move(false, "no other answering node is allocated to its RDC " + Ids.show(g.rdc()) + ", and the pool gave it none");
        String lastError = load.isEmpty() ? "no other node answers" : "the notice ran out";
        while (System.nanoTime() - deadline < 0 && !load.isEmpty()) {
            int to;
            synchronized (load) {
                to = leastLoaded(load, allowed);
                if (to == 0) return new Move(false, "no node allocated to its RDC answers");
                load.merge(to, 1, Integer::sum); // counted at once, so guests moving together spread out
            }
            try {
                kernel.migrate(g.gid(), to, Math.max(1, deadline - System.nanoTime()), true);
                return new Move(true, "migrated to node " + to);
            } catch (OperationException e) {
                synchronized (load) {
                    load.merge(to, -1, Integer::sum);
                }
                if (String.valueOf(e.getMessage()).contains("does not exist")) return new Move(true, "gone before it was moved"); // destroyed meanwhile
                lastError = e.getMessage();
            }
            sleepUntil(Math.min(deadline, System.nanoTime() + RETRY_NS));
        }
        return new Move(false, lastError);
    }

    private static String label(Kernel.Guest g) {
        return g.name() + " (" + Ids.show(g.gid()) + ")";
    }

    /** The least loaded node of {@code allowed} (null: of all), lowest id first among equals. */
    private static int leastLoaded(Map<Integer, Integer> load, Set<Integer> allowed) {
        int best = 0, bestLoad = Integer.MAX_VALUE;
        for (var e : load.entrySet())
            if (allowed != null && !allowed.contains(e.getKey())) continue;
            else if (e.getValue() < bestLoad || (e.getValue() == bestLoad && e.getKey() < best)) {
                best = e.getKey();
                bestLoad = e.getValue();
            }
        return best;
    }

    private static void sleepUntil(long nanoTime) {
        long left = nanoTime - System.nanoTime();
        if (left > 0) java.util.concurrent.locks.LockSupport.parkNanos(left);
    }
}
