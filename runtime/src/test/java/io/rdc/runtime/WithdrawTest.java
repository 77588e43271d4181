package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.operator.Withdrawal;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Node withdrawal (§3.4, issue 15): a busy guest is warned (WITHDRAWING), migrated away within the
 * notice while sequence-numbered traffic flows to it, and loses, repeats or reorders nothing; the
 * node then takes no new incarnations; a guest that cannot move is destroyed at the deadline when
 * asked.
 */
class WithdrawTest extends PoolFixture {
    static final String WORKER = """
            export function init(ctx) { ctx.state = { count: 0, last: 0, errors: 0, warned: null }; }
            export function onEvent(ctx, ev) { if (ev.type === 'WITHDRAWING') ctx.state.warned = ev.detail; }
            export function onMessage(ctx, port, m) {
              const s = ctx.state;
              if (m.head.op === 'report') return { head: { count: s.count, errors: s.errors, warned: s.warned, where: ctx.where() } };
              if (m.head.seq !== s.last + 1) s.errors++;
              s.last = m.head.seq; s.count++;
              for (let i = 0; i < 2000; i++) {} // busy
            }""";

    static final String SENDER = """
            export function onMessage(ctx, port, m) {
              for (let i = 1; i <= m.head.n; i++) ctx.send(ctx.ifaces.out, { head: { seq: i } });
              ctx.flush(ctx.ifaces.out);
            }""";

    @Test
    void aBusyGuestMovesAwayWithinTheNoticeAndLosesNothing() throws Exception {
        Operator op = operator();
        int n = 20_000;
        Ref w = op.create(op.module("wd-worker", WORKER), 204, null, List.of(Iface.portNew("in", "wd.in", null)));
        op.create(op.module("wd-sender", SENDER), 202, null, List.of(Iface.portNew("go", "wd.go", null), Iface.stream("out", "wd.in", null)));
        Ref in = op.spaceGet("wd.in", T), go = op.spaceGet("wd.go", T);
        op.send(go, Map.of("n", n), null);
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (op.status(w).handlerRuns() < 1_000 && System.nanoTime() < until) Thread.sleep(10);
        Withdrawal.Outcome o = op.withdraw(204, Duration.ofSeconds(5), false);
        String what = o.guests().entrySet().stream().filter(e -> e.getKey().startsWith("wd-worker")).map(Map.Entry::getValue).findFirst().orElseThrow();
        assertTrue(what.startsWith("migrated to node"), o.summary());
        until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (op.status(w).handlerRuns() < n + 1 && System.nanoTime() < until) Thread.sleep(20); // init and n messages
        Map<?, ?> r = (Map<?, ?>) op.invoke(in, Map.of("op", "report"), null, T).head();
        assertNotEquals(204L, r.get("where"), "it left the withdrawn node");
        assertEquals((long) n, r.get("count"), "every message once: " + r);
        assertEquals(0L, r.get("errors"), "none lost, repeated or reordered: " + r);
        assertTrue(String.valueOf(r.get("warned")).contains("node 204 is withdrawn"), "it was warned: " + r);
        OperationException refused = assertThrows(OperationException.class, () -> op.create(op.module("wd-worker", WORKER), 204, null, List.of()));
        assertTrue(refused.getMessage().contains("not allocated to new incarnations"), refused.getMessage());
        op.setAccepting(204, true); // the fixture's pool is shared by the class's tests
    }

    @Test
    void aGuestThatCannotMoveIsDestroyedAtTheDeadlineWhenAsked() {
        Operator op = operator();
        // A function in its state cannot move: every migration fails, so it is still there at the deadline.
        String stuck = "export function init(ctx) { ctx.state.f = () => 1; } export function onMessage(ctx, p, m) { return { head: {} }; }";
        Ref s = op.create(op.module("wd-stuck", stuck), 203, null, List.of());
        Withdrawal.Outcome o = op.withdraw(203, Duration.ofMillis(1_500), true);
        op.setAccepting(203, true);
        String what = o.guests().entrySet().stream().filter(e -> e.getKey().startsWith("wd-stuck")).map(Map.Entry::getValue).findFirst().orElseThrow();
        assertTrue(what.startsWith("destroyed at the deadline"), o.summary());
        assertTrue(what.contains("cannot move"), o.summary());
        OperationException gone = assertThrows(OperationException.class, () -> op.status(s));
        assertTrue(gone.getMessage().contains("does not exist"), gone.getMessage());
    }

    /**
     * Guests move all at once: one whose handler outlasts the notice (it cannot reach a boundary)
     * stays, but it must not spend the notice of the others, as it did when they were moved one after
     * the other and it came first.
     */
    @Test
    void aGuestThatCannotMoveDoesNotHoldUpTheOthers() throws Exception {
        Operator op = operator();
        String slow = """
                export function onMessage(ctx, port, m) { const until = Date.now() + 6000; while (Date.now() < until) {} }""";
        Ref busy = op.create(op.module("wd-slow", slow), 202, null, List.of(Iface.portNew("in", "wd.slow", null)));
        List<Ref> quick = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) quick.add(op.create(op.module("wd-quick", "export function onMessage(ctx, p, m) {}"), 202, null, List.of()));
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!op.status(busy).started() && System.nanoTime() < until) Thread.sleep(10);
        op.send(op.spaceGet("wd.slow", T), Map.of("go", 1), null);
        Thread.sleep(50);
        while (op.status(busy).queued() > 0 && System.nanoTime() < until) Thread.sleep(10); // taken: its handler runs
        Withdrawal.Outcome o;
        try {
            o = op.withdraw(202, Duration.ofSeconds(2), false);
        } finally {
            op.setAccepting(202, true);
        }
        for (Ref q : quick) {
            String what = o.guests().get(label(op, q));
            assertTrue(String.valueOf(what).startsWith("migrated to node"), o.summary());
        }
        String stayed = o.guests().get(label(op, busy));
        assertTrue(String.valueOf(stayed).startsWith("left at node 202"), o.summary());
    }

    private static String label(Operator op, Ref inc) {
        return op.status(inc).name() + " (" + Ids.show(op.incarnationId(inc)) + ")";
    }
}
