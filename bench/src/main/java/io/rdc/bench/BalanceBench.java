package io.rdc.bench;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.ModuleStore;
import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.ChildNodes;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.NodeMain;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.util.Json;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code rdc bench balance} (issue 15, docs/pool.md "Load balancing"): N busy workers of one RDC
 * created on one node of a four-node balanced group, their throughput (messages handled per second,
 * all workers together) measured there ("before"), then again once stdlib/balancer.js has spread
 * them ("after"), and the reference: the same workers created evenly over the four nodes from the
 * start, measured in the same run ("ideal"). One JSON line per figure, each with its ratio to the
 * ideal, printed together at the end (the ideal is measured last).
 *
 * <p>In an embedded pool the four nodes are kernels of one JVM sharing the machine's cores, so
 * balancing can only win what one node's kernel (its duty cycle, its routing) costs when it carries
 * every worker; across machines each node brings its own processors. The figure to read is
 * after/ideal: how close the balancer's placement comes to the even one.
 */
public final class BalanceBench {
    private BalanceBench() {}

    static final NodeDescriptor BALANCED_POOL = NodeDescriptor.parse("""
            201:node1:balanced,all:jvm:mem=4gb
            202:node2:balanced,all:jvm:mem=4gb
            203:node3:balanced,all:jvm:mem=4gb
            204:node4:balanced,all:jvm:mem=4gb
            """, "bench-balance-pool");
    static final List<Integer> NODES = List.of(201, 202, 203, 204);

    /** A fixed amount of computation per message, then the next message to itself: always running or with work queued. */
    private static final String WORKER = """
            export function init(ctx, args) { ctx.state = { work: args.work, x: 0 }; ctx.send(ctx.ifaces.self, { head: {} }); }
            export function onMessage(ctx, port, m) {
              let x = 0;
              for (let i = 0; i < ctx.state.work; i++) x = (x + i * 31) % 1000003;
              ctx.state.x = x;
              ctx.send(ctx.ifaces.self, { head: {} });
            }""";
    private static final String BALANCER = "export { init, onEvent, onMessage } from \"rdc/balancer.js\";";
    /** Iterations of the worker's loop per message (about a millisecond of handler time once compiled). */
    static final int WORK = 100_000;
    private static final Duration BALANCE_BOUND = Duration.ofMinutes(3);

    /** Runs the three figures in an embedded pool (the four nodes are kernels of this JVM). */
    public static void run(PrintStream out, int workers, Duration measure) throws Exception {
        run(out, workers, measure, false);
    }

