package io.rdc.bench;

import io.rdc.runtime.control.ControlClient;
import io.rdc.runtime.control.EmbeddedControlPlane;
import io.rdc.runtime.control.NodeCoordinator;
import io.rdc.runtime.control.NodeHosts;
import io.rdc.runtime.pool.OnDemand;
import io.rdc.runtime.security.PoolKey;
import io.rdc.runtime.util.Json;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code rdc bench lifecycle}: how long the pool takes over the life of its nodes, one JSON line per
 * figure ({@code {"bench":"lifecycle","figure":NAME,"ms":...}}). Each figure is a {@link Figure}
 * run against one shared {@link Pool}: a control plane with its node coordinator (as a standing
 * pool's member runs it), started once: node_start, failure_detection and evacuation (issue 15).
 */
public final class LifecycleBench {
    private LifecycleBench() {}

    /** What every figure measures against: the plane, a client of it, and its coordinator. */
    public record Pool(EmbeddedControlPlane plane, ControlClient client, NodeCoordinator coordinator) {}

    /** One figure: its name, and one measurement of it in milliseconds. */
    public interface Figure {
        String name();

        double measureMs(Pool pool) throws Exception;

        /** Fields the figure's line carries beside its time, from the latest measurement. */
        default Map<String, Object> extras() {
            return Map.of();
        }
    }

    /**
     * node_start: from an RDC's ask for one more node ({@code createNodes}) until that node's hello
     * has reached the plane (UP), the coordinator's claim, a new JVM's start and the node's joining
     * included; the node is stopped again (not timed).
     */
    static final Figure NODE_START = new Figure() {
        @Override
        public String name() {
            return "node_start";
        }

        @Override
        public double measureMs(Pool pool) {
            long t0 = System.nanoTime();
            int node = OnDemand.create(pool.client(), 0, "bench", "", 1, OnDemand.DEFAULT_START_WAIT, n -> {}).getFirst().node();
            double ms = (System.nanoTime() - t0) / 1e6;
            OnDemand.stop(pool.client(), 0, List.of(node), OnDemand.DEFAULT_STOP_WAIT);
            return ms;
        }
    };

    /**
     * failure_detection: from {@code kill -9} of a node process (an on-demand node, started as for
     * node_start) until the control plane says it is unreachable, as {@code show nodes} and every
     * kernel then see it: the heartbeat period (0.5 s) and the plane's liveness bound (3 s) included.
     */
    static final Figure FAILURE_DETECTION = new Figure() {
        @Override
        public String name() {
            return "failure_detection";
        }

        @Override
        public double measureMs(Pool pool) throws Exception {
            var n = OnDemand.create(pool.client(), 0, "bench", "", 1, OnDemand.DEFAULT_START_WAIT, x -> {}).getFirst();
            ProcessHandle process = ProcessHandle.of(n.pid()).orElseThrow(() -> new IllegalStateException("node " + n.node() + "'s process is gone"));
            long t0 = System.nanoTime();
            process.destroyForcibly();
            long until = t0 + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (reachable(pool, n.node())) {
                if (System.nanoTime() > until) throw new IllegalStateException("node " + n.node() + " still reachable 60 s after kill -9");
                Thread.sleep(5);
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            try {
                OnDemand.stop(pool.client(), 0, List.of(n.node()), OnDemand.DEFAULT_STOP_WAIT);
            } catch (RuntimeException alreadyGone) {
                // its process is dead: the record may say so already
            }
            return ms;
        }

        private static boolean reachable(Pool pool, int node) {
            for (var m : pool.client().members()) if (m.info().id() == node) return m.reachable();
            return false;
        }
    };

    /**
     * evacuation: withdrawing a node that holds {@link #INCARNATIONS} incarnations, each with 10
     * messages sent to it just before, until every one has been migrated (the withdrawal's return);
     * then each is asked how many messages it got: {@code lost} counts the shortfall. On an embedded
     * pool of 4 nodes with a control plane (the kernels are what is measured, not process starts).
     */
    static final class Evacuation implements Figure {
        static final int INCARNATIONS = 100, MESSAGES = 10;
        private long lost;
        private int moved;

        @Override
        public String name() {
            return "evacuation";
        }

        @Override
        public Map<String, Object> extras() {
            return Map.of("incarnations", INCARNATIONS, "moved", moved, "lost", lost);
        }

        @Override
        public double measureMs(Pool unused) {
            Duration t = Duration.ofSeconds(60);
            try (var pool = io.rdc.runtime.pool.EmbeddedPool.start(io.rdc.runtime.pool.PoolConfig.defaults()
                    .withControl(io.rdc.runtime.pool.PoolConfig.EMBEDDED_CONTROL))) {
                var op = pool.newOperator("bench");
                var m = op.module("evacuee", """
                        export function init(ctx) { ctx.state = { got: 0 }; }
                        export function onMessage(ctx, port, m) { if (m.head.op === 'count') return { head: { got: ctx.state.got } }; ctx.state.got++; }""");
                List<io.rdc.runtime.ref.Ref> in = new ArrayList<>();
                for (int i = 0; i < INCARNATIONS; i++) {
                    op.create(m, 204, null, List.of(io.rdc.runtime.kernel.Iface.portNew("in", "evac." + i, null)), false, "evac" + i);
                    in.add(op.spaceGet("evac." + i, t));
                }
                for (var r : in) for (int j = 0; j < MESSAGES; j++) op.send(r, Map.of("n", j), null);
                long t0 = System.nanoTime();
                var outcome = op.withdraw(204, t, false);
                double ms = (System.nanoTime() - t0) / 1e6;
                moved = (int) outcome.guests().values().stream().filter(f -> f.startsWith("migrated")).count();
                lost = 0;
                for (var r : in) {
                    Object got = ((Map<?, ?>) op.invoke(r, Map.of("op", "count"), null, t).head()).get("got");
                    lost += MESSAGES - ((Number) got).longValue();
                }
                return ms;
            }
        }
    }

    public static final List<Figure> FIGURES = List.of(NODE_START, FAILURE_DETECTION, new Evacuation());

    /** Measures each figure {@code samples} times and prints one line per figure: the median, and every sample. */
    public static void run(PrintStream out, int samples) throws Exception {
        Path dir = Files.createTempDirectory("rdc-bench-lifecycle");
        Path keyFile = dir.resolve("pool.key");
        PoolKey key = PoolKey.readOrCreate(keyFile);
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(key.bytes(), 3_000);
             // A loaded machine may take longer than the default 5 s to answer the first connect: the figure is the node's start, not this.
             ControlClient client = ControlClient.connect(plane.clientConfig().withTimeout(Duration.ofSeconds(30)));
             NodeCoordinator coordinator = NodeCoordinator.start(plane.member(), NodeHosts.localOnly(), keyFile, dir.resolve("logs"),
                     io.rdc.runtime.util.JavaCommand.of(NodeCoordinator.CLI_MAIN))) {
            Pool pool = new Pool(plane, client, coordinator);
            for (Figure f : FIGURES) {
                double[] ms = new double[samples];
                for (int i = 0; i < samples; i++) ms[i] = f.measureMs(pool);
                double[] sorted = ms.clone();
                Arrays.sort(sorted);
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("bench", "lifecycle");
                line.put("figure", f.name());
                line.put("ms", Math.round(sorted[samples / 2] * 10) / 10.0);
                List<Object> each = new ArrayList<>();
                for (double m : ms) each.add(Math.round(m * 10) / 10.0);
                line.put("samples_ms", each);
                line.putAll(f.extras());
                out.println(Json.write(line));
                out.flush();
            }
        } finally {
            org.agrona.IoUtil.delete(dir.toFile(), true);
        }
    }
}
