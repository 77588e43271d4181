package io.rdc.runtime.operator;

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

/**
 * Withdrawing a node (§3.4, {@code inc_nodeWithdraw}), with Sprite's eviction: the node takes no
 * new incarnations and warns its guests (a WITHDRAWING event, to them and their watchers); each
 * guest is then migrated, with everything queued and in flight, to the least loaded other node that
 * answers, all of them at once; one that cannot move yet is tried again until the notice runs out, and what is still
 * there then is destroyed or left, as asked. User-level code over the kernel's calls, as the
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
        List<Thread> movers = new ArrayList<>();
        for (Kernel.Guest g : guests)
            movers.add(Thread.ofVirtual().name("withdraw-" + Ids.show(g.gid())).start(() -> {
                try {
                    moved.put(g.gid(), move(kernel, g, load, deadline));
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

    /** What became of one guest: gone from the node (and how), or still there (and the last reason it could not move). */
    private record Move(boolean gone, String what) {}

    /**
     * Migrates one guest to the least loaded other node, trying again every {@link #RETRY_NS} until
     * the deadline.
     */
    private static Move move(Kernel kernel, Kernel.Guest g, Map<Integer, Integer> load, long deadline) {
        String lastError = load.isEmpty() ? "no other node answers" : "the notice ran out";
        while (System.nanoTime() - deadline < 0 && !load.isEmpty()) {
            int to;
            synchronized (load) {
                to = leastLoaded(load);
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

    private static int leastLoaded(Map<Integer, Integer> load) {
        int best = 0, bestLoad = Integer.MAX_VALUE;
        for (var e : load.entrySet())
            if (e.getValue() < bestLoad || (e.getValue() == bestLoad && e.getKey() < best)) {
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
