package io.rdc.runtime.pool;

import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.security.PoolKey;
import io.rdc.runtime.transport.TransportMode;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One node kernel as its own process: its own media driver, UDP to its peers at the endpoints of
 * the descriptor. {@code rdc node start} runs this; tests start it as a child process.
 */
public final class NodeMain {
    private NodeMain() {}

    /** Runs node {@code id} until {@code stop} counts down; prints "node ID ready" once it can be reached. */
    public static void run(int id, NodeDescriptor d, String idle, CountDownLatch stop, PoolKey key) throws InterruptedException {
        run(id, d, idle, stop, key, (Path) null);
    }

    /** As above, with this node's access list ({@code access}, null: none; docs/pool.md). */
    public static void run(int id, NodeDescriptor d, String idle, CountDownLatch stop, PoolKey key, Path access) throws InterruptedException {
        run(id, d, idle, stop, key, access, pool -> null);
    }

    /**
     * As {@link #run(int, NodeDescriptor, String, CountDownLatch, PoolKey)}, also running what {@code extra}
     * starts on the pool once it is up (closed before the pool), e.g. the benchmarks' sink.
     */
    public static void run(int id, NodeDescriptor d, String idle, CountDownLatch stop, PoolKey key,
            Function<EmbeddedPool, AutoCloseable> extra) throws InterruptedException {
        run(id, d, idle, stop, key, null, extra);
    }

    private static void run(int id, NodeDescriptor d, String idle, CountDownLatch stop, PoolKey key, Path access,
            Function<EmbeddedPool, AutoCloseable> extra) throws InterruptedException {
        if (d.byId(id).isEmpty()) throw new IllegalArgumentException("node " + id + " is not in the descriptor");
        if (key == null) throw new IllegalArgumentException("node " + id + " needs the pool's key (--key FILE)");
        PoolConfig cfg = PoolConfig.defaults().withDescriptor(d).withTransport(TransportMode.UDP).withIdle(idle).withLocalNodes(Set.of(id))
                .withKey(key).withAccess(access == null ? PoolAccess.NONE : PoolAccess.NONE.withAccessList(id, access));
        try (EmbeddedPool pool = EmbeddedPool.start(cfg); AutoCloseable ignored = extra.apply(pool)) {
            System.out.println("node " + id + " ready on " + d.byId(id).get().endpoint() + " (pool key " + key.fingerprint()
                    + (cfg.auth() ? "" : ", frame authentication OFF") + ", checkpoints in " + cfg.checkpointDir() + ", files in "
                    + d.byId(id).get().attributes().getOrDefault("files", cfg.filesDir().toString()) + ")");
            System.out.flush();
            stop.await();
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("node " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs one node daemon of a standing pool until {@code stop} counts down: it says hello to the
     * control plane at {@code control}, heartbeats, learns the other nodes from it, and says goodbye
     * when stopped. Prints "node ID ready" once it can be reached.
     */
    public static void runInPool(NodeInfo self, String control, String idle, PoolKey key, CountDownLatch stop) throws InterruptedException {
        runInPool(self, control, idle, key, stop, null);
    }

    /** As above, with this node's access list ({@code access}, null: none; docs/pool.md). */
    public static void runInPool(NodeInfo self, String control, String idle, PoolKey key, CountDownLatch stop, Path access) throws InterruptedException {
        PoolConfig cfg = PoolConfig.defaults().withDescriptor(NodeDescriptor.of(java.util.List.of(self))).withTransport(TransportMode.UDP)
                .withIdle(idle).withLocalNodes(Set.of(self.id())).withControl(control).withKey(key)
                .withAccess(access == null ? PoolAccess.NONE : PoolAccess.NONE.withAccessList(self.id(), access));
        try (EmbeddedPool pool = EmbeddedPool.start(cfg)) {
            warmUp(self.id());
            System.out.println("node " + self.id() + " ready on " + self.endpoint() + " in the pool at " + control + " (pool key " + key.fingerprint() + ")");
            System.out.flush();
            stop.await();
        }
    }

    /**
     * Starts the JavaScript engine before the node says it is ready. A daemon's first creation used to
     * start it: 5 to 7 s on the loaded build machine, paid once per node, one after another when a
     * manager creates a worker on each node, which made the README's text-processing script on a fresh
     * standing pool wait 37 s for its manager (docs/deployment.md, "A fresh pool's first creations").
     * Bounded: a node that cannot warm up in time says so and serves anyway (creations then load their own).
     */
    private static void warmUp(int id) {
        if (!io.rdc.runtime.js.JsHost.warmUp(WARM_UP_BOUND))
            System.out.println("node " + id + ": the JavaScript engine was not warm within " + WARM_UP_BOUND.toSeconds() + " s; the first creations here will wait for it");
    }

    static final java.time.Duration WARM_UP_BOUND = java.time.Duration.ofSeconds(30);

    /**
     * Usage: NodeMain [--key FILE] ID DESCRIPTOR-FILE [IDLE]; stops when standard input closes. Without
     * --key, the user's default key file ({@link PoolKey#defaultFile()}).
     */
    public static void main(String[] args) throws Exception {
        main(args, (pool, rest) -> null);
    }

    /**
     * NodeMain's command line for mains that add to a node: arguments after IDLE go to {@code extra},
     * which may start something on the pool (closed when the node stops).
     */
    public static void main(String[] args, BiFunction<EmbeddedPool, String[], AutoCloseable> extra) throws Exception {
        Path keyFile = PoolKey.defaultFile();
        if (args.length > 1 && args[0].equals("--key")) {
            keyFile = Path.of(args[1]);
            args = java.util.Arrays.copyOfRange(args, 2, args.length);
        }
        PoolKey key = PoolKey.readOrCreate(keyFile);
        int id = Integer.parseInt(args[0]);
        NodeDescriptor d = NodeDescriptor.read(Path.of(args[1]));
        String[] rest = args.length > 3 ? java.util.Arrays.copyOfRange(args, 3, args.length) : new String[0];
        CountDownLatch stop = new CountDownLatch(1);
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                while (System.in.read() >= 0) { /* a child node lives as long as its starter keeps stdin open */ }
            } catch (java.io.IOException ignored) {
                // closed
            }
            stop.countDown();
        });
        run(id, d, args.length > 2 ? args[2] : "backoff", stop, key, pool -> extra.apply(pool, rest));
        System.exit(0);
    }
}
