package io.rdc.runtime.control;

import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.node.NodeInfo;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Node allocation (dissertation §3.4, appendix B's inc_nodeAlloc; docs/pool.md): which nodes each
 * RDC may create on and migrate to, from the node groups its owner may use by the pool users file.
 * Part of the control service's replicated state (deterministic: key-ordered maps, node ids in
 * order, no clock), written in its snapshot.
 *
 * <p>A node is <b>exclusive</b> when one of its groups is ("exclusive", or a name starting so): it
 * is given to one RDC at a time, only when asked for, and comes back to the pool when released or
 * when the RDC terminates. Every other node is <b>shared</b> (systems, balanced, timeshared, ...):
 * an RDC is given every shared node its owner may use when it is launched (and each such node that
 * joins later). Without a users file the pool is <b>open</b>: nothing is allocated or enforced and
 * every RDC may use every node.
 */
final class Allocations {

    /** A request for nodes not yet satisfied: served, in the order made, as nodes come free. */
    static final class Demand {
        final long rdc;
        final String group;
        int count;

        Demand(long rdc, String group, int count) {
            this.rdc = rdc;
            this.group = group;
            this.count = count;
        }
    }

    /** What an allocation answer lists: one node of an RDC, or one RDC of a node. */
    record Entry(int node, long rdc, boolean exclusive, boolean justGiven, String owner, List<String> groups) {}

    record View(long epoch, boolean open, int pending, List<Entry> entries) {}

    private final ControlService s;
    /** Null: an open pool (no users file). Volatile: the consensus module's authenticator reads users' key files from it (PoolKeyAuth). */
    volatile PoolUsers users;
    /** Bumped on every change of any allocation, so nodes know when to read theirs again (their heartbeat answers carry it). */
    long epoch;
    final TreeMap<Long, TreeSet<Integer>> held = new TreeMap<>();
    final List<Demand> demands = new ArrayList<>();

    Allocations(ControlService s) {
        this.s = s;
    }

    static boolean isExclusiveGroup(String group) {
        return group.startsWith("exclusive");
    }

    static boolean isExclusive(NodeInfo n) {
        for (String g : n.groups()) if (isExclusiveGroup(g)) return true;
        return false;
    }

    /** The pool users file (null or empty text: open). Allocations made before stay. */
    void setUsers(String source, String text) {
        PoolUsers next = text == null || text.isBlank() ? null : PoolUsers.parse(source, text);
        // A user's own key is what proves them (docs/security.md): a pool-key holder reloading the
        // users file must not take it away or point it elsewhere, or they could then claim that user.
        // (Rotating a key is writing a new one into the same file.)
        if (users != null)
            for (PoolUsers.Rule r : users.rules().values()) {
                if (r.keyFile() == null) continue;
                java.nio.file.Path now = next == null ? null : next.keyFileOf(r.user());
                if (!r.keyFile().equals(now))
                    throw new OperationException("set users: the users file in force (" + users.source() + ":" + r.line() + ") gives user '"
                            + r.user() + "' the key " + r.keyFile() + "; a new users file may not " + (now == null ? "take it away" : "change it to " + now)
                            + " (write the new key into that file instead)");
            }
        users = next;
        epoch++;
    }

    /** A session in an RDC (new or not) is opened for {@code user}: refused when the users file does not name them. */
    void checkUser(String user, String rdcName) {
        if (users != null) users.ruleOf(user, "opening a session in RDC '" + rdcName + "'");
    }

    /** Launch (§3.3): the new RDC is given every shared node its owner may use. */
    void onLaunch(ControlService.RdcState r) {
        epoch++; // an open pool's nodes list every RDC's owner too (their access lists check owners)
        if (users == null) return;
        TreeSet<Integer> nodes = held.computeIfAbsent(r.id, k -> new TreeSet<>());
        for (ControlService.MemberState m : s.members.values())
            if (!m.operator && !isExclusive(m.info) && mayUseAny(r.owner, m.info)) nodes.add(m.info.id());
    }

    /** A node joined the pool, or answers again: a shared one is given to every running RDC whose owner may use it; waiting demands may take it. */
    void onJoin(ControlService.MemberState m) {
        if (users == null || m.operator) return;
        if (!isExclusive(m.info))
            for (ControlService.RdcState r : s.rdcs.values())
                if (!r.terminated && mayUseAny(r.owner, m.info) && held.computeIfAbsent(r.id, k -> new TreeSet<>()).add(m.info.id())) epoch++;
        serveDemands();
    }

    /**
     * A node stopped answering (its liveness bound passed): it leaves every RDC's allocation, so
     * creations and moves are not aimed at it and {@code show allocation} tells the truth. An RDC
     * that held it exclusively asks for a replacement from its exclusive group, served now or as
     * nodes come free. When the node answers again, {@link #onJoin} gives it back as a new node: a
     * shared one to every RDC that may use it, an exclusive one to whoever waits (not necessarily
     * its former holder, which may have its replacement by then).
     */
    void onUnreachable(ControlService.MemberState m) {
        if (users == null || m.operator) return;
        int node = m.info.id();
        String exclusiveGroup = null;
        for (String g : m.info.groups()) if (isExclusiveGroup(g)) exclusiveGroup = exclusiveGroup == null ? g : exclusiveGroup;
        for (var e : held.entrySet()) {
            if (!e.getValue().remove(node)) continue;
            epoch++;
            if (exclusiveGroup != null) demands.add(new Demand(e.getKey(), exclusiveGroup, 1));
        }
        serveDemands();
    }