    /**
     * Runs the three figures with {@code workers} workers, each measured over {@code measure}, and
     * prints their lines. With {@code processes}, the four balanced nodes are node processes of their
     * own ({@link ChildNodes}, over UDP), each confined to one processor where the machine has more
     * than one ({@code taskset}; two nodes share each of two), and this JVM is node 201 (the
     * operator and the balancer): spreading the workers then brings them processors that piling
     * them up leaves idle, as across machines.
     */
    public static void run(PrintStream out, int workers, Duration measure, boolean processes) throws Exception {
        if (workers < NODES.size()) throw new IllegalArgumentException("bench balance needs at least " + NODES.size() + " workers, not " + workers);
        if (!processes) {
            try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withDescriptor(BALANCED_POOL))) {
                phases(out, pool.newOperator("bench-balance"), NODES, NODES.getFirst(), workers, measure, Map.of("mode", "embedded"));
            }
            return;
        }
        try (ChildNodes children = new ChildNodes(1 + NODES.size(), i -> List.of(i == 0 ? "systems" : "balanced", "all"))) {
            List<Integer> nodes = new ArrayList<>();
            List<String> pins = pins(NODES.size());
            for (int k = 0; k < NODES.size(); k++) {
                nodes.add(202 + k);
                children.startOn(pins == null ? null : pins.get(k), 202 + k, "backoff", NodeMain.class.getName());
            }
            Map<String, Object> how = new LinkedHashMap<>();
            how.put("mode", "processes");
            how.put("cpus", pins == null ? "unpinned" : String.join(" ", pins));
            try (EmbeddedPool pool = EmbeddedPool.start(children.config(java.util.Set.of(201)))) {
                phases(out, pool.newOperator("bench-balance"), nodes, 201, workers, measure, how);
            }
        }
    }

    /** The processor of each node ("0", "1", "0", "1" on two), or null when they cannot be pinned (one processor, or no taskset). */
    static List<String> pins(int nodes) {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (cpus < 2 || !new java.io.File("/usr/bin/taskset").canExecute()) return null;
        List<String> out = new ArrayList<>();
        for (int k = 0; k < nodes; k++) out.add(String.valueOf(k % cpus));
        return out;
    }

    private static void phases(PrintStream out, Operator op, List<Integer> nodes, int balancerAt, int workers, Duration measure,
                               Map<String, Object> how) throws Exception {
        ModuleStore.Module worker = op.module("busy", WORKER);
        // Every node's JavaScript engine compiles the worker's code first, so that no phase is
        // measured colder than another (each node process has its own compiler; in one JVM, the
        // engine is shared): an even set runs until its throughput settles, then goes.
        List<Ref> warmup = create(op, worker, nodes.size() * 2, i -> nodes.get(i % nodes.size()), "w");
        warm(op, warmup, measure);
        for (Ref w : warmup) op.destroy(w);

        List<Ref> ws = create(op, worker, workers, i -> nodes.getFirst(), "a");
        warm(op, ws, measure);
        Figure before = measure(op, ws, measure);

        long t0 = System.nanoTime();
        Ref balancer = op.create(op.module("balancer", BALANCER), balancerAt, Map.of("period", 250, "maxMoves", 8),
                List.of(Iface.portNew("control", "bench-balancer.control", null)), false, "balancer");
        int most = (workers + nodes.size() - 1) / nodes.size() + 2;
        Map<String, Integer> spread = spread(op);
        while (!(spread.size() == nodes.size() && spread.values().stream().allMatch(c -> c <= most))
                && System.nanoTime() - t0 < BALANCE_BOUND.toNanos()) {
            Thread.sleep(100);
            spread = spread(op);
        }
        double balanceMs = (System.nanoTime() - t0) / 1e6;
        Ref control = op.spaceGet("bench-balancer.control", Duration.ofSeconds(30));
        Map<?, ?> report = (Map<?, ?>) op.invoke(control, Map.of("op", "report"), null, Duration.ofSeconds(30)).head();
        op.destroy(balancer);
        warm(op, ws, measure);
        Figure after = measure(op, ws, measure);
        for (Ref w : ws) op.destroy(w);

        List<Ref> even = create(op, worker, workers, i -> nodes.get(i % nodes.size()), "b");
        warm(op, even, measure);
        Figure ideal = measure(op, even, measure);
        for (Ref w : even) op.destroy(w);

        Map<String, Object> extra = new LinkedHashMap<>(how);
        extra.put("moves", report.get("moves"));
        extra.put("failed_moves", report.get("failed"));
        extra.put("balance_ms", Math.round(balanceMs));
        line(out, "before", workers, before, ideal, how);
        line(out, "after", workers, after, ideal, extra);
        line(out, "ideal", workers, ideal, ideal, how);
    }

    /** How long {@link #warm} waits at most for the throughput to settle: 20 measuring periods (60 s for the command's 3 s). */
    private static Duration warmBound(Duration measure) {
        return measure.multipliedBy(20);
    }

    /**
     * Runs the workers until their throughput settles (three 1 s readings within 5% of their mean),
     * at most {@link #warmBound}: their code must be compiled before it is measured, and with many
     * busy threads on few cores the compiler's threads get little time. A first run with 40 workers
     * that only slept 3 s measured the piled-up and balanced workers at 58 and 81 messages/s and the
     * evenly created ones, measured last, at 1,418 (on a machine loaded by other builds); two
     * readings within 10% still let the first phases be measured while compiling (298 and 347
     * messages/s before and for the even spread, 4,348 after balancing, which ran last).
     */
    private static void warm(Operator op, List<Ref> ws, Duration measure) throws InterruptedException {
        long end = System.nanoTime() + warmBound(measure).toNanos();
        double[] last = new double[3];
        int n = 0;
        while (System.nanoTime() < end) {
            last[n++ % 3] = measure(op, ws, Duration.ofSeconds(1)).msgsPerS();
            if (n < 3) continue;
            double mean = (last[0] + last[1] + last[2]) / 3;
            if (mean > 0 && java.util.Arrays.stream(last).allMatch(x -> Math.abs(x - mean) / mean < 0.05)) return;
        }
    }

    /** Messages handled per second by all the workers together, and where they were. */
    record Figure(double msgsPerS, Map<String, Integer> spread) {}

    private static Figure measure(Operator op, List<Ref> ws, Duration measure) throws InterruptedException {
        long runs0 = runs(op, ws), t0 = System.nanoTime();
        Thread.sleep(measure.toMillis());
        long runs1 = runs(op, ws), t1 = System.nanoTime();
        return new Figure((runs1 - runs0) / ((t1 - t0) / 1e9), spread(op));
    }

    private static long runs(Operator op, List<Ref> ws) {
        long n = 0;
        for (Ref w : ws) n += op.status(w).handlerRuns();
        return n;
    }

    private static List<Ref> create(Operator op, ModuleStore.Module worker, int n, java.util.function.IntUnaryOperator node, String prefix) {
        List<Ref> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String label = "bench-balance-" + prefix + i + ".in";
            out.add(op.create(worker, node.applyAsInt(i), Map.of("work", WORK), List.of(Iface.portNew("in", label, null), Iface.stream("self", label, null)),
                    false, "w" + prefix + i));
        }
        return out;
    }

    /** The workers per node, as the nodes list them (one in the middle of a move is not counted). */
    static Map<String, Integer> spread(Operator op) {
        Map<String, Integer> out = new TreeMap<>();
        for (Kernel.Listed l : op.list(op.session().rdcId))
            if ("busy".equals(l.module()) && l.state() != Incarnation.State.MIGRATING) out.merge(String.valueOf(l.node()), 1, Integer::sum);
        return out;
    }

    private static void line(PrintStream out, String figure, int workers, Figure f, Figure ideal, Map<String, Object> extra) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("bench", "balance");
        l.put("figure", figure);
        l.put("workers", workers);
        l.put("msgs_per_s", Math.round(f.msgsPerS() * 10) / 10.0);
        l.put("spread", f.spread());
        l.put("reference", "ideal");
        l.put("ratio_to_ideal", ideal.msgsPerS() > 0 ? Math.round(f.msgsPerS() / ideal.msgsPerS() * 1000) / 1000.0 : null);
        l.putAll(extra);
        out.println(Json.write(l));
        out.flush();
    }
}
