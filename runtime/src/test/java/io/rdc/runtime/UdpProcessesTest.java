package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.ChildNodes;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.transport.TransportMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The same kernel code across separate JVMs: nodes 201-202 here, 203-204 in child processes, all over UDP. */
class UdpProcessesTest {
    @Test
    void orderingAndInvokeAcrossSeparateJvmsOverUdp() throws Exception {
        try (ChildNodes remote = new ChildNodes(4)) {
            remote.start(203);
            remote.start(204);
            PoolConfig cfg = remote.config(Set.of(201, 202));
            try (EmbeddedPool pool = EmbeddedPool.start(cfg)) {
                Operator op = pool.newOperator();
                Ref[] report = op.channel("udp.report", false);
                int per = OrderingTest.PER_SENDER;
                op.create(op.module("receiver", OrderingTest.RECEIVER), 204, Map.of("total", 4 * per),
                        List.of(Iface.portNew("in", "sink", null), Iface.stream("report", "udp.report", null)));
                var sender = op.module("sender", OrderingTest.SENDER);
                for (int node = 201; node <= 204; node++)
                    op.create(sender, node, Map.of("id", "s" + node, "count", per), List.of(Iface.stream("out", "sink", null)));
                Operator.Received r = op.receive(report[1], Duration.ofSeconds(120));
                assertNotNull(r, "all messages arrive");
                Map<?, ?> h = (Map<?, ?>) r.head();
                assertEquals((long) 4 * per, h.get("count"));
                assertEquals(0L, h.get("gaps"));
                assertEquals(0L, h.get("dups"));

                Ref echo = op.create(op.module("echo", "export function onMessage(ctx, p, m) { return { head: { at: ctx.where() } }; }"),
                        203, null, List.of(Iface.portNew("in", "echo", null)));
                assertEquals(Map.of("at", 203L), op.invoke(op.spaceGet("echo", Duration.ofSeconds(10)), Map.of(), null, Duration.ofSeconds(10)).head());
                assertEquals(203, op.status(echo).node());
            }
        }
    }

    /** Migration across JVMs over UDP: a server moved around all four nodes (two of them child processes) under invoke and send load. */
    @Test
    void migrationAcrossSeparateJvmsOverUdpLosesNothing() throws Exception {
        try (ChildNodes remote = new ChildNodes(4)) {
            remote.start(203);
            remote.start(204);
            PoolConfig cfg = remote.config(Set.of(201, 202));
            try (EmbeddedPool pool = EmbeddedPool.start(cfg)) {
                Operator op = pool.newOperator();
                Duration t = Duration.ofSeconds(30);
                Ref srv = op.create(op.module("mserver", MigrationTest.SERVER), 201, null, List.of(Iface.portNew("in", "udp.mig", null)));
                Ref s = op.spaceGet("udp.mig", t);
                long start = System.nanoTime();
                int[] nodes = {203, 202, 204, 201, 204, 203, 201, 202};
                int seq = 0;
                for (int node : nodes) {
                    for (int i = 0; i < 50; i++) {
                        seq++;
                        if (seq % 2 == 0) assertEquals((long) seq, ((Map<?, ?>) op.invoke(s, Map.of("c", "a", "seq", seq), null, t).head()).get("seq"));
                        else op.send(s, Map.of("c", "a", "seq", seq), null);
                    }
                    long t0 = System.nanoTime();
                    var m = op.migrate(srv, node, t);
                    System.out.printf("migrated to %d: %.1f ms (kernel says %.1f ms, frozen %.1f ms)%n", node, (System.nanoTime() - t0) / 1e6, m.elapsedMs(), m.frozenMs());
                    assertEquals(node, op.status(srv).node());
                }
                Map<?, ?> r = (Map<?, ?>) op.invoke(s, Map.of("op", "report"), null, t).head();
                assertEquals((long) seq, r.get("count"), "0 lost, 0 duplicated");
                assertEquals(0L, r.get("nerr"), String.valueOf(r.get("errors")));
                assertEquals((long) nodes.length, r.get("moves"));
                assertEquals(202L, r.get("where"));
                System.out.printf("udp migration scenario: %.1f s%n", (System.nanoTime() - start) / 1e9);
            }
        }
    }
}
