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
            PoolConfig cfg = PoolConfig.defaults().withDescriptor(remote.descriptor).withTransport(TransportMode.UDP).withLocalNodes(Set.of(201, 202));
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
}
