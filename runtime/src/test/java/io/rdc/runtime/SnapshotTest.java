package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ctx.state snapshot and restore: plain data, typed arrays, shared structure and references; refusals. */
class SnapshotTest extends PoolFixture {
    static final String HOLDER = """
            export function init(ctx, args) {
              const shared = { k: 'shared' };
              const buf = ctx.buffer(8);
              ctx.writeBuffer(buf, 0, new Uint8Array([7, 7, 7]));
              ctx.state = {
                n: 42, name: 'holder', list: [1, 'two', { three: 3 }], big: 2 ** 40,
                f64: new Float64Array([1.5, 2.5, 3.25]), u8: new Uint8Array([9, 8, 7]),
                a: shared, b: shared, out: ctx.ifaces.report, buf, me: ctx.self(),
              };
            }
            export function onMessage(ctx, port, m) {
              const s = ctx.state;
              if (m.head.op === 'fn') { s.cb = function () {}; return; }
              if (m.head.op === 'report') {
                ctx.send(s.out, { head: {
                  n: s.n, name: s.name, list: s.list, big: s.big,
                  f64: Array.from(s.f64), f64type: s.f64.constructor.name, u8: Array.from(s.u8),
                  sharedKept: s.a === s.b, outKind: s.out.kind, meKind: s.me.kind,
                  buf: Array.from(ctx.copyFrom(s.buf, 0, 3)), at: ctx.where() } });
              }
            }""";

    @Test
    void stateWithTypedArraysSharedStructureAndReferencesRoundTripsToAnotherNode() {
        Operator op = operator();
        Ref[] report = op.channel("snap.report", false);
        var mod = op.module("holder", HOLDER);
        Ref original = op.create(mod, 202, null, List.of(Iface.portNew("in", "orig.in", null), Iface.stream("report", "snap.report", null)));
        op.send(op.spaceGet("orig.in", T), Map.of("op", "report"), null);
        Map<?, ?> before = (Map<?, ?>) op.receive(report[1], T).head();

        byte[] snapshot = op.snapshot(original, T);
        assertTrue(snapshot.length > 0);
        Ref copy = op.restore(mod, 204, snapshot, List.of(Iface.portNew("in", "copy.in", null)), "copy");
        op.send(op.spaceGet("copy.in", T), Map.of("op", "report"), null);
        Map<?, ?> after = (Map<?, ?>) op.receive(report[1], T).head();

        assertEquals(202L, before.get("at"));
        assertEquals(204L, after.get("at"), "the copy runs at the other node");
        for (String k : List.of("n", "name", "list", "big", "f64", "f64type", "u8", "sharedKept", "outKind", "meKind", "buf"))
            assertEquals(before.get(k), after.get(k), k);
        assertEquals(List.of(1.5, 2.5, 3.25), after.get("f64"));
        assertEquals("Float64Array", after.get("f64type"));
        assertEquals(true, after.get("sharedKept"), "shared substructure stays shared");
        assertEquals("stream", after.get("outKind"), "the stream in the state works at the new node: this very report came through it");
        assertEquals(List.of(7L, 7L, 7L), after.get("buf"), "the buffer handle in the state still reaches the original's buffer");
        assertNotNull(copy);
    }

    @Test
    void anUnmovableValueIsRefusedWithItsPathAndTheIncarnationCarriesOn() {
        Operator op = operator();
        Ref[] report = op.channel("snap2.report", false);
        Ref h = op.create(op.module("holder", HOLDER), 203, null, List.of(Iface.portNew("in", "h.in", null), Iface.stream("report", "snap2.report", null)));
        Ref in = op.spaceGet("h.in", T);
        op.send(in, Map.of("op", "fn"), null);
        OperationException e = assertThrows(OperationException.class, () -> op.snapshot(h, T));
        assertTrue(e.getMessage().contains("state.cb is a function and cannot be moved"), e.getMessage());
        op.send(in, Map.of("op", "report"), null);
        assertEquals(203L, ((Map<?, ?>) op.receive(report[1], T).head()).get("at"), "a refused snapshot changes nothing");
    }
}
