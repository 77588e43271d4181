package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 21: an invoke in flight to a node that dies fails once the control plane finds the node
 * down (its liveness bound), naming the node, instead of waiting out the caller's timeout; and a
 * request to it afterwards fails at once.
 */
class DeadNodeTest {
    static final String HOLDER = """
            export function onMessage(ctx, port, m) {
              if (m.head.op === 'hold') { ctx.state.held = ctx.defer(m); return; } // the invoker waits for a reply that never comes
              return { head: { pong: true } };
            }""";

    @Test
    void anInvokeInFlightToANodeThatDiesFailsNamingItBeforeItsTimeout() throws Exception {
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withControl(PoolConfig.EMBEDDED_CONTROL))) {
            Operator op = pool.newOperator();
            Ref holder = op.create(op.module("holder", HOLDER), 204, null, List.of(Iface.portNew("in", "dead.holder", null)));
            Ref s = op.spaceGet("dead.holder", Duration.ofSeconds(10));
            assertNotNull(op.invoke(s, Map.of("op", "ping"), null, Duration.ofSeconds(10)).head());
            CompletableFuture<Object> inflight = CompletableFuture.supplyAsync(() -> {
                try {
                    return op.invoke(s, Map.of("op", "hold"), null, Duration.ofSeconds(120));
                } catch (RuntimeException e) {
                    return e;
                }
            });
            Thread.sleep(500);
            assertFalse(inflight.isDone(), "the holder keeps the invoker waiting");
            pool.stopNode(204);
            Object result;
            try {
                result = inflight.get(60, TimeUnit.SECONDS); // far below the invoke's own 120 s
            } catch (java.util.concurrent.TimeoutException e) {
                fail("the invoke to the dead node still waits, 60 s after the node died");
                return;
            }
            assertInstanceOf(OperationException.class, result, String.valueOf(result));
            String why = ((Exception) result).getMessage();
            assertTrue(why.contains("node 204") && why.contains("UNREACHABLE"), why);
            OperationException again = assertThrows(OperationException.class, () -> op.status(holder));
            assertTrue(again.getMessage().contains("UNREACHABLE"), again.getMessage());
        }
    }

    @Test
    void sendsToANodeThatDiedAreReportedOnTheStreamsNextUse() throws Exception {
        // UDP, as between processes: sends taken before the transport notices the node is gone return OK.
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withControl(PoolConfig.EMBEDDED_CONTROL)
                .withTransport(io.rdc.runtime.transport.TransportMode.UDP))) {
            Operator op = pool.newOperator();
            op.create(op.module("sink", "export function onMessage(ctx, port, m) {}"), 204, null, List.of(Iface.portNew("in", "dead.sink", null)));
            Ref s = op.spaceGet("dead.sink", Duration.ofSeconds(10));
            assertNotNull(op.invoke(s, Map.of("i", 0), null, Duration.ofSeconds(10)));
            pool.stopNode(204);
            String why = null;
            int taken = 0;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (why == null && System.nanoTime() < until) {
                try {
                    op.send(s, Map.of("i", taken + 1), null);
                    taken++;
                } catch (OperationException e) {
                    why = e.getMessage();
                }
                Thread.sleep(20);
            }
            assertNotNull(why, taken + " sends to the dead node all returned OK for 30 s");
            assertTrue(why.contains("node 204") && why.toLowerCase().contains("unreachable"), why);
            // Nothing acknowledges after the node stopped: every send taken since may be lost, and the failure counts them.
            if (taken > 0) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) messages sent on it were not acknowledged").matcher(why);
                assertTrue(m.find() && Long.parseLong(m.group(1)) >= taken, taken + " sends taken since the node stopped: " + why);
            }
            String again = assertThrows(OperationException.class, () -> op.send(s, Map.of("i", -1), null)).getMessage();
            assertTrue(again.contains("node 204"), again);
        }
    }
}
