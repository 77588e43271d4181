package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.NodeStatus;
import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Load balancing (issue 15, docs/pool.md "Load balancing"): the node load figures, and
 * stdlib/balancer.js spreading a balanced RDC's busy incarnations from one node over the group's
 * four nodes by ordinary migration (nothing lost: each worker's own message loop goes on). Not a
 * timed test: it waits, bounded, for the spread, and asserts where things are, not how fast.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BalancerTest {
    /** Four nodes, all in the balanced group (the default pool has one). */
    static final NodeDescriptor BALANCED_POOL = NodeDescriptor.parse("""
            201:node1:balanced,all:jvm:mem=4gb
            202:node2:balanced,all:jvm:mem=4gb
            203:node3:balanced,all:jvm:mem=4gb
            204:node4:balanced,all:jvm:mem=4gb
            """, "balanced-pool");

    /** Busy: each message costs 3 ms of handler time and sends the next to itself (always running or with work queued). */
    static final String WORKER = """
            export function init(ctx) { ctx.state = { n: 0 }; ctx.send(ctx.ifaces.self, { head: { go: true } }); }
            export function onMessage(ctx, port, m) {
              if (m.head.op === 'report') return { head: { n: ctx.state.n, where: ctx.where() } };
              const until = Date.now() + 3;
              while (Date.now() < until) {}
              ctx.state.n++;
              ctx.send(ctx.ifaces.self, { head: { go: true } });
            }""";

    static final String BALANCER = "export { init, onEvent, onMessage } from \"rdc/balancer.js\";";

    static final Duration T = Duration.ofSeconds(30);

    EmbeddedPool pool;

    @BeforeAll
    void start() {
        pool = EmbeddedPool.start(PoolConfig.defaults().withDescriptor(BALANCED_POOL));
    }

    @AfterAll
    void stop() {
        if (pool != null) pool.close();
    }

    @Test
    void fortyBusyIncarnationsOnOneNodeEndSpreadOverTheFourNodes() throws Exception {
        Operator op = pool.newOperator("balanced-app");
        var worker = op.module("busy", WORKER);
        List<Ref> workers = new ArrayList<>();
        for (int i = 0; i < 40; i++)
            workers.add(op.create(worker, 201, null, List.of(Iface.portNew("in", "w" + i + ".in", null), Iface.stream("self", "w" + i + ".in", null)),
                    false, "w" + i));
        // The figures the balancer reads: node 201 is loaded, the others idle.
        waitFor(() -> load(op, 201) >= 20, "node 201's load to show its busy incarnations: " + op.nodes());
        waitFor(() -> figures(op, 201).busy() > 0 && figures(op, 201).queued() > 0, "handler time and queued work to show in node 201's figures: " + op.nodes());
        assertEquals(0.0, load(op, 202), "node 202 is idle: " + op.nodes());

        Ref balancer = op.create(op.module("balancer", BALANCER), 201,
                Map.of("period", 200, "maxMoves", 8, "confirm", 1, "settle", 3),
                List.of(Iface.portNew("control", "balancer.control", null)), false, "balancer");
        Ref control = op.spaceGet("balancer.control", T);
        long until = System.nanoTime() + Duration.ofSeconds(150).toNanos();
        Map<Integer, Integer> spread = spread(op);
        while (!(spread.size() == 4 && spread.values().stream().allMatch(c -> c <= 12)) && System.nanoTime() < until) {
            Thread.sleep(250);
            spread = spread(op);
        }
        Object report = op.invoke(control, Map.of("op", "report"), null, T).head();
        assertEquals(4, spread.size(), "every node of the group has some of the 40: " + spread + "; balancer: " + report);
        for (var e : spread.entrySet()) assertTrue(e.getValue() <= 12, "node " + e.getKey() + " has " + e.getValue() + " (at most 12 wanted): " + spread + "; balancer: " + report);
        long moves = ((Number) ((Map<?, ?>) report).get("moves")).longValue();
        assertTrue(moves >= 28, "at least 28 of the 40 had to move for no node to keep more than 12: " + report);

        // Nothing lost: every worker's own message loop survived its move and still runs.
        op.destroy(balancer);
        Map<Ref, Long> before = new java.util.HashMap<>();
        for (Ref w : workers) before.put(w, op.status(w).handlerRuns());
        for (Ref w : workers) {
            long runs = before.get(w);
            waitFor(() -> op.status(w).handlerRuns() > runs, op.status(w).name() + " to go on handling its own messages at node " + op.status(w).node());
        }
        for (Ref w : workers) op.destroy(w);
    }

    static final String ADOPTER = """
            export function onMessage(ctx, port, m) {
              try { ctx.adopt(m.head.id); return { head: { adopted: true } }; }
              catch (e) { return { head: { error: e.message } }; }
            }""";

    @Test
    void anIncarnationMayAdoptOnlyItsOwnRdcsIncarnations() {
        Operator mine = pool.newOperator("mine"), other = pool.newOperator("other");
        var adopter = mine.module("adopter", ADOPTER);
        mine.create(adopter, 202, null, List.of(Iface.portNew("in", "adopter.in", null)), false, "adopter");
        Ref sibling = mine.create(mine.module("idle", "export function onMessage() {}"), 203, null, List.of(), false, "sibling");
        Ref stranger = other.create(other.module("idle", "export function onMessage() {}"), 203, null, List.of(), false, "stranger");
        Ref in = mine.spaceGet("adopter.in", T);
        Map<?, ?> ok = (Map<?, ?>) mine.invoke(in, Map.of("id", io.rdc.runtime.kernel.Ids.show(mine.incarnationId(sibling))), null, T).head();
        assertEquals(true, ok.get("adopted"), ok.toString());
        Map<?, ?> refused = (Map<?, ?>) mine.invoke(in, Map.of("id", io.rdc.runtime.kernel.Ids.show(other.incarnationId(stranger))), null, T).head();
        assertTrue(String.valueOf(refused.get("error")).contains("in this incarnation's RDC"), refused.toString());
        Map<?, ?> bad = (Map<?, ?>) mine.invoke(in, Map.of("id", "w7"), null, T).head();
        assertTrue(String.valueOf(bad.get("error")).contains("NODE.COUNTER"), bad.toString());
    }

    @Test
    void aBalancerGivenABadFigureFaultsSayingWhich() throws Exception {
        Operator op = pool.newOperator("bad-args");
        Ref b = op.create(op.module("balancer", BALANCER), 201, Map.of("threshold", -1), List.of(), false, "balancer");
        waitFor(() -> op.status(b).state() == io.rdc.runtime.kernel.Incarnation.State.FAULTING, "the balancer to refuse threshold -1");
        assertTrue(String.valueOf(op.status(b).fault()).contains("threshold must be a positive number"), op.status(b).fault());
    }

    private static NodeStatus figures(Operator op, int node) {
        return op.nodes().stream().filter(n -> n.id() == node).findFirst().orElseThrow();
    }

    private static double load(Operator op, int node) {
        return figures(op, node).load();
    }

    /** How many of the RDC's busy workers each node has (the balancer not counted). */
    private static Map<Integer, Integer> spread(Operator op) {
        Map<Integer, Integer> out = new TreeMap<>();
        for (Kernel.Listed l : op.list(op.session().rdcId))
            if ("busy".equals(l.module()) && l.state() != io.rdc.runtime.kernel.Incarnation.State.MIGRATING) out.merge(l.node(), 1, Integer::sum);
        return out;
    }

    private static void waitFor(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > until) throw new AssertionError("waited 60 s for " + what);
            Thread.sleep(50);
        }
    }
}
