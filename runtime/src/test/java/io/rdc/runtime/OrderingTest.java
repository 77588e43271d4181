package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * No loss, no duplication, per-sender order: 4 senders on 4 nodes, 10,000 sequence-numbered
 * sends each, to one port. The receiver checks every message against the sender's previous one.
 */
class OrderingTest extends PoolFixture {
    static final int PER_SENDER = 10_000;

    static final String RECEIVER = """
            export function init(ctx, args) { ctx.state = { last: {}, count: 0, gaps: 0, dups: 0, reordered: 0, total: args.total }; }
            export function onMessage(ctx, port, m) {
              const st = ctx.state, s = m.head.s, n = m.head.n, last = st.last[s] ?? 0;
              if (n === last + 1) st.last[s] = n;
              else if (n <= last) st.dups++;
              else { st.gaps++; st.last[s] = n; }
              if (++st.count === st.total) ctx.send(ctx.ifaces.report, { head: { count: st.count, gaps: st.gaps, dups: st.dups, last: st.last } });
            }""";

    static final String SENDER = """
            export function init(ctx, args) {
              for (let n = 1; n <= args.count; n++) ctx.send(ctx.ifaces.out, { head: { s: args.id, n } });
            }""";

    @Test
    void fourSendersOnFourNodesTenThousandEachExactlyOnceInOrder() {
        Operator op = operator();
        Ref[] report = op.channel("order.report", false);
        op.create(op.module("receiver", RECEIVER), 202, Map.of("total", 4 * PER_SENDER),
                List.of(Iface.portNew("in", "sink", null), Iface.stream("report", "order.report", null)));
        var sender = op.module("sender", SENDER);
        for (int node = 201; node <= 204; node++)
            op.create(sender, node, Map.of("id", "s" + node, "count", PER_SENDER), List.of(Iface.stream("out", "sink", null)));
        Operator.Received r = op.receive(report[1], Duration.ofSeconds(120));
        assertNotNull(r, "all messages arrive");
        Map<?, ?> h = (Map<?, ?>) r.head();
        assertEquals((long) 4 * PER_SENDER, h.get("count"));
        assertEquals(0L, h.get("gaps"), "no message lost or reordered");
        assertEquals(0L, h.get("dups"), "no message duplicated");
        Map<?, ?> last = (Map<?, ?>) h.get("last");
        for (int node = 201; node <= 204; node++) assertEquals((long) PER_SENDER, last.get("s" + node));
    }
}
