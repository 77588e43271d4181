package io.rdc.interpreter.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.NodeStatus;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code pick(group)} reads the nodes' load at the pick (docs/pool.md, "Load balancing"), not only how many incarnations each has. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PickTest {
    /** Two messages to itself in turn, 20 ms of handler each: always running, or with the other queued. */
    static final String BUSY = """
            export function init(ctx) { for (let i = 0; i < 2; i++) ctx.send(ctx.ifaces.self, { head: {} }); }
            export function onMessage(ctx, port, m) {
              const until = Date.now() + 20;
              while (Date.now() < until) {}
              ctx.send(ctx.ifaces.self, { head: {} });
            }""";

    @Test
    void pickGoesToAnIdleNodeRatherThanABusyOneWithFewerIncarnations() throws Exception {
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults());
             RuntimeOperations session = new RuntimeOperations(pool, false, "pick", false)) {
            Operator op = session.op();
            op.create(op.module("busy", BUSY), 201, null, List.of(Iface.portNew("in", "busy.in", null), Iface.stream("self", "busy.in", null)), false, "busy");
            var idle = op.module("idle", "export function onMessage() {}");
            for (int node : List.of(202, 203, 204))
                for (int i = 0; i < 2; i++) op.create(idle, node, null, List.of(), false, "idle" + node + "-" + i);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (op.nodes().stream().filter(n -> n.id() == 201).mapToDouble(NodeStatus::load).sum() < 1 && System.nanoTime() < until) Thread.sleep(20);
            // Node 201 has the fewest incarnations (1) but the only load; 202 is the idle node with the lowest id.
            assertEquals(202L, session.pick(List.of("all")), "nodes: " + op.nodes());
        }
    }
}
