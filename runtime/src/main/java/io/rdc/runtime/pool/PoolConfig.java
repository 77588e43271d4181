package io.rdc.runtime.pool;

import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.security.FrameAuth;
import io.rdc.runtime.security.PoolKey;
import io.rdc.runtime.transport.TransportMode;
import java.nio.file.Path;
import java.util.Set;

/**
 * How to start a pool: which nodes (from a descriptor), which of them run in this JVM (the rest
 * run as separate {@code rdc node start} processes), the transport, and the kernels' idle strategy.
 *
 * @param idle "backoff" (default: parks when idle, right for 2-core machines), "yielding", or
 *             "busyspin" (benchmarks only: it starves Aeron's driver on small machines)
 */
public record PoolConfig(NodeDescriptor descriptor, Set<Integer> localNodes, TransportMode transport, String idle, int termLength,
                         boolean sharedKernelThread, boolean preTouch, PoolKey key, boolean auth, Path checkpointDir, String control,
                         boolean operatorOnly, PoolAccess access, Path filesDir) {
    /** {@link #control()}: no control plane (stream space at each RDC's home node, names at the first node). */
    public static final String NO_CONTROL = null;
    /** {@link #control()}: one control-plane member embedded in this JVM, living as long as the pool. */
    public static final String EMBEDDED_CONTROL = "embedded";

    /**
     * Defaults: a new key made when the pool starts (null here), frames authenticated unless
     * {@code -Drdc.auth=off} (benchmark comparisons only), checkpoints confined to
     * {@code $rdc.checkpoint.dir}, else {@code .rdc/checkpoints} under the working directory.
     */
    public static PoolConfig defaults() {
        return new PoolConfig(NodeDescriptor.defaultPool(), null, TransportMode.IPC, "backoff", 8 * 1024 * 1024, true, false,
                null, FrameAuth.onByDefault(), defaultCheckpointDir(), NO_CONTROL, false, PoolAccess.NONE,
                defaultFilesDir());
    }

    public static Path defaultCheckpointDir() {
        String dir = System.getProperty("rdc.checkpoint.dir");
        return (dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(".rdc", "checkpoints")).toAbsolutePath().normalize();
    }

    /** The pool's key (every node of the pool must have the same); null: EmbeddedPool makes one. */
    public PoolConfig withKey(PoolKey k) {
        return new PoolConfig(descriptor, localNodes, transport, idle, termLength, sharedKernelThread, preTouch, k, auth, checkpointDir, control, operatorOnly, access, filesDir);
    }

    /** Whether frames are authenticated: off only to measure what authentication costs. */
    public PoolConfig withAuth(boolean on) {
        return new PoolConfig(descriptor, localNodes, transport, idle, termLength, sharedKernelThread, preTouch, key, on, checkpointDir, control, operatorOnly, access, filesDir);
    }

    /** The directory that checkpoints of this pool's local nodes are confined to. */
    public PoolConfig withCheckpointDir(Path dir) {
        return new PoolConfig(descriptor, localNodes, transport, idle, termLength, sharedKernelThread, preTouch, key, auth, dir.toAbsolutePath().normalize(), control, operatorOnly, access, filesDir);
    }

    /**
     * The pool's file namespace (docs/files.md): each RDC's incarnations open files in a directory of
     * their own under it. Every node of the pool must see the same directory (one machine, or shared
     * storage mounted at the same path; a node's {@code files=} attribute in the descriptor names
     * another mount point for it).
     */
    public PoolConfig withFilesDir(Path dir) {
        return new PoolConfig(descriptor, localNodes, transport, idle, termLength, sharedKernelThread, preTouch, key, auth, checkpointDir, control, operatorOnly, access, dir.toAbsolutePath().normalize());
    }

    /** {@code $rdc.files.dir}, else {@code .rdc/files} under the working directory. */
    public static Path defaultFilesDir() {
        String dir = System.getProperty("rdc.files.dir");
        return (dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(".rdc", "files")).toAbsolutePath().normalize();
    }

    /** One agent thread for all local kernels (default, right for small machines), or one thread each. */
    public PoolConfig withSharedKernelThread(boolean shared) {
        return new PoolConfig(descriptor, localNodes, transport, idle, termLength, shared, preTouch, key, auth, checkpointDir, control, operatorOnly, access, filesDir);
    }

    public static PoolConfig ofNodes(int n) {
        return defaults().withDescriptor(n == 4 ? NodeDescriptor.defaultPool() : NodeDescriptor.ofSize(n));
    }

    public PoolConfig withDescriptor(NodeDescriptor d) {
        return new PoolConfig(d, localNodes, transport, idle, termLength, sharedKernelThread, preTouch, key, auth, checkpointDir, control, operatorOnly, access, filesDir);
    }

    public PoolConfig withTransport(TransportMode t) {
        return new PoolConfig(descriptor, localNodes, t, idle, termLength, sharedKernelThread, preTouch, key, auth, checkpointDir, control, operatorOnly, access, filesDir);
    }

    /**
     * The Aeron term length of the pool's logs (a power of two, 64 KB to 1 GB). A sender may run at
     * most half a term ahead of its receiver before it waits for the driver to move the limit on, so a
     * pool that moves states of N MB between nodes does best with terms of at least 2·N MB.
     */
    public PoolConfig withTermLength(int bytes) {
        return new PoolConfig(descriptor, localNodes, transport, idle, bytes, sharedKernelThread, preTouch, key, auth, checkpointDir, control, operatorOnly, access, filesDir);
    }

    /**
     * Whether each node's Aeron client touches the pages of a log when it maps it (Aeron's
     * {@code preTouchMappedMemory}): the first connection to a peer then costs the touching of three
     * terms, and a transfer no longer takes the page faults of a log's first pass (a 4 MB state
     * shipped in 5–10 ms before its logs had been through once, in 0.5–0.8 ms with them touched).
     */
    public PoolConfig withPreTouch(boolean touch) {
        return new PoolConfig(descriptor, localNodes, transport, idle, termLength, sharedKernelThread, touch, key, auth, checkpointDir, control, operatorOnly, access, filesDir);
    }

    public PoolConfig withIdle(String i) {
        return new PoolConfig(descriptor, localNodes, transport, i, termLength, sharedKernelThread, preTouch, key, auth, checkpointDir, control, operatorOnly, access, filesDir);
    }

    public PoolConfig withLocalNodes(Set<Integer> nodes) {
        return new PoolConfig(descriptor, nodes, transport, idle, termLength, sharedKernelThread, preTouch, key, auth, checkpointDir, control, operatorOnly, access, filesDir);
    }

    /**
     * The control plane: {@link #NO_CONTROL}, {@link #EMBEDDED_CONTROL}, or the address of a standing
     * pool's control plane (its members' ingress endpoints, "host:port,host:port,…").
     */
    public PoolConfig withControl(String c) {
        return new PoolConfig(descriptor, localNodes, transport, idle, termLength, sharedKernelThread, preTouch, key, auth, checkpointDir, c, operatorOnly, access, filesDir);
    }

    /**
     * An operator attaching to a standing pool: this JVM runs one kernel of its own for the
     * operator's session (UDP, an id and endpoint of its own, no incarnations placed on it) and
     * learns the pool's nodes from the control plane.
     */
    public PoolConfig asOperatorOnly() {
        return new PoolConfig(NodeDescriptor.of(java.util.List.of()), java.util.Set.of(), TransportMode.UDP, idle, termLength, sharedKernelThread,
                preTouch, key, auth, checkpointDir, control, true, access, filesDir);
    }

    /**
     * The pool users file and the nodes' access lists (docs/pool.md): with an embedded control
     * plane the users file is loaded into it at start (without one, or without a users file, every
     * user may use every node); each local node reads its access list.
     */
    public PoolConfig withAccess(PoolAccess a) {
        return new PoolConfig(descriptor, localNodes, transport, idle, termLength, sharedKernelThread, preTouch, key, auth, checkpointDir, control, operatorOnly, a, filesDir);
    }

    public boolean isLocal(int node) {
        return localNodes == null || localNodes.contains(node);
    }
}
