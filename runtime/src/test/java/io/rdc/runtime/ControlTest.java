package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Event;
import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.kernel.Status;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Creation, control, events, the sandbox, faults and runaway code. */
class ControlTest extends PoolFixture {

    /**
     * Issue 14: inspect's state line used to be measured only by the next handler after a status
     * request, so after five messages it still showed the count the first one left. Now it is
     * measured between handlers when asked, and a running handler is said to be running.
     */
    @Test
    void statusShowsTheStateAsItIsNowOrSaysAHandlerIsRunning() {
        Operator op = operator();
        String code = """
                export function init(ctx) { ctx.state.count = 0; }
                export function onMessage(ctx, port, m) {
                  if (m.head.spin) { const until = Date.now() + m.head.spin; while (Date.now() < until) {} }
                  ctx.state.count++;
                }""";
        Ref x = op.create(op.module("fresh-count", code), 202, null, List.of(Iface.portNew("in", "fresh.in", null)));
        Ref in = op.spaceGet("fresh.in", T);
        CommunicationsTest.waitFor(() -> op.status(x).statePreview() != null); // init has run
        assertTrue(op.status(x).statePreview().contains("\"count\":0"), op.status(x).statePreview());
        for (int i = 0; i < 5; i++) op.send(in, Map.of("i", i), null);
        op.flush(in);
        CommunicationsTest.waitFor(() -> op.status(x).handlerRuns() >= 5);
        String now = op.status(x).statePreview();
        assertTrue(now.contains("\"count\":5"), "five messages handled, inspect says: " + now);
        op.send(in, Map.of("spin", 1500), null);
        op.flush(in);
        CommunicationsTest.sleep(300);
        String running = op.status(x).statePreview();
        assertTrue(running.contains("a handler has been running for"), running);
    }

    /** Issue 21: a destroyed incarnation's timers are cancelled, not left in the kernel's queue (holding it) until due. */
    @Test
    void aDestroyedIncarnationsTimersAreCancelled() {
        Operator op = operator();
        String code = """
                export function init(ctx) { for (let i = 0; i < 1000; i++) ctx.after(3600000, 't' + i); }
                export function onMessage(ctx, port, m) { return { head: { ok: true } }; }""";
        int before = pool.kernel(203).liveTimers();
        Ref x = op.create(op.module("hour-timers", code), 203, null, List.of(Iface.portNew("in", "timers.in", null)));
        op.invoke(op.spaceGet("timers.in", T), Map.of(), null, T); // init has run
        assertEquals(before + 1000, pool.kernel(203).liveTimers());
        op.destroy(x);
        CommunicationsTest.waitFor(() -> pool.kernel(203).liveTimers() == before);
        assertEquals(before, pool.kernel(203).liveTimers(), "its thousand one-hour timers went with it");
    }

    @Test
    void sandboxRefusesHostAccessIoAndThreads() {
        Operator op = operator();
        Ref[] report = op.channel("sandbox", false);
        String code = """
                function attempt(name, f) { try { f(); return name + ':allowed'; } catch (e) { return name + ':refused'; } }
                export function init(ctx) {
                  const r = [
                    attempt('Java.type', () => Java.type('java.lang.System')),
                    attempt('Polyglot.eval', () => Polyglot.eval('js', '1')),
                    attempt('load', () => load('/etc/passwd')),
                    attempt('require', () => require('fs')),
                    attempt('Worker', () => new Worker('x.js')),
                    attempt('import', () => { throw typeof importScripts === 'undefined' ? new Error('no') : 0; }),
                  ];
                  ctx.send(ctx.ifaces.report, { head: { results: r } });
                }""";
        op.create(op.module("sandboxed", code), 202, null, List.of(Iface.stream("report", "sandbox", null)));
        List<?> results = (List<?>) ((Map<?, ?>) op.receive(report[1], T).head()).get("results");
        for (Object r : results) assertTrue(r.toString().endsWith(":refused"), "sandbox let through: " + r);
        assertEquals(6, results.size());
    }

    @Test
    void aThrowingHandlerGoesFaultingRaisesTheEventAndTheNodeCarriesOn() {
        Operator op = operator();
        Ref bad = serve(op, "export function onMessage(ctx, port, m) { if (m.head.boom) throw new Error('kaboom ' + m.head.boom); return { head: 'ok' }; }", 203, "bad");
        Ref good = serve(op, "export function onMessage(ctx, port, m) { return { head: 'fine' }; }", 203, "good");
        op.setInterest(bad, "FAULTING", "DEAD");
        Ref s = op.spaceGet("bad", T);
        assertEquals("ok", op.invoke(s, Map.of("boom", 0), null, T).head());
        OperationException failed = assertThrows(OperationException.class, () -> op.invoke(s, Map.of("boom", 7), null, T));
        assertTrue(failed.getMessage().contains("kaboom 7"), "the invoker learns why: " + failed.getMessage());
        Event ev = op.nextEvent(T);
        assertEquals(Event.Type.FAULTING, ev.type());
        assertTrue(ev.detail().contains("kaboom 7"), ev.detail());
        assertEquals(Incarnation.State.FAULTING, op.status(bad).state());
        assertEquals("fine", op.invoke(op.spaceGet("good", T), Map.of(), null, T).head(), "others on the node carry on");
        op.destroy(bad);
        assertEquals(Event.Type.DEAD, op.nextEvent(T).type());
    }

