package io.rdc.runtime.pool;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.rdc.runtime.js.JsHost;
import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.Pool;
import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.transport.Transport;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.DynamicCompositeAgent;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * Node kernels running in this JVM: one embedded Aeron media driver, and per node one Aeron
 * client and one kernel agent thread. Nodes still talk only through Aeron (IPC, or UDP on
 * loopback), exactly as separate processes do. Also used by {@code rdc node start} for a single node.
 */
public final class EmbeddedPool implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private final String aeronDir;
    private final Thread removeDir;

    private final PoolConfig config;
    private final Pool pool;
    private final MediaDriver driver;
    private final AgentRunner driverRunner;
    private final List<Aeron> clients = new ArrayList<>();
    private final List<Kernel> kernels = new ArrayList<>();
    private final List<AgentRunner> runners = new ArrayList<>();
    private final List<Transport> transports = new ArrayList<>();
    /** The pool's control plane, when it has one; what this JVM started of it, to stop on close. */
    private ControlPlane control;
    private AutoCloseable controlOwned;
    private Thread watcher;
    private volatile boolean closing;

    private EmbeddedPool(PoolConfig config) {
        this.config = config;
        io.rdc.runtime.security.PoolKey key = config.key() != null ? config.key() : io.rdc.runtime.security.PoolKey.generate();
        this.pool = new Pool(config.descriptor(), key, new io.rdc.runtime.security.CheckpointDir(config.checkpointDir()),
                new io.rdc.runtime.files.FileSpace(config.filesDir()));
        io.rdc.runtime.security.FrameAuth auth = new io.rdc.runtime.security.FrameAuth(key, config.auth());
        File base = new File(System.getProperty("rdc.aeron.dir", defaultDir()));
        io.rdc.runtime.util.ShmDirs.sweepStale(base, "rdc-"); // those of dead processes (a listing: cheap next to a driver's start)
        String dir = new File(base, "rdc-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet()).getAbsolutePath();
        aeronDir = dir;
        // SIGTERM and System.exit skip close(): the directory (~47 MB of /dev/shm) goes with the JVM anyway.
        removeDir = new Thread(() -> org.agrona.IoUtil.delete(new File(dir), true), "rdc-shm-cleanup");
        Runtime.getRuntime().addShutdownHook(removeDir);
        boolean udp = config.transport() == io.rdc.runtime.transport.TransportMode.UDP;
        // With IPC the driver is not on the data path (publications write straight into the log
        // buffers), so it backs off whatever the kernels do; with UDP it follows their strategy.
        // (Running the driver inside the kernels' agent, Aeron's INVOKER mode, would save a thread
        // per JVM but needs every client call made from that agent to be asynchronous: see
        // docs/performance.md.)
        MediaDriver.Context mdc = new MediaDriver.Context()
                .aeronDirectoryName(dir)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .ipcTermBufferLength(config.termLength())
                .publicationTermBufferLength(config.termLength())
                .spiesSimulateConnection(false)
                // Bounds against peers' SETUP frames (issue 20, docs/security.md): image logs are
                // sparse files, so a term length a peer names reserves no memory or disk until data
                // is written (and the transport rejects images whose term length is not the pool's);
                // and a stream takes at most this many sessions (images) at a time.
                .termBufferSparseFile(true)
                .streamSessionLimit(streamSessionLimit(config))
                // Driven by our own runner, which survives an OutOfMemoryError (SHARED mode's runner rethrows
                // it and the driver's thread ends, and with it every Aeron client of this JVM: issue 21).
                .threadingMode(ThreadingMode.INVOKER);
        driver = MediaDriver.launchEmbedded(mdc);
        driverRunner = new AgentRunner(udp ? idle(config.idle()) : idle("backoff"), Throwable::printStackTrace, null,
                new SurvivesOutOfMemory(new InvokerAgent(driver.sharedAgentInvoker(), "rdc-media-driver")));
        AgentRunner.startOnThread(driverRunner);
        DynamicCompositeAgent shared = null;
        try {
            if (config.sharedKernelThread()) {
                shared = new DynamicCompositeAgent("rdc-kernels");
                IdleStrategy idle = new StandAside(idle(config.idle()), kernels);
                AgentRunner runner = new AgentRunner(idle, Throwable::printStackTrace, null, new SurvivesOutOfMemory(shared));
                runners.add(runner);
                AgentRunner.startOnThread(runner);
                // The composite accepts agents only once its runner thread has started it.
                long until = System.nanoTime() + 10_000_000_000L;
                while (shared.status() != DynamicCompositeAgent.Status.ACTIVE) {
                    if (System.nanoTime() > until) throw new IllegalStateException("the kernels' agent thread did not start");
                    Thread.onSpinWait();
                }
            }
            if (config.control() != null) {
                control = ControlPlanes.connect(config.control(), this, driver.aeronDirectoryName(), pool.key());
                pool.control(control);
                // Nodes check operators' tokens against the plane's key (docs/security.md, "Operator tokens").
                pool.operatorTokenKey(control.operatorTokenKey());
                // The users file goes into the control plane, which keeps it in its replicated state
                // (docs/pool.md). A standing pool's is loaded by `rdc pool start --users`.
                if (config.access().usersFile() != null && PoolConfig.EMBEDDED_CONTROL.equals(config.control()))
                    control.setUsers(config.access().usersFile().toAbsolutePath().toString(), PoolAccess.read(config.access().usersFile()));
            }
            List<NodeInfo> local = new ArrayList<>();
            for (NodeInfo n : pool.nodes()) if (config.isLocal(n.id())) local.add(n);
            if (config.operatorOnly()) local.add(operatorNode());
            for (NodeInfo n : local) {
                Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()).preTouchMappedMemory(config.preTouch()));
                clients.add(aeron);
                Transport t = new Transport(aeron, config.transport(), n, pool::node, config.termLength(), auth);
                transports.add(t);
                pool.onEndpointChange(t::forget);
                t.downNodes(pool::isDown);
                Kernel k = new Kernel(n, pool, t);
                if (pool.operatorTokenKey() != null) k.requireOperatorTokens(pool.operatorTokenKey());
                java.nio.file.Path accessFile = config.access().accessLists().get(n.id());
                if (accessFile != null) k.accessList(io.rdc.runtime.kernel.AccessList.read(accessFile));
                k.launcher(new JsHost(k));
                if (control != null) k.useIds(control, control.hello(n, config.operatorOnly()));
                kernels.add(k);
                if (shared != null) addTo(shared, k);
                else {
                    AgentRunner runner = new AgentRunner(idle(config.idle()), Throwable::printStackTrace, null, new SurvivesOutOfMemory(k));
                    runners.add(runner);
                    AgentRunner.startOnThread(runner);
                }
            }
            if (control != null) {
                // A heartbeat from every local kernel first: starting the rest of the pool may have
                // taken longer than the liveness bound since the first hello.
                for (Kernel k : kernels) k.onAllocationEpoch(control.heartbeat(k.nodeId(), k.currentLoad(), k.incarnationCount()));
                pool.refreshTokenRevocations(); // before the first request: tokens revoked before this process started are refused
                pool.refresh(); // the pool's nodes and their liveness before the first operation
                startWatcher();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * This JVM's session kernel when it only attaches an operator to a standing pool: an id of its
     * own among the operators', and a UDP endpoint on a free port.
     */
    private NodeInfo operatorNode() {
        String host = System.getProperty("rdc.operator.host", "127.0.0.1");
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        for (int tries = 0; tries < 100; tries++) {
            int id = r.nextInt(OPERATOR_IDS_FROM, Ids.MAX_NODE);
            if (pool.node(id) != null) continue; // a live session holds it
            NodeInfo n = new NodeInfo(id, "operator-" + ProcessHandle.current().pid(), List.of(), "operator",
                    java.util.Map.of("endpoint", host + ":" + freeUdpPort(host)));
            pool.learn(n, true);
            return n;
        }
        throw new IllegalStateException("no free operator session id found in the pool");
    }

    /**
     * Operators' session kernels take random ids from here up (16 million of them), so a departed
     * session's id is in practice never taken again: a peer never mistakes a new session for an old one.
     */
    static final int OPERATOR_IDS_FROM = 100_000;

    private static int freeUdpPort(String host) {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(new java.net.InetSocketAddress(host, 0))) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("no free UDP port on " + host + ": " + e.getMessage(), e);
        }
    }

    /** Heartbeats for this JVM's kernels, and the pool's membership and liveness re-read, twice a second. */
    private void startWatcher() {
        watcher = Thread.ofPlatform().daemon(true).name("rdc-pool-watcher").start(() -> {
            while (!closing) {
                try {
                    for (Kernel k : kernels) if (!k.isStopped()) k.onAllocationEpoch(control.heartbeat(k.nodeId(), k.currentLoad(), k.incarnationCount()));
                    pool.refreshTokenRevocations(); // within a heartbeat of a revocation (docs/security.md, "Revoking tokens")
                    pool.refresh();
                } catch (RuntimeException e) {
                    if (!closing) System.err.println("rdc: control plane: " + e.getMessage());
                }
                try {
                    Thread.sleep(HEARTBEAT_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** How often this JVM's kernels say they are alive (the control plane's bound is several of these). */
    static final long HEARTBEAT_MS = 500;

    /** The pool's control plane, or null. */
    public ControlPlane control() {
        return control;
    }

    /** ControlPlanes hands over what it started in this JVM (an embedded member), to stop after the kernels. */
    void ownControl(AutoCloseable c) {
        this.controlOwned = c;
    }

    /**
     * Sessions (Aeron images) one node's subscription accepts at a time: a few per peer (a restarted
     * peer's old image lingers until it times out), at least 64; {@code -Drdc.aeron.sessionLimit}.
     */
    static int streamSessionLimit(PoolConfig config) {
        return Integer.getInteger("rdc.aeron.sessionLimit", Math.max(64, 4 * config.descriptor().nodes().size()));
    }

    /** Adds an agent to the running composite and waits until it has been added. */
    private static void addTo(DynamicCompositeAgent composite, Agent agent) {
        while (!composite.tryAdd(agent)) Thread.onSpinWait();
        while (!composite.hasAddAgentCompleted()) Thread.onSpinWait();
    }

    /**
     * Runs an agent (the media driver's, the kernels') so that an OutOfMemoryError in its duty cycle
     * does not end its thread: Agrona's runner rethrows every Error after reporting it, and a driver
     * thread that ends takes every Aeron client of the JVM with it. The error goes to
     * {@code MemoryGuard}, which frees its reserve and destroys the incarnation that allocated most.
     */
    public static final class SurvivesOutOfMemory implements Agent {
        private final Agent agent;

        public SurvivesOutOfMemory(Agent agent) {
            this.agent = agent;
        }

        @Override
        public void onStart() {
            agent.onStart();
        }

        @Override
        public int doWork() throws Exception {
            try {
                return agent.doWork();
            } catch (OutOfMemoryError e) {
                io.rdc.runtime.js.MemoryGuard.outOfMemory();
                return 0;
            }
        }

        @Override
        public void onClose() {
            agent.onClose();
        }

        @Override
        public String roleName() {
            return agent.roleName();
        }
    }

    /** The media driver's duty cycle (INVOKER mode) as an agent of our own runner's; the driver closes its invoker itself. */
    record InvokerAgent(org.agrona.concurrent.AgentInvoker invoker, String roleName) implements Agent {
        @Override
        public int doWork() {
            return invoker.invoke();
        }
    }

    /**
     * The agent thread's idle strategy when the driver is not in it (IPC): while waiting threads
     * are running the duty cycles of every local kernel themselves (an invoker reading its reply,
     * an incarnation its next message), the agent parks briefly instead of competing with them for
     * the cores; otherwise it idles as configured.
     */
    static final class StandAside implements IdleStrategy {
        private static final long RECENT_NS = 5_000;
        private final IdleStrategy delegate;
        private final List<Kernel> kernels;

        StandAside(IdleStrategy delegate, List<Kernel> kernels) {
            this.delegate = delegate;
            this.kernels = kernels;
        }

        @Override
        public void idle(int workCount) {
            if (workCount > 0) {
                delegate.reset();
                return;
            }
            idle();
        }

        @Override
        public void idle() {
            for (int i = 0, n = kernels.size(); i < n; i++) {
                if (!kernels.get(i).assistedWithin(RECENT_NS)) {
                    delegate.idle();
                    return;
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(RECENT_NS);
        }

        @Override
        public void reset() {
            delegate.reset();
        }

        @Override
        public String alias() {
            return "stand-aside(" + delegate.alias() + ")";
        }
    }

    private static String defaultDir() {
        File shm = new File("/dev/shm");
        return shm.isDirectory() && shm.canWrite() ? shm.getPath() : System.getProperty("java.io.tmpdir");
    }

    public static IdleStrategy idle(String name) {
        return switch (name == null ? "backoff" : name) {
            case "backoff" -> new BackoffIdleStrategy(100, 10, 1_000, 200_000);
            case "yielding" -> new YieldingIdleStrategy();
            case "busyspin" -> new BusySpinIdleStrategy();
            default -> throw new IllegalArgumentException("idle strategy is backoff, yielding or busyspin, not " + name);
        };
    }

    public static EmbeddedPool start(PoolConfig config) {
        return new EmbeddedPool(config);
    }

    public static EmbeddedPool start() {
        return start(PoolConfig.defaults());
    }

    public Pool pool() {
        return pool;
    }

    public PoolConfig config() {
        return config;
    }

    /** The embedded media driver's directory (tests attach spies to it). */
    public String aeronDirectoryName() {
        return driver.aeronDirectoryName();
    }

    public List<Kernel> kernels() {
        return kernels;
    }

    public Kernel kernel(int node) {
        for (Kernel k : kernels) if (k.nodeId() == node) return k;
        throw new IllegalArgumentException("node " + node + " does not run in this JVM");
    }

    /** A new operator session (a new RDC) attached to the first local node. */
    public Operator newOperator(String name) {
        return new Operator(kernels.get(0), name);
    }

    /** An operator session in the RDC named {@code rdc}: created by the first session of that name, attached to by later ones. */
    public Operator newOperator(String name, String rdc, boolean attached) {
        return newOperator(name, rdc, attached, Operator.defaultIdentity());
    }

    /** As above, acting as operator {@code user} (docs/security.md, "Operators and authority"). */
    public Operator newOperator(String name, String rdc, boolean attached, String user) {
        return new Operator(kernels.get(0), name, rdc, user, attached);
    }

    /** As above, proving {@code user} to the control plane with their own key (the pool users file's {@code key=FILE}). */
    public Operator newOperator(String name, String rdc, boolean attached, String user, io.rdc.runtime.security.PoolKey ownKey) {
        return new Operator(kernels.get(0), name, rdc, user, attached, ownKey == null ? null : ownKey.bytes());
    }

    public Operator newOperator() {
        return newOperator("operator");
    }

    /**
     * Stops one node as if its machine failed: its kernel stops and its subscription closes, so the
     * other nodes find it unreachable. For failure tests; the pool cannot restart it.
     */
    public void stopNode(int node) {
        for (int i = 0; i < kernels.size(); i++) {
            if (kernels.get(i).nodeId() != node) continue;
            kernels.get(i).shutdown();
            CloseHelper.quietClose(transports.get(i));
            return;
        }
        throw new IllegalArgumentException("node " + node + " does not run in this JVM");
    }

    @Override
    public void close() {
        // Kernels stop first (no duty cycle polls a closing subscription), then their clients,
        // the agent runner and the driver.
        closing = true;
        if (watcher != null) watcher.interrupt();
        if (control != null) for (Kernel k : kernels) {
            try {
                control.goodbye(k.nodeId());
            } catch (RuntimeException ignored) {
                // the control plane is gone: it will see the silence instead
            }
        }
        kernels.forEach(Kernel::shutdown);
        transports.forEach(CloseHelper::quietClose);
        CloseHelper.quietClose(control);
        CloseHelper.quietClose(controlOwned);
        clients.forEach(CloseHelper::quietClose);
        runners.forEach(CloseHelper::quietClose);
        CloseHelper.quietClose(driverRunner);
        CloseHelper.quietClose(driver);
        try {
            Runtime.getRuntime().removeShutdownHook(removeDir);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        org.agrona.IoUtil.delete(new java.io.File(aeronDir), true);
    }

    /** The media driver's directory (deleted on close, on JVM exit, and by the next pool if this process was killed). */
    public String aeronDirectory() {
        return aeronDir;
    }
}
