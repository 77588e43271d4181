package io.rdc.runtime.kernel;

import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.node.NodeInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    /** Every node known, by id: replaced whole on a change (copy on write), read without locks. */
    private volatile Map<Integer, NodeInfo> byId;
    /** Ids of nodes known to be operators' session kernels (no incarnations are placed there). */
    private volatile Set<Integer> operators = Set.of();
    private volatile ControlPlane control;
    /** Nodes the control plane reports silent past its liveness bound (refreshed by the pool's watcher). */
    /** The nodes the control plane reports down (departed operator sessions too), sorted: the send path asks without boxing an id. */
    private volatile int[] down = new int[0];
    private final List<IntConsumer> endpointChanged = new CopyOnWriteArrayList<>();
    private final io.rdc.runtime.security.PoolKey key;
    private final io.rdc.runtime.security.CheckpointDir checkpoints;
    private final io.rdc.runtime.files.FileSpace files;
    /** The bounds each RDC states for itself, as this process knows them (its kernels share them; RdcLimits). */
    private final RdcLimits.Table rdcLimits = new RdcLimits.Table(this);

    /** A pool with a key of its own and checkpoints under the default directory (tests of one JVM). */
    public Pool(NodeDescriptor descriptor) {
        this(descriptor, io.rdc.runtime.security.PoolKey.generate(),
                new io.rdc.runtime.security.CheckpointDir(io.rdc.runtime.pool.PoolConfig.defaultCheckpointDir()));
    }

    public Pool(NodeDescriptor descriptor, io.rdc.runtime.security.PoolKey key, io.rdc.runtime.security.CheckpointDir checkpoints) {
        this(descriptor, key, checkpoints, new io.rdc.runtime.files.FileSpace(io.rdc.runtime.pool.PoolConfig.defaultFilesDir()));
    }

    public Pool(NodeDescriptor descriptor, io.rdc.runtime.security.PoolKey key, io.rdc.runtime.security.CheckpointDir checkpoints,
                io.rdc.runtime.files.FileSpace files) {
        this.descriptor = descriptor;
        this.key = key;
        this.checkpoints = checkpoints;
        this.files = files;
        Map<Integer, NodeInfo> t = new HashMap<>();
        for (NodeInfo n : descriptor.nodes()) t.put(n.id(), n);
        byId = t;
    }

    /** The nodes incarnations may be placed on (operators' session kernels excluded). */
    public List<NodeInfo> nodes() {
        return descriptor.nodes();
    }

    /** Any node this pool knows, operators' kernels included; asks the control plane about an unknown id. */
    public NodeInfo node(int id) {
        NodeInfo n = byId.get(id);
        if (n != null || control == null || id < 0) return n;
        refresh();
        return byId.get(id);
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

    /** The pool's secret: frames and checkpoint files are MAC'ed with it. */
    public RdcLimits.Table rdcLimits() {
        return rdcLimits;
    }

    public io.rdc.runtime.security.PoolKey key() {
        return key;
    }

    /** Where this pool's checkpoint files may be written and read on this machine. */
    public io.rdc.runtime.security.CheckpointDir checkpoints() {
        return checkpoints;
    }

    /** The pool's file namespace (docs/files.md). */
    public io.rdc.runtime.files.FileSpace files() {
        return files;
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

    /** The key the control plane signs operator tokens with (X.509), as asked of it at start; null: it signs none (or there is no plane). */
    private volatile byte[] operatorTokenKey;

    public byte[] operatorTokenKey() {
        return operatorTokenKey;
    }

    public void operatorTokenKey(byte[] key) {
        this.operatorTokenKey = key;
    }

    /** The control plane's operator-token revocations as this process last read them (docs/security.md, "Revoking tokens"). */
    private volatile io.rdc.runtime.security.TokenRevocations tokenRevocations = io.rdc.runtime.security.TokenRevocations.NONE;

    public io.rdc.runtime.security.TokenRevocations tokenRevocations() {
        return tokenRevocations;
    }

    /**
     * Reads the plane's token revocations again when its latest heartbeat answer says they moved
     * (the heartbeat's thread; never the kernel's). Kernels see the new table at their next request.
     */
    public void refreshTokenRevocations() {
        ControlPlane c = control;
        if (c == null || operatorTokenKey == null) return;
        if (c.revocationsVersion() != tokenRevocations.version()) tokenRevocations = c.tokenRevocations();
    }

    public boolean isOperator(int id) {
        return operators.contains(id);
    }

    /** Called with a node id whose endpoint changed (a node restarted elsewhere, an operator id reused): transports drop their publication to it. */
    public void onEndpointChange(IntConsumer listener) {
        endpointChanged.add(listener);
    }

    /** Whether the control plane reports any node down: one volatile read, so the send path asks {@link #isDown} only then. */
    public boolean anyDown() {
        return down.length > 0;
    }

    /** Whether the control plane reports this node unreachable (no heartbeat within its bound). */
    public boolean isDown(int id) {
        return java.util.Arrays.binarySearch(down, id) >= 0;
    }

    private final java.util.List<IntConsumer> downListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Called with each node the control plane newly reports down (from the thread that re-read the membership). */
    public void onDown(IntConsumer listener) {
        downListeners.add(listener);
    }

    /** Re-reads the membership from the control plane: new nodes, changed endpoints, liveness. */
    public void refresh() {
        ControlPlane c = control;
        if (c == null) return;
        List<ControlPlane.Member> members = c.members();
        for (ControlPlane.Member m : members) learn(m.info(), m.operator());
        // A node that said goodbye (or whose session ended) is no longer a member: down as well.
        Set<Integer> d = new HashSet<>(byId.keySet());
        for (ControlPlane.Member m : members) if (m.reachable()) d.remove(m.info().id());
        int[] before, now = d.stream().mapToInt(Integer::intValue).sorted().toArray();
        synchronized (downListeners) { // several threads re-read: each newly down node is told once
            before = down;
            down = now;
        }
        for (int n : now)
            if (java.util.Arrays.binarySearch(before, n) < 0) for (IntConsumer l : downListeners) l.accept(n);
    }

    /** Adds a node learned from the control plane, or updates one whose description changed. */
    public void learn(NodeInfo n, boolean isOperator) {
        List<Integer> changed = new ArrayList<>(1);
        synchronized (this) {
            NodeInfo old = byId.get(n.id());
            if (n.equals(old) && isOperator(n.id()) == isOperator) return;
            if (old != null && old.endpoint() != null && !old.endpoint().equals(n.endpoint())) changed.add(n.id());
            Map<Integer, NodeInfo> grown = new HashMap<>(byId);
            grown.put(n.id(), n);
            Set<Integer> ops = new HashSet<>(operators);
            if (isOperator) ops.add(n.id());
            else ops.remove(n.id());
            operators = Set.copyOf(ops);
            byId = grown;
            List<NodeInfo> listed = new ArrayList<>();
            for (NodeInfo x : new java.util.TreeMap<>(grown).values()) if (!ops.contains(x.id())) listed.add(x);
            descriptor = NodeDescriptor.of(listed);
        }
        for (int id : changed) for (IntConsumer l : endpointChanged) l.accept(id);
    }
}
