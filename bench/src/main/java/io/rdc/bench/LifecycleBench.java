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
 * pool's member runs it), started once. Figures to come (failure_detection, evacuation) are added to
 * {@link #FIGURES}.
 */
public final class LifecycleBench {
    private LifecycleBench() {}

    /** What every figure measures against: the plane, a client of it, and its coordinator. */
    public record Pool(EmbeddedControlPlane plane, ControlClient client, NodeCoordinator coordinator) {}

    /** One figure: its name, and one measurement of it in milliseconds. */
    public interface Figure {
        String name();

        double measureMs(Pool pool) throws Exception;
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

    public static final List<Figure> FIGURES = List.of(NODE_START);

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
                out.println(Json.write(line));
                out.flush();
            }
        } finally {
            org.agrona.IoUtil.delete(dir.toFile(), true);
        }
    }
}
