package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.ModuleStore;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Creation at scale (issue 17): many incarnations created and every one answering, and what
 * answering a create before its context is loaded must not change. {@code rdc bench create} takes the
 * count to 10,000; here 2,000 (within the default quota of 2,000 per RDC per node, over 4 nodes).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ManyIncarnationsTest extends PoolFixture {
    private static final String ANSWER = "export function onMessage(ctx, port, m) { return { head: { n: m.head.n } }; }";
    private static final Duration LONG = Duration.ofMinutes(5);

    @Test
    void twoThousandIncarnationsAreCreatedAndEveryOneAnswers() {
        Operator op = operator();
        ModuleStore.Module m = op.module("many", ANSWER);
        int n = 2_000;
        List<Ref> made = new ArrayList<>(n);
        for (int i = 0; i < n; i++) made.add(op.create(m, 201 + i % 4, null, List.of(Iface.portNew("in", "many." + i, null))));
        for (int i = 0; i < n; i++) {
            Ref s = op.spaceGet("many." + i, LONG);
            Object got = ((Map<?, ?>) op.invoke(s, Map.of("n", i), null, LONG).head()).get("n");
            assertEquals((long) i, ((Number) got).longValue(), "incarnation " + i + " answered for another");
            op.close(s);
        }
        assertEquals(n, live(op), "every one live at its node");
        for (Ref r : made) op.destroy(r);
    }

    @Test
    void aModuleWhoseCodeFailsStillFailsEveryCreateOfIt() {
        Operator op = operator();
        ModuleStore.Module bad = op.module("bad-top", "throw new Error('no load here');\nexport function onMessage() {}");
        for (int attempt = 0; attempt < 2; attempt++) {
            OperationException e = assertThrows(OperationException.class, () -> op.create(bad, 202, null, List.of()));
            assertTrue(e.getMessage().contains("no load here"), e.getMessage());
        }
        assertEquals(0, live(op), "nothing left of the failed creates");
    }

    @Test
    void incarnationsDestroyedAsSoonAsCreatedLeaveNoIncarnationNorThread() throws InterruptedException {
        Operator op = operator();
        ModuleStore.Module m = op.module("brief", ANSWER);
        // Loaded once, so later creates are answered before their contexts load (JsHost.answersBeforeLoad).
        op.destroy(op.create(m, 203, null, List.of()));
        int threads0 = Thread.activeCount();
        for (int i = 0; i < 300; i++) op.destroy(op.create(m, 201 + i % 4, null, List.of(Iface.portNew("in", "brief." + i, null))));
        long end = System.nanoTime() + LONG.toNanos();
        while ((live(op) > 0 || Thread.activeCount() > threads0 + 20) && System.nanoTime() < end) Thread.sleep(20);
        assertEquals(0, live(op), "every destroyed incarnation gone from its node");
        assertTrue(Thread.activeCount() <= threads0 + 20, "their threads ended: " + Thread.activeCount() + " threads, " + threads0 + " before");
    }

    @Test
    void aCreateAnsweredBeforeItsLoadIsUsableAtOnce() {
        Operator op = operator();
        ModuleStore.Module m = op.module("prompt", "export function init(ctx) { ctx.state.inited = true; }\n"
                + "export function onMessage(ctx, port, m) { return { head: { inited: ctx.state.inited === true } }; }");
        op.destroy(op.create(m, 204, null, List.of()));
        Ref inc = op.create(m, 204, null, List.of(Iface.portNew("in", "prompt.in", null)));
        // Asked straight away: its status says it exists, and a message waits for its init.
        assertEquals(Incarnation.State.EXECUTING, op.status(inc).state());
        Ref s = op.spaceGet("prompt.in", LONG);
        assertEquals(Boolean.TRUE, ((Map<?, ?>) op.invoke(s, Map.of(), null, LONG).head()).get("inited"));
        op.destroy(inc);
    }

    /** Incarnations of this operator's RDC alive at any node. */
    private int live(Operator op) {
        int n = 0;
        for (var node : pool.pool().nodes())
            for (Incarnation i : pool.kernel(node.id()).localIncarnations()) if (!i.pseudo && i.rdcId == op.session().rdcId) n++;
        return n;
    }
}
