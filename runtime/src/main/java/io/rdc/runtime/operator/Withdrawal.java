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
 * answers; one that cannot move yet is tried again until the notice runs out, and what is still
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
        Map<String, String> outcome = new LinkedHashMap<>();
        List<Kernel.Guest> left = new ArrayList<>(guests);
        Map<Long, String> lastError = new HashMap<>();
        while (!left.isEmpty() && System.nanoTime() - deadline < 0 && !load.isEmpty()) {
            for (var it = left.iterator(); it.hasNext(); ) {
                Kernel.Guest g = it.next();
                int to = leastLoaded(load);
                long within = Math.max(1, deadline - System.nanoTime());
                try {
                    kernel.migrate(g.gid(), to, within, true);
                    load.merge(to, 1, Integer::sum);
                    outcome.put(label(g), "migrated to node " + to);
                    it.remove();
                } catch (OperationException e) {
                    if (String.valueOf(e.getMessage()).contains("does not exist")) { // destroyed meanwhile: nothing to move
                        outcome.put(label(g), "gone before it was moved");
                        it.remove();
                    } else {
                        lastError.put(g.gid(), e.getMessage());
                    }
                }
                if (System.nanoTime() - deadline >= 0) break;
            }
            if (!left.isEmpty()) sleepUntil(Math.min(deadline, System.nanoTime() + RETRY_NS));
        }
        for (Kernel.Guest g : left) {
            String err = lastError.getOrDefault(g.gid(), load.isEmpty() ? "no other node answers" : "the notice ran out");
            if (destroyRest) {
                try {
                    kernel.destroy(g.gid());
                    outcome.put(label(g), "destroyed at the deadline (" + err + ")");
                } catch (OperationException e) {
                    outcome.put(label(g), "could not be destroyed: " + e.getMessage());
                }
            } else {
                outcome.put(label(g), "left at node " + node + " (" + err + ")");
            }
        }
        return new Outcome(node, outcome);
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
