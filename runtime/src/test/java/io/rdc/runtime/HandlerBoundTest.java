package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Event;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The handler bound (Limits.handlerBoundMs): freeze waits for a running handler, and a spinner faults at its bound. */
class HandlerBoundTest extends PoolFixture {

    @Test
    void aSpinnerIsNeverReportedFrozenAndItsFreezeFailsWhenItFaultsAtItsBound() {
        pool.kernel(203).limits().handlerBoundMs = 1500;
        try {
            Operator op = operator();
            Ref spin = op.create(op.module("spinb", "export function init(ctx) { while (true) {} }"), 203, null, List.of());
            op.setInterest(spin, "FAULTING");
            CommunicationsTest.sleep(200);
            long t0 = System.nanoTime();
            CompletableFuture<Throwable> freeze = CompletableFuture.supplyAsync(() -> {
                try {
                    op.freeze(spin);
                    return null;
                } catch (RuntimeException e) {
                    return e;
                }
            });
            while (!freeze.isDone()) {
                Incarnation.State s = op.status(spin).state();
                assertNotEquals(Incarnation.State.FROZEN, s, "FROZEN reported while its handler still runs");
                CommunicationsTest.sleep(50);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Throwable failed = freeze.join();
            assertInstanceOf(OperationException.class, failed);
            assertTrue(failed.getMessage().contains("went FAULTING before it froze") && failed.getMessage().contains("bound of 1500 ms"), failed.getMessage());
            // The bound is CPU time: on a busy machine the spinner takes longer to use it up; the freeze still ends.
            assertTrue(ms < 30_000, "freeze took " + ms + " ms");
            Event ev = op.nextEvent(T);
            assertEquals(Event.Type.FAULTING, ev.type());
            assertTrue(ev.detail().contains("bound of 1500 ms"), ev.detail());
            assertEquals(Incarnation.State.FAULTING, op.status(spin).state());
            op.destroy(spin);
        } finally {
            pool.kernel(203).limits().handlerBoundMs = 5000;
        }
    }

    @Test
    void timeInCtxCallsDoesNotCountAgainstTheBoundAndAnIdleFreezeIsImmediate() {
        pool.kernel(204).limits().handlerBoundMs = 500;
        try {
            Operator op = operator();
            Ref[] ch = op.channel("bound-report", false);
            // waits 1.5 s in receive (a ctx call) inside init: not guest time
            String code = """
                    export function init(ctx) {
                      const r = ctx.receive(null, { timeout: 1500 });
                      ctx.send(ctx.ifaces.report, { head: { waited: r === null } });
                    }""";
            Ref w = op.create(op.module("waiter", code), 204, null, List.of(io.rdc.runtime.kernel.Iface.stream("report", "bound-report", null)));
            assertEquals(java.util.Map.of("waited", true), op.receive(ch[1], T).head());
            long t0 = System.nanoTime();
            op.freeze(w);
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 1000);
            assertEquals(Incarnation.State.FROZEN, op.status(w).state());
            op.destroy(w);
        } finally {
            pool.kernel(204).limits().handlerBoundMs = 5000;
        }
    }
}