    /** The RDC terminated: its nodes go back to the pool (§3.4, 3]) and its waiting demands go. */
    void onTerminate(ControlService.RdcState r) {
        if (held.remove(r.id) != null) epoch++;
        demands.removeIf(d -> d.rdc == r.id);
        serveDemands();
    }

    /** inc_nodeAlloc: {@code count} more nodes of {@code group} for the RDC, those free now at once, the rest as they come free. */
    View allocate(ControlService.RdcState r, int count, String group) {
        String what = "allocate " + count + " from '" + group + "' for RDC " + show(r);
        if (users == null) throw new OperationException(what + ": this pool has no users file, so every RDC may use every node already");
        if (count <= 0) throw new OperationException(what + ": the number of nodes must be positive");
        TreeSet<String> groups = new TreeSet<>();
        boolean any = false;
        for (ControlService.MemberState m : s.members.values()) {
            if (m.operator) continue;
            groups.addAll(m.info.groups());
            any |= m.info.groups().contains(group);
        }
        if (!any) throw new OperationException(what + ": no node of the pool is in group '" + group + "' (groups: " + String.join(", ", groups) + ")");
        users.checkGroup(r.owner, group, what);
        TreeSet<Integer> before = new TreeSet<>(held.getOrDefault(r.id, new TreeSet<>()));
        Demand d = new Demand(r.id, group, count);
        grant(d);
        if (d.count > 0) demands.add(d);
        return rdcView(r, before);
    }

    /**
     * The RDC gives a node back (§3.4, 6]: as its demand declines). Its requests still waiting are
     * withdrawn with it: an RDC that gives nodes back needs no more, and would otherwise be given the
     * node it released straight back.
     */
    View release(ControlService.RdcState r, int node) {
        TreeSet<Integer> nodes = held.get(r.id);
        if (users == null) throw new OperationException("release node " + node + ": this pool has no users file, so nothing is allocated");
        if (nodes == null || !nodes.remove(node))
            throw new OperationException("release node " + node + ": it is not allocated to RDC " + show(r) + " (allocated: " + list(nodes) + ")");
        epoch++;
        demands.removeIf(d -> d.rdc == r.id);
        serveDemands();
        return rdcView(r, null);
    }

    /** The nodes granted to demands in order, as far as free nodes go. */
    private void serveDemands() {
        for (Iterator<Demand> it = demands.iterator(); it.hasNext(); ) {
            Demand d = it.next();
            grant(d);
            if (d.count == 0) it.remove();
        }
    }

    private void grant(Demand d) {
        ControlService.RdcState r = s.rdcs.get(d.rdc);
        if (r == null || r.terminated) {
            d.count = 0;
            return;
        }
        TreeSet<Integer> mine = held.computeIfAbsent(d.rdc, k -> new TreeSet<>());
        for (ControlService.MemberState m : s.members.values()) {
            if (d.count == 0) return;
            int node = m.info.id();
            if (m.operator || !m.reachable || !m.info.groups().contains(d.group) || mine.contains(node)) continue;
            if (isExclusive(m.info) && holderOf(node) != 0) continue;
            mine.add(node);
            d.count--;
            epoch++;
        }
    }

    /** The running RDC an exclusive node is given to, or 0. */
    private long holderOf(int node) {
        for (var e : held.entrySet()) if (e.getValue().contains(node)) return e.getKey();
        return 0;
    }

    private boolean mayUseAny(String user, NodeInfo n) {
        for (String g : n.groups()) if (users.mayUse(user, g)) return true;
        return false;
    }

    /** An RDC's nodes; {@code before}: its nodes before this request (the rest are marked just given), or null. */
    View rdcView(ControlService.RdcState r, TreeSet<Integer> before) {
        List<Entry> out = new ArrayList<>();
        for (int node : held.getOrDefault(r.id, new TreeSet<>())) {
            ControlService.MemberState m = s.members.get(node);
            List<String> groups = m == null ? List.of() : m.info.groups();
            out.add(new Entry(node, r.id, m != null && isExclusive(m.info), before != null && !before.contains(node), r.owner, groups));
        }
        int pending = 0;
        for (Demand d : demands) if (d.rdc == r.id) pending += d.count;
        return new View(epoch, users == null, pending, out);
    }

    /** The running RDCs a node is allocated to (what its loader checks); in an open pool every running RDC, for its owner. */
    View nodeView(int node) {
        List<Entry> out = new ArrayList<>();
        if (users == null) {
            for (ControlService.RdcState r : s.rdcs.values()) if (!r.terminated) out.add(new Entry(node, r.id, false, false, r.owner, List.of()));
            return new View(epoch, true, 0, out);
        }
        for (var e : held.entrySet()) {
            ControlService.RdcState r = s.rdcs.get(e.getKey());
            if (r != null && !r.terminated && e.getValue().contains(node)) out.add(new Entry(node, r.id, false, false, r.owner, List.of()));
        }
        return new View(epoch, users == null, 0, out);
    }

    private String show(ControlService.RdcState r) {
        return Ids.show(r.id) + (r.name == null || r.name.isEmpty() ? "" : " ('" + r.name + "')");
    }

    private static String list(TreeSet<Integer> nodes) {
        return nodes == null || nodes.isEmpty() ? "none" : nodes.toString().replace("[", "").replace("]", "");
    }
}
