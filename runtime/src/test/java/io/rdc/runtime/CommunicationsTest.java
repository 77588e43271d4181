package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.ReferenceException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each invocation primitive and its failure paths, between the operator and JS incarnations on other nodes. */
class CommunicationsTest extends PoolFixture {

    @Test
    void sendQueuesInOrderAndReceiveTakesThem() {
        Operator op = operator();
        Ref[] ch = op.channel("inbox", false);
        for (int i = 0; i < 100; i++) op.send(ch[0], Map.of("i", i), "body" + i);
        for (int i = 0; i < 100; i++) {
            Operator.Received r = op.receive(ch[1], T);
            assertEquals((long) i, ((Map<?, ?>) r.head()).get("i"));
            assertEquals("body" + i, r.body());
        }
        assertNull(op.receive(ch[1], Duration.ofMillis(50)), "receive times out when nothing is queued");
    }

    @Test
    void jsWorkerAsinvokesBulkAndSendsRepliesThroughStreamsItWasGiven() {
        Operator op = operator();
        Ref[] report = op.channel("report", false);
        String code = """
                export function onMessage(ctx, port, m) {
                  if (m.kind === 'asinvoke') ctx.send(ctx.ifaces.report, { head: { got: m.body.length, kind: m.kind } });
                  if (m.kind === 'dgram') ctx.send(ctx.ifaces.report, { head: { dgram: m.head.n } });
                }""";
        op.create(op.module("bulk", code), 202, null, List.of(Iface.portNew("in", "bulk", null), Iface.stream("report", "report", null)));
        Ref s = op.spaceGet("bulk", T);
        op.asinvoke(s, Map.of("op", "bulk"), "x".repeat(200_000));
        assertEquals(Map.of("got", 200_000L, "kind", "asinvoke"), op.receive(report[1], T).head());
        op.dgram(s, Map.of("n", 7), null);
        assertEquals(Map.of("dgram", 7L), op.receive(report[1], T).head());
    }

    @Test
    void invokeGetsImplicitAcknowledgementExplicitDeferredReplyAndForwardedReply() {
        Operator op = operator();
        serve(op, "export function onMessage(ctx, port, m) { ctx.state.n = (ctx.state.n || 0) + 1; }", 202, "acker");
        Operator.Received ack = op.invoke(op.spaceGet("acker", T), Map.of("x", 1), null, T);
        assertNull(ack.head(), "a handler that returns nothing acknowledges implicitly");

        // A server that defers replies and answers two invocations in reverse order from a later message.
        serve(op, """
                export function onMessage(ctx, port, m) {
                  if (m.head.op === 'hold') { ctx.state.held = ctx.state.held || []; ctx.state.held.push(ctx.defer(m)); ctx.__held = (ctx.__held || []).concat([ctx.defer(m)]); return; }
                  if (m.head.op === 'release') { for (const h of ctx.__held.reverse()) ctx.reply(h, { head: { released: true } }); ctx.__held = []; }
                }""".replace("ctx.state.held = ctx.state.held || []; ctx.state.held.push(ctx.defer(m)); ", ""), 203, "holder");
        Ref holder = op.spaceGet("holder", T);
        List<Object> replies = new ArrayList<>();
        Thread t = Thread.ofVirtual().start(() -> replies.add(op.invoke(holder, Map.of("op", "hold"), null, T).head()));
        sleep(300);
        assertTrue(replies.isEmpty(), "the invoker stays blocked while the reply is deferred");
        op.send(holder, Map.of("op", "release"), null);
        join(t);
        assertEquals(List.of(Map.of("released", true)), replies);

        // Forward: the front forwards to the back, which replies to the original invoker.
        serve(op, "export function onMessage(ctx, port, m) { return { head: { by: 'back', x: m.head.x } }; }", 204, "back");
        op.create(op.module("front", "export function onMessage(ctx, port, m) { ctx.forward(ctx.ifaces.back, m, { x: m.head.x + 1 }); }"),
                201, null, List.of(Iface.portNew("in", "front", null), Iface.stream("back", "back", null)));
        assertEquals(Map.of("by", "back", "x", 2L), op.invoke(op.spaceGet("front", T), Map.of("x", 1), null, T).head());
    }

    @Test
    void selectiveReceiveBySourceAndTestPortCounts() {
        Operator op = operator();
        Ref[] ch = op.channel("sel", false);
        Ref a = ch[0];
        Ref b = op.spaceGet("sel", T); // a second stream to the same channel (stream space hands out a new stream)
        assertNotSame(a, b);
        op.send(a, Map.of("from", "a"), null);
        op.send(b, Map.of("from", "b"), null);
        op.send(a, Map.of("from", "a2"), null);
        waitFor(() -> ((Long) op.testPort(ch[1]).get("count")) == 3);
        Map<String, Object> tp = op.testPort(ch[1]);
        assertEquals(3L, tp.get("count"));
        assertEquals(2, ((Map<?, ?>) tp.get("sources")).size());
        long bGid = ((io.rdc.runtime.kernel.Stream) b.target()).gid;
        Operator.Received fromB = op.receive(ch[1], bGid, T);
        assertEquals(Map.of("from", "b"), fromB.head(), "receive selected by source skips earlier messages of others");
        assertEquals(Map.of("from", "a"), op.receive(ch[1], T).head());
        assertEquals(Map.of("from", "a2"), op.receive(ch[1], T).head());
    }

