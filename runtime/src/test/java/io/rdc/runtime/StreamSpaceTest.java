package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Stream space (§5.5), declarative configuration in any order (§5.5.1), the name service (§5.4). */
class StreamSpaceTest extends PoolFixture {

    /**
     * Issue 14, without a control plane (stream space at the RDC's home node): only an incarnation
     * that got a copy may return one, once per copy, so the count never exceeds the limit.
     */
    @Test
    void withoutAControlPlaneOnlyAHolderMayReturnACopy() {
        Operator op = operator();
        assertNull(pool.control(), "this fixture's pool has no control plane");
        Ref[] ch = op.channel(null, false);
        op.spacePut("hold.lim", ch[0], 1);
        String code = """
                export function onMessage(ctx, port, m) {
                  try { ctx.space.return(m.head.label); return { head: { ok: true } }; }
                  catch (e) { return { head: { error: String(e) } }; }
                }""";
        op.create(op.module("stray", code), 203, null, List.of(io.rdc.runtime.kernel.Iface.portNew("in", "hold.stray", null)));
        Ref stray = op.spaceGet("hold.stray", T);
        Map<?, ?> refused = (Map<?, ?>) op.invoke(stray, Map.of("label", "hold.lim"), null, T).head();
        assertTrue(String.valueOf(refused.get("error")).contains("nothing to return") || String.valueOf(refused.get("error")).contains("holds no copy"),
                "a return with the copy still in stream space: " + refused);
        assertTrue(op.spacePrint().stream().anyMatch(l -> l.contains("hold.lim") && l.endsWith("1 left")), op.spacePrint().toString());
        assertNotNull(op.spaceGet("hold.lim", T));
        refused = (Map<?, ?>) op.invoke(stray, Map.of("label", "hold.lim"), null, T).head();
        assertTrue(String.valueOf(refused.get("error")).contains("holds no copy"), "a stray return while the copy is out: " + refused);
        assertTrue(op.spacePrint().stream().anyMatch(l -> l.contains("hold.lim") && l.endsWith("0 left")), "the refused return changed nothing: " + op.spacePrint());
        op.spaceReturn("hold.lim");
        OperationException twice = assertThrows(OperationException.class, () -> op.spaceReturn("hold.lim"));
        assertTrue(twice.getMessage().contains("nothing to return") || twice.getMessage().contains("holds no copy"), twice.getMessage());
        assertTrue(op.spacePrint().stream().anyMatch(l -> l.contains("hold.lim") && l.endsWith("1 left")), op.spacePrint().toString());
    }

