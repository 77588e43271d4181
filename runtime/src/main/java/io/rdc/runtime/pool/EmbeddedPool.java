package io.rdc.runtime.pool;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.rdc.runtime.js.JsHost;
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
    private final List<Aeron> clients = new ArrayList<>();
    private final List<Kernel> kernels = new ArrayList<>();
    private final List<AgentRunner> runners = new ArrayList<>();
    private final List<Transport> transports = new ArrayList<>();

    private EmbeddedPool(PoolConfig config) {
        this.config = config;
        this.pool = new Pool(config.descriptor());
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
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(udp ? idle(config.idle()) : idle("backoff"))
                .ipcTermBufferLength(config.termLength())
                .publicationTermBufferLength(config.termLength())
                .spiesSimulateConnection(false);
        driver = MediaDriver.launchEmbedded(mdc);
        DynamicCompositeAgent shared = null;
        try {
            if (config.sharedKernelThread()) {
                shared = new DynamicCompositeAgent("rdc-kernels");
                IdleStrategy idle = new StandAside(idle(config.idle()), kernels);
                AgentRunner runner = new AgentRunner(idle, Throwable::printStackTrace, null, shared);
                runners.add(runner);
                AgentRunner.startOnThread(runner);
                // The composite accepts agents only once its runner thread has started it.
                long until = System.nanoTime() + 10_000_000_000L;
                while (shared.status() != DynamicCompositeAgent.Status.ACTIVE) {
                    if (System.nanoTime() > until) throw new IllegalStateException("the kernels' agent thread did not start");
                    Thread.onSpinWait();
                }
            }
            for (NodeInfo n : pool.nodes()) {
                if (!config.isLocal(n.id())) continue;
                Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()).preTouchMappedMemory(config.preTouch()));
                clients.add(aeron);
                Transport t = new Transport(aeron, config.transport(), n, pool::node, config.termLength());
                transports.add(t);
                Kernel k = new Kernel(n, pool, t);
                k.launcher(new JsHost(k));
                kernels.add(k);
                if (shared != null) addTo(shared, k);
                else {
                    AgentRunner runner = new AgentRunner(idle(config.idle()), Throwable::printStackTrace, null, k);
                    runners.add(runner);
                    AgentRunner.startOnThread(runner);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Adds an agent to the running composite and waits until it has been added. */
    private static void addTo(DynamicCompositeAgent composite, Agent agent) {
        while (!composite.tryAdd(agent)) Thread.onSpinWait();
        while (!composite.hasAddAgentCompleted()) Thread.onSpinWait();
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
        kernels.forEach(Kernel::shutdown);
        transports.forEach(CloseHelper::quietClose);
        clients.forEach(CloseHelper::quietClose);
        runners.forEach(CloseHelper::quietClose);
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