    @Test
    void aPortOnSeveralChannelsMergesThemInArrivalOrder() {
        Operator op = operator();
        Ref[] a = op.channel(null, false);
        Ref[] group = op.channel(null, true);
        Ref[] b = op.channel(null, false);
        op.close(b[1]); // channel b has no port now; attach a's port to it, and to the multicast group
        op.joinChannel(a[1], b[0]);
        assertNull(group[1], "a multicast group has no port of the operator's own");
        op.joinChannel(a[1], group[0]);
        ((io.rdc.runtime.kernel.Stream) b[0].target()).forgetDestination();
        for (int i = 0; i < 30; i++) {
            Ref via = i % 3 == 0 ? a[0] : i % 3 == 1 ? b[0] : group[0];
            op.send(via, Map.of("i", i), null);
            op.flush(via); // so that arrival order is send order across the three streams
        }
        for (int i = 0; i < 30; i++) assertEquals((long) i, ((Map<?, ?>) op.receive(a[1], T).head()).get("i"));
        Ref[] c = op.channel(null, false);
        OperationException e = assertThrows(OperationException.class, () -> op.joinChannel(a[1], c[0]));
        assertTrue(e.getMessage().contains("unicast and already has a port"), e.getMessage());
    }

    @Test
    void multicastSendReachesEveryMemberOfTheGroup() {
        Operator op = operator();
        Ref[] report = op.channel("mreport", false);
        Ref[] group = op.channel("group", true);
        String member = "export function onMessage(ctx, port, m) { ctx.send(ctx.ifaces.report, { head: { at: ctx.where(), v: m.head.v } }); }";
        var mod = op.module("member", member);
        for (int node : new int[] {202, 203, 204})
            op.create(mod, node, null, List.of(Iface.portExisting("in", "group", null), Iface.stream("report", "mreport", null)));
        waitFor(() -> op.nodes().stream().mapToInt(n -> n.incarnations()).sum() >= 3);
        sleep(200);
        op.send(group[0], Map.of("v", 9), null);
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < 3; i++) at.add((Long) ((Map<?, ?>) op.receive(report[1], T).head()).get("at"));
        at.sort(null);
        assertEquals(List.of(202L, 203L, 204L), at);
        assertNull(group[1], "the operator is not a member of its group: it would acknowledge and keep every message");
        assertNull(op.receive(report[1], Duration.ofMillis(300)), "three members, three reports");
    }

    @Test
    void failurePaths() {
        Operator op = operator();
        Operator other = operator();
        Ref[] ch = op.channel("f", false);
        // unknown reference: a reference from another operator's table is refused
        ReferenceException e1 = assertThrows(ReferenceException.class, () -> other.send(ch[0], Map.of(), null));
        assertTrue(e1.getMessage().contains("does not hold"), e1.getMessage());
        assertThrows(ReferenceException.class, () -> op.ref(9999));
        // oversize send
        OperationException e2 = assertThrows(OperationException.class, () -> op.send(ch[0], Map.of(), "y".repeat(10_000)));
        assertTrue(e2.getMessage().contains("exceeds one frame"), e2.getMessage());
        // send to a channel with no port
        Ref s2 = op.spaceGet("f", T);
        op.close(ch[1]);
        OperationException e3 = assertThrows(OperationException.class, () -> {
            op.send(s2, Map.of("n", 1), null);
            op.send(s2, Map.of("n", 2), null);
            sleep(300);
            op.send(s2, Map.of("n", 3), null);
        });
        assertTrue(e3.getMessage().contains("no port"), e3.getMessage());
        // closed stream
        Ref[] ch2 = op.channel(null, false);
        op.close(ch2[0]);
        ReferenceException e4 = assertThrows(ReferenceException.class, () -> op.send(ch2[0], Map.of(), null));
        assertTrue(e4.getMessage().contains("closed"), e4.getMessage());
        // a fresh stream to a portless channel fails on its first send: locating finds no port
        Ref[] ch3 = op.channel("g", false);
        Ref s3 = op.spaceGet("g", T);
        op.close(ch3[1]);
        ((io.rdc.runtime.kernel.Stream) s3.target()).forgetDestination();
        OperationException e5 = assertThrows(OperationException.class, () -> op.send(s3, Map.of(), null));
        assertTrue(e5.getMessage().contains("no port is attached"), e5.getMessage());
    }

    @Test
    void bufferHandlesCopyToAndFromAnotherIncarnationsBuffer() {
        Operator op = operator();
        Ref[] report = op.channel("buf.report", false);
        String owner = """
                export function init(ctx) {
                  const b = ctx.buffer(16);
                  ctx.writeBuffer(b, 0, new Uint8Array([1, 2, 3, 4]));
                  ctx.state.b = b;
                  ctx.space.put('buf', b);
                }
                export function onMessage(ctx, p, m) {
                  return { head: { bytes: Array.from(ctx.readBuffer(ctx.state.b, 0, 8)) } };
                }""";
        String user = """
                export function init(ctx) {
                  const h = ctx.space.get('buf');
                  const before = Array.from(ctx.copyFrom(h, 0, 4));
                  ctx.copyTo(h, 4, new Uint8Array([9, 8, 7, 6]));
                  let err = null;
                  try { ctx.copyFrom(h, 10, 10); } catch (e) { err = e.message; }
                  ctx.send(ctx.ifaces.report, { head: { before, err } });
                }""";
        op.create(op.module("bufowner", owner), 202, null, List.of(Iface.portNew("in", "bufowner", null)));
        op.create(op.module("bufuser", user), 204, null, List.of(Iface.stream("report", "buf.report", null)));
        Map<?, ?> h = (Map<?, ?>) op.receive(report[1], T).head();
        assertEquals(List.of(1L, 2L, 3L, 4L), h.get("before"));
        assertTrue(String.valueOf(h.get("err")).contains("outside the buffer of 16 bytes"), h.toString());
        Operator.Received r = op.invoke(op.spaceGet("bufowner", T), Map.of(), null, T);
        assertEquals(List.of(1L, 2L, 3L, 4L, 9L, 8L, 7L, 6L), ((Map<?, ?>) r.head()).get("bytes"), "the owner sees what the other copied in");
    }

    @Test
    void messageAndStreamClosedEventsAndJsReceiveWithTimeoutAndSource() {
        Operator op = operator();
        Ref[] report = op.channel("ev.report", false);
        // An incarnation with no onMessage receives explicitly, selecting by source, with timeouts.
        String receiver = """
                export function init(ctx) { ctx.after(10, 'go'); }
                export function onEvent(ctx, ev) {
                  if (ev.type !== 'TIMER') return;
                  const none = ctx.receive(ctx.ifaces.in, { timeout: 50 });
                  ctx.send(ctx.ifaces.report, { head: { timedOut: none === null } });
                  const first = ctx.receive(ctx.ifaces.in, { timeout: 10000 });
                  const second = ctx.receive(ctx.ifaces.in, { from: first.from, timeout: 10000 });
                  ctx.send(ctx.ifaces.report, { head: { first: first.head.n, second: second.head.n, same: first.from === second.from } });
                }""";
        Ref r = op.create(op.module("rcv", receiver), 203, null, List.of(Iface.portNew("in", "rcv.in", null), Iface.stream("report", "ev.report", null)));
        op.setInterest(r, "MESSAGE");
        assertEquals(Map.of("timedOut", true), op.receive(report[1], T).head());
        Ref a = op.spaceGet("rcv.in", T);
        Ref b = op.portCreate(null); // unrelated; just to hold another reference
        Ref s2 = op.handleOf(a);
        assertNotNull(s2);
        op.send(a, Map.of("n", 1), null);
        assertEquals(io.rdc.runtime.kernel.Event.Type.MESSAGE, op.nextEvent(T).type(), "port-has-message is raised");
        op.send(a, Map.of("n", 2), null);
        assertEquals(Map.of("first", 1L, "second", 2L, "same", true), op.receive(report[1], T).head());
        op.close(b);
        // STREAM_CLOSED: the destination refuses, the stream fails and its owner hears of it.
        Ref mine = op.create(op.module("sender2", """
                export function init(ctx) { ctx.setInterest(ctx.self(), ['STREAM_CLOSED']); ctx.after(300, 'send'); }
                export function onEvent(ctx, ev) {
                  if (ev.type === 'TIMER') { ctx.send(ctx.ifaces.out, { head: {} }); ctx.after(300, 'again'); }
                  if (ev.type === 'STREAM_CLOSED') ctx.send(ctx.ifaces.report, { head: { closed: ev.detail } });
                }"""), 202, null, List.of(Iface.stream("out", "gone", null), Iface.stream("report", "ev.report", null)));
        Ref[] gone = op.channel("gone", false);
        op.close(gone[1]);
        Map<?, ?> closed = (Map<?, ?>) op.receive(report[1], T).head();
        assertTrue(String.valueOf(closed.get("closed")).contains("no port is attached"), closed.toString());
        assertNotNull(mine);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new RuntimeException(e);
        }
    }

    static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            throw new RuntimeException(e);
        }
        assertFalse(t.isAlive());
    }

    static void waitFor(java.util.function.BooleanSupplier c) {
        long end = System.currentTimeMillis() + 10_000;
        while (!c.getAsBoolean()) {
            if (System.currentTimeMillis() > end) fail("condition not reached within 10 s");
            sleep(10);
        }
    }
}
