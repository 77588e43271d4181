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
