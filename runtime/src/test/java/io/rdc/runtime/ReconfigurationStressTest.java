package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Randomized stress, reproducible from the printed seed: three JS senders on three nodes, each
 * sending sequence-numbered messages with every reliable primitive (send, asinvoke, invoke) on two
 * streams, while a manager applies a random interleaving of the three mechanisms: rebinding a
 * sender's stream between two channels, attaching those channels' ports to each other's port, and
 * propagating a third channel's port back and forth in messages. Every message must arrive
 * exactly once, and each receiver must see each sender's messages in order.
 */
class ReconfigurationStressTest extends PoolFixture {
    static final long SEED = Long.getLong("rdc.stress.seed", System.nanoTime());
    static final int PER_STREAM = 1500, SENDERS = 3, OPERATIONS = 60;

    static final String SENDER = """
            // Sends count messages on each of its streams s and t, in chunks between handler runs,
            // cycling through send, asinvoke and invoke.
            export function init(ctx, args) { ctx.state = { id: args.id, count: args.count, n: 0 }; ctx.after(0, 'go'); }
            export function onEvent(ctx, ev) {
              const st = ctx.state;
              for (let k = 0; k < 25 && st.n < st.count; k++) {
                st.n++;
                for (const [name, stream] of [['s', ctx.ifaces.s], ['t', ctx.ifaces.t]]) {
                  const m = { head: { from: st.id + name, seq: st.n } };
                  const kind = st.n % 3;
                  if (kind === 0) ctx.send(stream, m); else if (kind === 1) ctx.asinvoke(stream, m); else ctx.invoke(stream, m);
                }
              }
              if (st.n < st.count) ctx.after(1, 'go');
            }""";

    static final String RECEIVER = """
            export function init(ctx, args) { ctx.state = { got: {}, port: ctx.ifaces.data ?? null, pending: null }; }
            function pass(ctx) { const p = ctx.state.port; ctx.state.port = null; ctx.send(ctx.ifaces.peer, { head: { op: 'take' }, ref: p }); }
            export function onMessage(ctx, port, m) {
              const h = m.head;
              if (h.seq !== undefined) { (ctx.state.got[h.from] ??= []).push(h.seq); return; }
              if (h.op === 'handover') { if (!ctx.state.port) { ctx.state.pending = ctx.defer(m); return; } pass(ctx); return; }
              if (h.op === 'take') { ctx.state.port = m.ref; if (ctx.state.pending) { const r = ctx.state.pending; ctx.state.pending = null; pass(ctx); ctx.reply(r, {}); } return; }
              if (h.op === 'report') return { head: { ok: true }, body: ctx.state.got };
            }""";

    @Test
    void randomInterleavingsOfAllThreeMechanismsLoseAndDuplicateNothing() {
        stress(false);
    }

    /**
     * The same, and every stream in order at every receiver, including those both rebound between
     * the channels and moved by attaching the channels' ports to each other in quick succession.
     * This used to fail about one run in five: a frame that reached a port by a rerouting was
     * delivered there although the stream had been rebound away from it, while the next frame sent
     * there directly followed the stream redirection. Stream redirections now apply to the frames
     * of earlier binding epochs only, whatever way they came (docs/reconfiguration.md).
     */
    @Test
    void randomInterleavingsKeepEveryStreamInOrder() {
        stress(true);
    }

