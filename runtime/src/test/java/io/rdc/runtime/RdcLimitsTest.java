package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Event;
import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.kernel.RdcLimits;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Bounds an RDC states for itself (RdcLimits): its handler bound, not its neighbours'. */
class RdcLimitsTest extends PoolFixture {

    @Test
    void aSpinnerOfAnRdcWithA200MsBoundStopsWithinItWhileAnotherRdcsOneSecondHandlerCompletes() {
        assertEquals(5000, pool.kernel(203).limits().handlerBoundMs, "the node's own bound is the default here");
        Operator a = operator(), b = operator();
        a.limits(new RdcLimits(200, 0));
        assertEquals(new RdcLimits(200, 0), a.limits());
        assertEquals(RdcLimits.NODE_DEFAULTS, b.limits());
        // B: a handler that runs guest code for a second, past A's bound and within the node's.
        Ref busy = b.create(b.module("busy", """
                export function onMessage(ctx, port, m) {
                  const end = Date.now() + 1000; let n = 0;
                  while (Date.now() < end) n++;
                  return { head: { done: n > 0 } };
                }"""), 203, null, List.of(Iface.portNew("in", "rdc-limits-busy", null)));
        b.setInterest(busy, "FAULTING");
        Ref busyIn = b.spaceGet("rdc-limits-busy", T);
        CompletableFuture<Object> answer = CompletableFuture.supplyAsync(() -> b.invoke(busyIn, Map.of("go", 1), null, T).head());
        long t0 = System.nanoTime();
        Ref spin = a.create(a.module("spin200", "export function init(ctx) { while (true) {} }"), 203, null, List.of());
        a.setInterest(spin, "FAULTING");
        Event ev = a.nextEvent(Duration.ofSeconds(30));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertNotNull(ev, "A's spinner did not fault");
        assertEquals(Event.Type.FAULTING, ev.type());
        assertTrue(ev.detail().contains("bound of 200 ms") && ev.detail().contains("its RDC's limits"), ev.detail());
        // CPU time, so a loaded machine stretches it; the node's bound (5 s of CPU) could not have fired this soon.
        assertTrue(ms < 4000, "A's spinner took " + ms + " ms to stop");
        assertEquals(Map.of("done", true), answer.join(), "B's handler did not complete");
        assertNull(b.nextEvent(Duration.ofMillis(200)), "B's incarnation faulted");
        a.destroy(spin);
        b.destroy(busy);
    }

    @Test
    void withAControlPlaneANodeThatNeverHeardOfTheLimitsReadsThemAlsoAfterAMigration() throws Exception {
        try (var cpPool = io.rdc.runtime.pool.EmbeddedPool.start(io.rdc.runtime.pool.PoolConfig.defaults()
                .withControl(io.rdc.runtime.pool.PoolConfig.EMBEDDED_CONTROL))) {
            Operator a = cpPool.newOperator();
            a.limits(new RdcLimits(300, 0));
            long rdc = a.session().rdcId;
            // As a node in another process would: it knows only what the control plane keeps.
            RdcLimits.Table table = cpPool.kernel(204).pool().rdcLimits();
            table.forget(rdc);
            assertEquals(new RdcLimits(300, 0), a.limits(), "the control plane keeps the RDC's limits");
            Ref w = a.create(a.module("spinOnAsk", "export function onMessage(ctx, port, m) { while (true) {} }"), 203, null,
                    List.of(Iface.portNew("in", "rdc-limits-spin", null)));
            a.setInterest(w, "FAULTING");
            a.migrate(w, 204, T);
            table.forget(rdc);
            Ref in = a.spaceGet("rdc-limits-spin", T);
            a.send(in, Map.of("go", 1), null);
            Event ev = a.nextEvent(Duration.ofSeconds(30));
            assertNotNull(ev, "the migrated spinner did not fault");
            assertTrue(ev.detail().contains("bound of 300 ms") && ev.detail().contains("its RDC's limits"), ev.detail());
            // And read from the control plane by a node that forgot them (a node of another process).
            table.forget(rdc);
            long end = System.nanoTime() + 5_000_000_000L;
            while (!table.of(rdc).limits().equals(new RdcLimits(300, 0)) && System.nanoTime() < end) CommunicationsTest.sleep(20);
            assertEquals(new RdcLimits(300, 0), table.of(rdc).limits(), "not read from the control plane");
        }
    }

    @Test
    void limitsAreCheckedAndKeptAsText() {
        RdcLimits l = new RdcLimits(250, 64L << 20);
        assertEquals(l, RdcLimits.decode(l.encode()));
        assertEquals(RdcLimits.NODE_DEFAULTS, RdcLimits.decode(null));
        var e = assertThrows(OperationException.class, () -> new RdcLimits(-1, 0));
        assertTrue(e.getMessage().contains("handler bound"), e.getMessage());
        e = assertThrows(OperationException.class, () -> new RdcLimits(0, 1 << 20));
        assertTrue(e.getMessage().contains("at least 16 MB"), e.getMessage());
        e = assertThrows(OperationException.class, () -> RdcLimits.decode("handlerBoundMs=1,cpu=3"));
        assertTrue(e.getMessage().contains("unknown limit 'cpu'"), e.getMessage());
    }
}
