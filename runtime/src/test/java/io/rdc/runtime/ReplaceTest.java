package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Hot code replacement (issue 19, docs/replacement.md): the code changes at a handler boundary, the
 * incarnation does not. Its state (transformed by the new code's upgrade), its port, its queue and
 * its clients' streams stay: sequence-numbered sends made before, during and after the replacement
 * all arrive once and in order. A failing new module or upgrade leaves the old code running.
 */
class ReplaceTest extends PoolFixture {
    /** Version 1: counts numbered messages per client and checks their order; answers with its version. */
    static final String V1 = """
            export const version = 1;
            export function init(ctx) { ctx.state = { last: {}, errors: [], count: 0 }; }
            export function onMessage(ctx, port, msg) {
              const h = msg.head, s = ctx.state;
              if (h.op === 'report') return { head: { v: 1, count: s.count, nerr: s.errors.length, errors: s.errors.slice(0, 5), where: ctx.where() } };
              if (h.op === 'spin') { const end = Date.now() + h.ms; while (Date.now() < end) {} return; }
              const prev = s.last[h.c] ?? 0;
              if (h.seq !== prev + 1) s.errors.push(h.c + ': ' + h.seq + ' after ' + prev);
              s.last[h.c] = h.seq;
              s.count++;
            }""";

    /** Version 2: the same protocol, and it says which version it upgraded from and what its upgrade saw. */
    static final String V2 = V1.replace("export const version = 1;", "export const version = 2;")
            .replace("{ v: 1, count", "{ v: 2, from: s.from, seen: s.seen, count")
            + """

            export function upgrade(ctx, fromVersion, state) {
              return { ...state, from: fromVersion, seen: state.count };
            }""";

    private static Map<?, ?> report(Operator op, Ref s) {
        return (Map<?, ?>) op.invoke(s, Map.of("op", "report"), null, T).head();
    }

    @Test
    void theNewCodeTakesOverTheStateQueueAndClientsWithNothingLost() throws Exception {
        Operator op = operator();
        Ref srv = op.create(op.module("counter", V1), 202, null, List.of(Iface.portNew("in", "rep.in", null)));
        Ref s = op.spaceGet("rep.in", T);
        for (int i = 1; i <= 200; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        // Sends from another thread go on while the code is replaced.
        Ref s2 = op.spaceGet("rep.in", T);
        CompletableFuture<Void> during = CompletableFuture.runAsync(() -> {
            for (int i = 1; i <= 2000; i++) op.send(s2, Map.of("c", "b", "seq", i), null);
        });
        op.replace(srv, op.module("counter2", V2), T);
        during.get();
        for (int i = 201; i <= 400; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        Map<?, ?> r = report(op, s);
        assertEquals(2L, r.get("v"), "the new code answers");
        assertEquals(1L, r.get("from"), "upgrade was told the old module's version");
        assertTrue(((Number) r.get("seen")).longValue() >= 200, "upgrade saw the state as the old code left it: " + r.get("seen"));
        assertEquals(2400L, r.get("count"), "every message, queued before, sent during and after, arrived once");
        assertEquals(0L, r.get("nerr"), String.valueOf(r.get("errors")));
        assertEquals("counter2", op.status(srv).module(), "status names the new module");
        assertEquals(io.rdc.runtime.kernel.ModuleStore.hashOf(V2), op.status(srv).moduleHash(), "and its version, the new code's hash");
        assertEquals(io.rdc.runtime.kernel.ModuleStore.hashOf(V2), op.list(0).stream().filter(l -> l.gid() == op.incarnationId(srv))
                .findFirst().orElseThrow().moduleHash(), "list shows the version too");
        // A migration after the replacement carries the new code.
        op.migrate(srv, 203, T);
        Map<?, ?> moved = report(op, s);
        assertEquals(2L, moved.get("v"));
        assertEquals(203L, moved.get("where"));
        assertEquals(2400L, moved.get("count"));
    }

    /** Version 1 answers an invoke with its sequence number; version 2 changes the format and adds a field in upgrade. */
    static final String INVOKED_V1 = """
            export const version = 1;
            export function init(ctx) { ctx.state = { last: {}, errors: [], count: 0 }; }
            export function onMessage(ctx, port, msg) {
              const h = msg.head, s = ctx.state;
              if (h.op === 'report') return { head: { count: s.count, nerr: s.errors.length, errors: s.errors.slice(0, 5) } };
              const prev = s.last[h.c] ?? 0;
              if (h.seq !== prev + 1) s.errors.push(h.c + ': ' + h.seq + ' after ' + prev);
              s.last[h.c] = h.seq;
              s.count++;
              return { head: { seq: h.seq } };
            }""";
    static final String INVOKED_V2 = INVOKED_V1.replace("version = 1", "version = 2")
            .replace("return { head: { seq: h.seq } };", "return { head: { reply: { seq: h.seq, total: s.count, since: s.upgradedAt } } };")
            + "\nexport function upgrade(ctx, from, state) { return { ...state, upgradedAt: state.count }; }\n";

    /** The scenario: 4 clients make 10,000 numbered invokes; the code is replaced among them. */
    @Test
    void underFourInvokingClientsRepliesSwitchFormatExactlyOnceAndNothingIsLost() throws Exception {
        Operator op = operator();
        Ref srv = op.create(op.module("invoked", INVOKED_V1), 201, null, List.of(Iface.portNew("in", "rep.load", null)));
        var toServer = op.kernel().describe(op.spaceGet("rep.load", T));
        int clients = 4, perClient = 2_500;
        java.util.concurrent.ConcurrentLinkedQueue<String> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        int[] switches = new int[clients];
        java.util.concurrent.CountDownLatch halfway = new java.util.concurrent.CountDownLatch(clients);
        List<Thread> threads = new java.util.ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int me = c;
            Operator client = pool.newOperator("client-" + c);
            Ref st = client.kernel().materialize(client.session(), toServer);
            threads.add(Thread.ofPlatform().start(() -> {
                boolean v2 = false;
                try {
                    for (int seq = 1; seq <= perClient; seq++) {
                        if (seq == perClient / 4) halfway.countDown();
                        Map<?, ?> head = (Map<?, ?>) client.invoke(st, Map.of("c", "c" + me, "seq", seq), null, java.time.Duration.ofSeconds(30)).head();
                        boolean now = head.containsKey("reply");
                        Object back = now ? ((Map<?, ?>) head.get("reply")).get("seq") : head.get("seq");
                        if (((Number) back).intValue() != seq) failures.add("c" + me + ": reply " + back + " to " + seq);
                        if (now != v2) {
                            if (!now) failures.add("c" + me + ": the old format came back at " + seq);
                            switches[me]++;
                            v2 = now;
                        }
                    }
                } catch (RuntimeException e) {
                    failures.add("c" + me + ": " + e);
                }
            }));
        }
        halfway.await();
        op.replace(srv, op.module("invoked2", INVOKED_V2), T);
        for (Thread t : threads) t.join();
        assertEquals(List.of(), List.copyOf(failures));
        for (int c = 0; c < clients; c++) assertEquals(1, switches[c], "client " + c + " saw the format switch exactly once");
        Map<?, ?> r = (Map<?, ?>) ((Map<?, ?>) op.invoke(op.spaceGet("rep.load", T), Map.of("op", "report"), null, T).head());
        assertEquals((long) clients * perClient, r.get("count"), "0 lost, 0 duplicated");
        assertEquals(0L, r.get("nerr"), String.valueOf(r.get("errors")));
    }

    @Test
    void anUpgradeThatThrowsLeavesTheOldCodeRunningAndSaysWhy() {
        Operator op = operator();
        Ref srv = op.create(op.module("counter", V1), 203, null, List.of(Iface.portNew("in", "rep.bad", null)));
        Ref s = op.spaceGet("rep.bad", T);
        for (int i = 1; i <= 50; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        String throwing = V1.replace("export const version = 1;", "export const version = 3;")
                + "\nexport function upgrade(ctx, from, state) { throw new Error('cannot read version ' + from + ' states'); }\n";
        OperationException e = assertThrows(OperationException.class, () -> op.replace(srv, op.module("counter3", throwing), T));
        assertTrue(e.getMessage().contains("cannot read version 1 states") && e.getMessage().contains("old code runs on"), e.getMessage());
        String broken = "export function onMessage(ctx, port, msg) { return {{ ; }\n";
        OperationException syntax = assertThrows(OperationException.class, () -> op.replace(srv, op.module("broken", broken), T));
        assertTrue(syntax.getMessage().contains("old code runs on"), syntax.getMessage());
        for (int i = 51; i <= 100; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        Map<?, ?> r = report(op, s);
        assertEquals(1L, r.get("v"), "the old code still answers");
        assertEquals(100L, r.get("count"));
        assertEquals(0L, r.get("nerr"), String.valueOf(r.get("errors")));
        assertEquals("counter", op.status(srv).module());
        assertEquals(io.rdc.runtime.kernel.ModuleStore.hashOf(V1), op.status(srv).moduleHash(), "the old version, unchanged");
    }

    /** The new module's top-level code runs under the watchdog: one that spins is interrupted at the load bound, the old code runs on. */
    @Test
    void newCodeWhoseTopLevelSpinsIsInterruptedAndTheOldCodeRunsOn() {
        Operator op = operator();
        Ref srv = op.create(op.module("counter", V1), 202, null, List.of(Iface.portNew("in", "rep.spin", null)));
        Ref s = op.spaceGet("rep.spin", T);
        op.send(s, Map.of("c", "a", "seq", 1), null);
        long bound = pool.kernel(202).limits().moduleLoadBoundMs;
        pool.kernel(202).limits().moduleLoadBoundMs = 500;
        try {
            String spinning = "while (true) {}\n" + V2;
            long t0 = System.nanoTime();
            OperationException e = assertThrows(OperationException.class, () -> op.replace(srv, op.module("spinning", spinning), T));
            assertTrue(e.getMessage().contains("ran past its bound") && e.getMessage().contains("old code runs on"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < T.toNanos(), "interrupted, not left to the caller's bound");
        } finally {
            pool.kernel(202).limits().moduleLoadBoundMs = bound;
        }
        op.send(s, Map.of("c", "a", "seq", 2), null);
        Map<?, ?> r = report(op, s);
        assertEquals(1L, r.get("v"), "the old code still answers");
        assertEquals(2L, r.get("count"));
    }

    @Test
    void aHandlerStillRunningPastTheBoundLeavesItAsItWas() {
        Operator op = operator();
        Ref srv = op.create(op.module("counter", V1), 204, null, List.of(Iface.portNew("in", "rep.busy", null)));
        Ref s = op.spaceGet("rep.busy", T);
        op.send(s, Map.of("op", "spin", "ms", 1500), null);
        CommunicationsTest.waitFor(() -> String.valueOf(op.status(srv).statePreview()).contains("a handler has been running"));
        OperationException e = assertThrows(OperationException.class, () -> op.replace(srv, op.module("counter2", V2), java.time.Duration.ofMillis(200)));
        assertTrue(e.getMessage().contains("still running"), e.getMessage());
        assertEquals(1L, report(op, s).get("v"));
    }

    @Test
    void aManagerReplacesTheCodeOfAnIncarnationItHolds() {
        Operator op = operator();
        op.module("counter", V1);
        op.module("counter2", V2);
        op.create(op.module("manager", """
                export function init(ctx) {
                  ctx.state.w = ctx.create('counter', { at: 201, interfaces: [{ port: 'in', on: 'rep.managed' }] });
                }
                export function onMessage(ctx, port, msg) {
                  try { ctx.replace(ctx.state.w, msg.head.to); return { head: { ok: true } }; }
                  catch (e) { return { head: { ok: false, error: String(e.message ?? e) } }; }
                }"""), 202, null, List.of(Iface.portNew("in", "rep.manager", null)));
        Ref manager = op.spaceGet("rep.manager", T);
        Ref w = op.spaceGet("rep.managed", T);
        op.send(w, Map.of("c", "a", "seq", 1), null);
        Map<?, ?> done = (Map<?, ?>) op.invoke(manager, Map.of("to", "counter2"), null, T).head();
        assertEquals(Boolean.TRUE, done.get("ok"), String.valueOf(done.get("error")));
        Map<?, ?> r = report(op, w);
        assertEquals(2L, r.get("v"));
        assertEquals(1L, r.get("count"));
        Map<?, ?> unknown = (Map<?, ?>) op.invoke(manager, Map.of("to", "nosuch"), null, T).head();
        assertEquals(Boolean.FALSE, unknown.get("ok"));
    }
}