    void stress(boolean orderOfRebound) {
        System.out.println("reconfiguration stress seed " + SEED + " (rerun with -Drdc.stress.seed=" + SEED + ")");
        Random random = new Random(SEED);
        Operator op = operator();
        var rec = op.module("stress_receiver", RECEIVER);
        // A and B own the ports of channels "sa" and "sb" (attachment and rebinding move traffic between them);
        // C and D pass the port of channel "sc" to each other (propagation).
        op.create(rec, 202, null, List.of(Iface.portNew("data", "sa", "sa.A"), Iface.portNew("ctl", "ctl.A", null)));
        op.create(rec, 203, null, List.of(Iface.portNew("data", "sb", "sb.B"), Iface.portNew("ctl", "ctl.B", null)));
        op.create(rec, 204, null, List.of(Iface.portNew("data", "sc", null), Iface.portNew("ctl", "ctl.C", null), Iface.stream("peer", "ctl.D", null)));
        op.create(rec, 201, null, List.of(Iface.portNew("ctl", "ctl.D", null), Iface.stream("peer", "ctl.C", null)));
        Ref[] portHandle = {op.spaceGet("sa.A", T), op.spaceGet("sb.B", T)};
        Ref[] channel = {op.spaceGet("sa", T), op.spaceGet("sb", T)};
        Ref[] propCtl = {op.spaceGet("ctl.C", T), op.spaceGet("ctl.D", T)};
        var sender = op.module("stress_sender", SENDER);
        int[] streamChannel = new int[SENDERS]; // 0: "sa", 1: "sb", for each sender's stream s
        for (int i = 0; i < SENDERS; i++) {
            op.create(sender, 201 + i + (i > 0 ? 1 : 0), Map.of("id", "s" + i, "count", PER_STREAM),
                    List.of(Iface.stream("s", "sa", "s" + i + ".h"), Iface.stream("t", "sc", null)));
        }
        Ref[] streamHandle = new Ref[SENDERS];
        for (int i = 0; i < SENDERS; i++) streamHandle[i] = op.spaceGet("s" + i + ".h", T);
        int[] channelOwner = {0, 1}; // which port (A=0, B=1) each of "sa", "sb" is attached to
        int propHolder = 0;
        Map<String, Integer> counts = new HashMap<>();
        for (int k = 0; k < OPERATIONS; k++) {
            CommunicationsTest.sleep(random.nextInt(15));
            switch (random.nextInt(3)) {
                case 0 -> { // rebind a sender's stream to the other channel, moving its messages from the current port
                    int i = random.nextInt(SENDERS), from = streamChannel[i], to = 1 - from;
                    op.rebind(streamHandle[i], channel[to], portHandle[channelOwner[from]]);
                    streamChannel[i] = to;
                    counts.merge("rebind", 1, Integer::sum);
                }
                case 1 -> { // attach one channel to the other channel's port, moving its queue
                    int c = random.nextInt(2), owner = channelOwner[c], other = 1 - owner;
                    op.attach(portHandle[other], portHandle[owner], channel[c], true);
                    channelOwner[c] = other;
                    counts.merge("attach", 1, Integer::sum);
                }
                default -> { // propagate "sc"'s port to the other receiver in a message
                    op.invoke(propCtl[propHolder], Map.of("op", "handover"), null, T);
                    propHolder = 1 - propHolder;
                    counts.merge("propagate", 1, Integer::sum);
                }
            }
        }
        System.out.println("reconfigurations: " + counts);
        // Wait for everything, then check every sender's every stream.
        Map<String, List<List<Long>>> byStream = new HashMap<>();
        long end = System.currentTimeMillis() + 90_000;
        while (true) {
            byStream.clear();
            int total = 0;
            for (String ctl : List.of("ctl.A", "ctl.B", "ctl.C", "ctl.D")) {
                Map<?, ?> got = (Map<?, ?>) op.invoke(op.spaceGet(ctl, T), Map.of("op", "report"), null, T).body();
                if (got == null) continue;
                for (Map.Entry<?, ?> e : got.entrySet()) {
                    @SuppressWarnings("unchecked") List<Long> l = new ArrayList<>((List<Long>) e.getValue());
                    byStream.computeIfAbsent((String) e.getKey(), x -> new ArrayList<>()).add(l);
                    total += l.size();
                }
            }
            if (total >= 2 * SENDERS * PER_STREAM) break;
            assertTrue(System.currentTimeMillis() < end, "seed " + SEED + ": only " + total + " of " + (2 * SENDERS * PER_STREAM) + " messages arrived");
            CommunicationsTest.sleep(50);
        }
        assertEquals(2 * SENDERS, byStream.size(), "every sender's two streams reported");
        for (Map.Entry<String, List<List<Long>>> e : byStream.entrySet()) {
            boolean[] seen = new boolean[PER_STREAM + 1];
            for (List<Long> atOneReceiver : e.getValue()) {
                long last = 0;
                boolean mustBeOrdered = e.getKey().endsWith("t") || orderOfRebound;
                for (long s : atOneReceiver) {
                    if (mustBeOrdered) assertTrue(s > last, "seed " + SEED + ": " + e.getKey() + " reordered or duplicated at a receiver: " + s + " after " + last);
                    last = s;
                    assertFalse(seen[(int) s], "seed " + SEED + ": " + e.getKey() + " message " + s + " received twice");
                    seen[(int) s] = true;
                }
            }
            for (int s = 1; s <= PER_STREAM; s++) assertTrue(seen[s], "seed " + SEED + ": " + e.getKey() + " message " + s + " lost");
        }
    }
}