    @Test
    void aBusyLoopIsDestroyedWithinASecond() {
        Operator op = operator();
        Ref loop = op.create(op.module("spin", "export function init(ctx) { while (true) {} }"), 204, null, List.of());
        op.setInterest(loop, "DEAD");
        CommunicationsTest.sleep(300);
        Thread spinning = pool.kernel(204).localIncarnation(op.incarnationId(loop)).thread();
        assertTrue(spinning.isAlive());
        long t0 = System.nanoTime();
        op.destroy(loop);
        assertEquals(Event.Type.DEAD, op.nextEvent(T).type());
        CommunicationsTest.waitFor(() -> !spinning.isAlive());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1000, "destroy took " + ms + " ms");
        assertThrows(OperationException.class, () -> op.status(loop), "a destroyed incarnation has no status");
    }

    @Test
    void freezeHoldsMessagesUntilUnfreezeAndStatusReportsQueues() {
        Operator op = operator();
        Ref[] report = op.channel("frz", false);
        Ref w = op.create(op.module("counter", "export function onMessage(ctx, p, m) { ctx.state.n = (ctx.state.n||0)+1; ctx.send(ctx.ifaces.report, { head: { n: ctx.state.n } }); }"),
                202, null, List.of(Iface.portNew("in", "frzin", null), Iface.stream("report", "frz", null)));
        Ref s = op.spaceGet("frzin", T);
        op.freeze(w);
        for (int i = 0; i < 5; i++) op.send(s, Map.of("i", i), null);
        CommunicationsTest.waitFor(() -> op.status(w).queued() == 5);
        Status st = op.status(w);
        assertEquals(Incarnation.State.FROZEN, st.state());
        assertEquals(5, st.ports().get(0).queued());
        assertNull(op.receive(report[1], Duration.ofMillis(200)), "a frozen incarnation handles nothing");
        op.unfreeze(w, 3);
        for (int i = 1; i <= 5; i++) assertEquals(Map.of("n", (long) i), op.receive(report[1], T).head());
        Status after = op.status(w);
        assertEquals(Incarnation.State.EXECUTING, after.state());
        assertEquals(3, after.priority());
        assertEquals(202, after.node());
        assertTrue(after.handlerRuns() >= 5);
        assertTrue(after.stateBytes() > 0, "state size is measured");
    }

    @Test
    void inchoateCreationStartsOnUnfreezeAndMadeIsRaised() {
        Operator op = operator();
        Ref[] report = op.channel("inch", false);
        Ref w = op.create(op.module("starter", "export function init(ctx, args) { ctx.send(ctx.ifaces.report, { head: { started: args.who } }); }"),
                203, Map.of("who", "w1"), List.of(Iface.stream("report", "inch", null)), true, "w1");
        op.setInterest(w, "MADE");
        assertEquals(Incarnation.State.INCHOATE, op.status(w).state());
        assertNull(op.receive(report[1], Duration.ofMillis(200)));
        op.unfreeze(w, 0);
        assertEquals(Map.of("started", "w1"), op.receive(report[1], T).head());
        assertEquals(Event.Type.MADE, op.nextEvent(T).type());
    }

    @Test
    void creationFromAnInchoateBlueprintTakesItsModuleFromTheBlueprintsNode() {
        Operator op = operator();
        Ref[] report = op.channel("bp", false);
        Ref blueprint = op.create(op.module("bpmod", "export function init(ctx, a) { ctx.send(ctx.ifaces.report, { head: { who: a.who, at: ctx.where() } }); }"),
                203, null, List.of(), true, "blueprint");
        Ref child = op.createFrom(blueprint, 204, Map.of("who", "copy"), List.of(Iface.stream("report", "bp", null)), false, null);
        assertEquals(Map.of("who", "copy", "at", 204L), op.receive(report[1], T).head());
        assertEquals("bpmod", op.status(child).module());
        assertEquals(Incarnation.State.INCHOATE, op.status(blueprint).state(), "the blueprint is not consumed");
        Ref running = op.create(op.module("plain", "export function init(ctx) {}"), 202, null, List.of());
        OperationException e = assertThrows(OperationException.class, () -> op.createFrom(running, 204, null, List.of(), false, null));
        assertTrue(e.getMessage().contains("only an INCHOATE incarnation serves as a blueprint"), e.getMessage());
    }

    @Test
    void creationErrorsAreClear() {
        Operator op = operator();
        OperationException e = assertThrows(OperationException.class,
                () -> op.create(op.module("broken", "export function init(ctx) { let x = ; }"), 202, null, List.of()));
        assertTrue(e.getMessage().contains("broken"), e.getMessage());
        OperationException e2 = assertThrows(OperationException.class,
                () -> op.create(op.module("ok", "export function init(ctx) {}"), 999, null, List.of()));
        assertTrue(e2.getMessage().contains("node 999 is not in the pool"), e2.getMessage());
    }

    @Test
    void aManagerIncarnationCreatesAndControlsItsOwnChildren() {
        Operator op = operator();
        Ref[] report = op.channel("mgr", false);
        op.module("child", "export function onMessage(ctx, p, m) { return { head: { child: ctx.where() } }; }");
        String manager = """
                export function init(ctx) {
                  const c = ctx.create('child', { at: 204, interfaces: [{ port: 'in', on: 'childin' }] });
                  const s = ctx.space.get('childin');
                  const r = ctx.invoke(s, { head: {} });
                  ctx.freeze(c);
                  const st = ctx.status(c);
                  ctx.destroy(c);
                  ctx.send(ctx.ifaces.report, { head: { at: r.head.child, state: st.state, nodes: ctx.nodes().length, where: ctx.where() } });
                }""";
        op.create(op.module("manager", manager), 202, null, List.of(Iface.stream("report", "mgr", null)));
        assertEquals(Map.of("at", 204L, "state", "FROZEN", "nodes", 4L, "where", 202L), op.receive(report[1], T).head());
    }
}
