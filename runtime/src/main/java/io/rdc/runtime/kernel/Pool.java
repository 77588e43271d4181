package io.rdc.runtime.kernel;

import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.node.NodeInfo;
import java.util.List;

/** The pool of nodes every kernel knows of (from the node descriptor), and where pool-wide services live. */
public final class Pool {
    private final NodeDescriptor descriptor;
    private final NodeInfo[] byId;

    public Pool(NodeDescriptor descriptor) {
        this.descriptor = descriptor;
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

    public NodeDescriptor descriptor() {
        return descriptor;
    }
}