    @Test
    void getBlocksUntilALaterPut() throws Exception {
        Operator op = operator();
        AtomicReference<Ref> got = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> got.set(op.spaceGet("late", T)));
        Thread.sleep(300);
        assertNull(got.get(), "get waits while the label is absent");
        assertTrue(op.spacePrint().stream().anyMatch(l -> l.startsWith("waiting\tlate")), op.spacePrint().toString());
        Ref[] ch = op.channel(null, false);
        op.spacePut("late", ch[0], Kernel.UNLIMITED);
        t.join(10_000);
        assertNotNull(got.get());
        op.send(got.get(), Map.of("v", 1), null);
        assertEquals(Map.of("v", 1L), op.receive(ch[1], T).head(), "the stream obtained reaches the port");
    }

    @Test
    void limitedCopiesAreHandedOutOneAtATimeUntilReturned() {
        Operator op = operator();
        Ref[] ch = op.channel(null, false);
        op.spacePut("one", ch[0], 1);
        assertNotNull(op.spaceGet("one", T));
        OperationException e = assertThrows(OperationException.class, () -> op.spaceGet("one", Duration.ofMillis(300)));
        assertTrue(e.getMessage().contains("nothing under 'one' was available within 300 ms"), e.getMessage());
        op.spaceReturn("one");
        assertNotNull(op.spaceGet("one", T), "after return the copy is available again");
        assertTrue(op.spacePrint().stream().anyMatch(l -> l.contains("one") && l.contains("0 left")), op.spacePrint().toString());
    }

    @Test
    void aReturnNeverRaisesTheCountAboveTheLimit() {
        Operator op = operator();
        Ref[] ch = op.channel(null, false);
        op.spacePut("lim", ch[0], 1); // a stream, limited to one copy
        OperationException stray = assertThrows(OperationException.class, () -> op.spaceReturn("lim"));
        assertTrue(stray.getMessage().contains("no copy of 'lim' is out"), stray.getMessage());
        assertTrue(op.spacePrint().stream().anyMatch(l -> l.contains("lim") && l.contains("1 left")), op.spacePrint().toString());
        assertNotNull(op.spaceGet("lim", T));
        assertThrows(OperationException.class, () -> op.spaceGet("lim", Duration.ofMillis(300)), "one copy only, whatever was returned");
    }

    @Test
    void unlimitedCopiesAreCachedDontcacheAreNot() {
        Operator op = operator();
        Ref[] ch = op.channel(null, false);
        op.spacePut("u", ch[0], Kernel.UNLIMITED);
        op.spacePut("d", ch[0], Kernel.DONTCACHE);
        assertSame(op.spaceGet("u", T), op.spaceGet("u", T), "an unlimited entry is cached per incarnation");
        assertNotSame(op.spaceGet("d", T), op.spaceGet("d", T), "a DONTCACHE entry is fetched every time");
        assertTrue(op.spaceDelete("d"));
        assertFalse(op.spaceDelete("d"));
    }

    @Test
    void interdependentIncarnationsConfigureInAnyDeclarationOrder() {
        Operator op = operator();
        Ref[] report = op.channel("ring", false);
        // a's stream goes to b's port and b's to a's: created a first, whose preamble must wait for b's deposit.
        String code = """
                export function init(ctx, args) { if (args.start) ctx.send(ctx.ifaces.next, { head: { hops: 1 } }); }
                export function onMessage(ctx, p, m) {
                  if (m.head.hops >= 5) ctx.send(ctx.ifaces.report, { head: { done: m.head.hops, at: ctx.where() } });
                  else ctx.send(ctx.ifaces.next, { head: { hops: m.head.hops + 1 } });
                }""";
        var mod = op.module("ringer", code);
        op.create(mod, 202, Map.of("start", true), List.of(Iface.stream("next", "b.in", null), Iface.portNew("in", "a.in", null), Iface.stream("report", "ring", null)));
        op.create(mod, 203, Map.of("start", false), List.of(Iface.portNew("in", "b.in", "b.in.handle"), Iface.stream("next", "a.in", null), Iface.stream("report", "ring", null)));
        Map<?, ?> done = (Map<?, ?>) op.receive(report[1], T).head();
        assertEquals(5L, done.get("done"));
        assertTrue(op.spacePrint().stream().anyMatch(l -> l.contains("b.in.handle") && l.contains("port handle")), op.spacePrint().toString());
    }

    @Test
    void nameServiceWorksAcrossRdcsAndFailsAtOnceForUnknownNames() {
        Operator server = operator();
        Operator client = operator();
        assertNotEquals(server.session().rdcId, client.session().rdcId);
        serve(server, "export function onMessage(ctx, p, m) { return { head: { hello: m.head.who } }; }", 204, "greeter.in");
        server.register("greeter", server.spaceGet("greeter.in", T));
        Ref g = client.lookup("greeter");
        assertEquals(Map.of("hello", "client"), client.invoke(g, Map.of("who", "client"), null, T).head());
        long t0 = System.nanoTime();
        OperationException e = assertThrows(OperationException.class, () -> client.lookup("greter"));
        assertTrue((System.nanoTime() - t0) < 2_000_000_000L, "unknown names fail at once");
        assertTrue(e.getMessage().contains("did you mean 'greeter'"), e.getMessage());
        // stream space is per RDC: the client's space does not see the server's labels
        assertThrows(OperationException.class, () -> client.spaceGet("greeter.in", Duration.ofMillis(200)));
    }
}
