package io.rdc.runtime.kernel;

import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.node.NodeInfo;
import java.util.List;

/** The pool of nodes every kernel knows of (from the node descriptor), and where pool-wide services live. */
public final class Pool {
    private final NodeDescriptor descriptor;
    private final NodeInfo[] byId;
    private final io.rdc.runtime.security.PoolKey key;
    private final io.rdc.runtime.security.CheckpointDir checkpoints;

    /** A pool with a key of its own and checkpoints under the default directory (tests of one JVM). */
    public Pool(NodeDescriptor descriptor) {
        this(descriptor, io.rdc.runtime.security.PoolKey.generate(),
                new io.rdc.runtime.security.CheckpointDir(io.rdc.runtime.pool.PoolConfig.defaultCheckpointDir()));
    }

    public Pool(NodeDescriptor descriptor, io.rdc.runtime.security.PoolKey key, io.rdc.runtime.security.CheckpointDir checkpoints) {
        this.descriptor = descriptor;
        this.key = key;
        this.checkpoints = checkpoints;
        int max = descriptor.nodes().stream().mapToInt(NodeInfo::id).max().orElse(0);
        byId = new NodeInfo[max + 1];
        for (NodeInfo n : descriptor.nodes()) byId[n.id()] = n;
    }

    public List<NodeInfo> nodes() {
        return descriptor.nodes();
    }

    public NodeInfo node(int id) {
        return id >= 0 && id < byId.length ? byId[id] : null;
    }

    public List<Integer> nodeIds() {
        return descriptor.nodes().stream().map(NodeInfo::id).toList();
    }

    /** The name service (§5.4) lives at the pool's first node. */
    public int nameServiceNode() {
        return descriptor.nodes().get(0).id();
    }

    /** The pool's secret: frames and checkpoint files are MAC'ed with it. */
    public io.rdc.runtime.security.PoolKey key() {
        return key;
    }

    /** Where this pool's checkpoint files may be written and read on this machine. */
    public io.rdc.runtime.security.CheckpointDir checkpoints() {
        return checkpoints;
    }

    public NodeDescriptor descriptor() {
        return descriptor;
    }
}
