package io.rdc.runtime.kernel;

import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.node.NodeInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/**
 * The pool of nodes every kernel knows of, and where pool-wide state lives. A pool starts from a
 * node descriptor (§3.3's fig. 3.3); with a control plane it also learns the nodes that said hello
 * to it (the SR coordinator's hello), including operators' session kernels, which host no
 * incarnations and so are not among {@link #nodes()}.
 *
 * <p>Reads are lock-free (the transport looks nodes up on its send path); changes, which are rare,
 * copy the tables.
 */
public final class Pool {
    private volatile NodeDescriptor descriptor;
    private volatile NodeInfo[] byId;
    /** Ids of nodes known to be operators' session kernels (no incarnations are placed there). */
    private volatile boolean[] operator = new boolean[0];
    private volatile ControlPlane control;
    /** Nodes the control plane reports silent past its liveness bound (refreshed by the pool's watcher). */
    private volatile boolean[] down = new boolean[0];
    private final List<IntConsumer> endpointChanged = new CopyOnWriteArrayList<>();

    public Pool(NodeDescriptor descriptor) {
        this.descriptor = descriptor;
        int max = descriptor.nodes().stream().mapToInt(NodeInfo::id).max().orElse(0);
        NodeInfo[] t = new NodeInfo[max + 1];
        for (NodeInfo n : descriptor.nodes()) t[n.id()] = n;
        byId = t;
    }

    /** The nodes incarnations may be placed on (operators' session kernels excluded). */
    public List<NodeInfo> nodes() {
        return descriptor.nodes();
    }

    /** Any node this pool knows, operators' kernels included; asks the control plane about an unknown id. */
    public NodeInfo node(int id) {
        NodeInfo[] t = byId;
        NodeInfo n = id >= 0 && id < t.length ? t[id] : null;
        if (n != null || control == null || id < 0) return n;
        refresh();
        t = byId;
        return id < t.length ? t[id] : null;
    }

    public List<Integer> nodeIds() {
        return descriptor.nodes().stream().map(NodeInfo::id).toList();
    }

    public Optional<NodeInfo> byName(String name) {
        return descriptor.byName(name);
    }

    /** Without a control plane, the name service (§5.4) lives at the pool's first node. */
    public int nameServiceNode() {
        return descriptor.nodes().get(0).id();
    }

    public NodeDescriptor descriptor() {
        return descriptor;
    }

    public ControlPlane control() {
        return control;
    }

    public void control(ControlPlane c) {
        this.control = c;
    }

    public boolean isOperator(int id) {
        boolean[] o = operator;
        return id >= 0 && id < o.length && o[id];
    }

    /** Called with a node id whose endpoint changed (a node restarted elsewhere, an operator id reused): transports drop their publication to it. */
    public void onEndpointChange(IntConsumer listener) {
        endpointChanged.add(listener);
    }

    /** Whether the control plane reports this node unreachable (no heartbeat within its bound). */
    public boolean isDown(int id) {
        boolean[] d = down;
        return id >= 0 && id < d.length && d[id];
    }

    /** Re-reads the membership from the control plane: new nodes, changed endpoints, liveness. */
    public void refresh() {
        ControlPlane c = control;
        if (c == null) return;
        List<ControlPlane.Member> members = c.members();
        int max = 0;
        for (ControlPlane.Member m : members) {
            learn(m.info(), m.operator());
            max = Math.max(max, m.info().id());
        }
        boolean[] d = new boolean[max + 1];
        for (ControlPlane.Member m : members) d[m.info().id()] = !m.reachable();
        down = d;
    }

    /** Adds a node learned from the control plane, or updates one whose description changed. */
    public void learn(NodeInfo n, boolean isOperator) {
        List<Integer> changed = new ArrayList<>(1);
        synchronized (this) {
            NodeInfo[] t = byId;
            NodeInfo old = n.id() < t.length ? t[n.id()] : null;
            if (n.equals(old) && isOperator(n.id()) == isOperator) return;
            if (old != null && old.endpoint() != null && !old.endpoint().equals(n.endpoint())) changed.add(n.id());
            NodeInfo[] grown = Arrays.copyOf(t, Math.max(t.length, n.id() + 1));
            grown[n.id()] = n;
            boolean[] ops = Arrays.copyOf(operator, grown.length);
            ops[n.id()] = isOperator;
            operator = ops;
            byId = grown;
            List<NodeInfo> listed = new ArrayList<>();
            for (NodeInfo x : grown) if (x != null && !ops[x.id()]) listed.add(x);
            descriptor = NodeDescriptor.of(listed);
        }
        for (int id : changed) for (IntConsumer l : endpointChanged) l.accept(id);
    }
}
