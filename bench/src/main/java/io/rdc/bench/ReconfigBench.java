package io.rdc.bench;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code rdc bench reconfig}: table A.5 of the dissertation. One sender (a thread of its own) sends N
 * sequence-numbered messages to two receivers, which a manager (another thread) alternates R times,
 * concurrently, by one mechanism (port propagation in a message, attachment, rebinding); elapsed
 * is the sender's time from its first send until all are acknowledged. The same run without
 * reconfigurations is the baseline. Overhead per reconfiguration = (elapsed − baseline) / R, as
 * the dissertation computes it, from medians of three runs after a discarded warm-up. The
 * receivers' records are checked in every run; the worst seen is reported: lost, duplicated,
 * reordered.
 */
public final class ReconfigBench {
    private ReconfigBench() {}

    static final Duration T = Duration.ofSeconds(30);
    /** The sender's pace: 10,000 messages take half a second, so 100 reconfigurations fall inside the stream. */
    static final int RATE = 20_000;

    /** The receivers: record sequence numbers; pass the data port on when asked (propagation). The module is the library's. */
    public static final String RECORDER = "export { init, onMessage } from \"rdc/recorder.js\";";

    public static String run(String mechanism, int messages, int reconfigurations) {
        measure(mechanism, messages, reconfigurations); // warm-up (JIT, GraalJS), discarded
        long[] base = new long[3], runs = new long[3];
        long[] r = null;
        for (int i = 0; i < 3; i++) {
            base[i] = measure(mechanism, messages, 0)[0];
            long[] m = measure(mechanism, messages, reconfigurations);
            runs[i] = m[0];
            if (r == null || m[2] + m[3] + m[4] > r[2] + r[3] + r[4]) r = m; // report the worst integrity seen
        }
        java.util.Arrays.sort(base);
        java.util.Arrays.sort(runs);
        long baseline = base[1];
        r[0] = runs[1]; // medians of three
        double overhead = reconfigurations == 0 ? 0 : (r[0] - baseline) / 1e6 / reconfigurations;
        return String.format(Locale.ROOT,
                "{\"bench\":\"reconfig\",\"mechanism\":\"%s\",\"messages\":%d,\"reconfigurations\":%d,\"messages_forwarded\":%d,"
                        + "\"baseline_ms\":%.1f,\"elapsed_ms\":%.1f,\"overhead_ms_per_reconfig\":%.3f,\"lost\":%d,\"duplicated\":%d,\"reordered\":%d}",
                mechanism, messages, reconfigurations, r[1], baseline / 1e6, r[0] / 1e6, overhead, r[2], r[3], r[4]);
    }

    /** Returns {elapsed ns, forwarded (received by the receiver not first addressed), lost, duplicated, reordered}. */
    public static long[] measure(String mechanism, int messages, int reconfigurations) {
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withIdle("yielding"))) {
            Operator op = pool.newOperator("bench");
            var rec = op.module("recorder", RECORDER);
            String a = mechanism + ".A", b = mechanism + ".B";
            Ref data;
            Ref[] ctl = {null, null}, handles = {null, null}, channels = {null, null};
            Ref streamHandle = null;
            switch (mechanism) {
                case "propagation" -> {
                    op.create(rec, 202, null, List.of(Iface.portNew("data", "data", null), Iface.portNew("ctl", a, null), Iface.stream("peer", b, null)));
                    op.create(rec, 203, null, List.of(Iface.portNew("ctl", b, null), Iface.stream("peer", a, null)));
                    data = op.spaceGet("data", T);
                    ctl = new Ref[] {op.spaceGet(a, T), op.spaceGet(b, T)};
                }
                case "attachment" -> {
                    op.create(rec, 202, null, List.of(Iface.portNew("data", "data", "hA"), Iface.portNew("ctl", a, null)));
                    op.create(rec, 203, null, List.of(Iface.portNew("data", "other", "hB"), Iface.portNew("ctl", b, null)));
                    data = op.spaceGet("data", T);
                    handles = new Ref[] {op.spaceGet("hA", T), op.spaceGet("hB", T)};
                }
                case "rebinding" -> {
                    op.create(rec, 202, null, List.of(Iface.portNew("data", "dA", "hA"), Iface.portNew("ctl", a, null)));
                    op.create(rec, 203, null, List.of(Iface.portNew("data", "dB", "hB"), Iface.portNew("ctl", b, null)));
                    data = op.spaceGet("dA", T);
                    streamHandle = op.handleOf(data);
                    handles = new Ref[] {op.spaceGet("hA", T), op.spaceGet("hB", T)};
                    channels = new Ref[] {op.spaceGet("dA", T), op.spaceGet("dB", T)};
                }
                default -> throw new IllegalArgumentException("mechanism is propagation, attachment or rebinding, not " + mechanism);
            }
            // The sender runs on its own thread; the manager (this thread) reconfigures whenever the
            // sender has passed another `per` messages, concurrently with the stream (appendix A.3).
            int per = reconfigurations == 0 ? messages : messages / (reconfigurations + 1);
            java.util.concurrent.atomic.AtomicInteger progress = new java.util.concurrent.atomic.AtomicInteger();
            long[] senderNs = new long[1];
            Ref stream = data;
            Thread sender = Thread.ofPlatform().name("bench-sender").start(() -> {
                long s0 = System.nanoTime();
                for (int seq = 1; seq <= messages; seq++) {
                    // A paced stream (RATE msg/s), so that reconfigurations happen while it flows.
                    long due = s0 + (long) seq * 1_000_000_000L / RATE;
                    while (System.nanoTime() < due) Thread.onSpinWait();
                    op.send(stream, Map.of("seq", seq), null);
                    progress.lazySet(seq);
                }
                op.flush(stream);
                senderNs[0] = System.nanoTime() - s0;
            });
            for (int k = 0; k < reconfigurations; k++) {
                while (progress.get() < (k + 1) * per && sender.isAlive()) Thread.onSpinWait();
                switch (mechanism) {
                    case "propagation" -> op.invoke(ctl[k % 2], Map.of("op", "handover"), null, T);
                    case "attachment" -> op.attach(handles[(k + 1) % 2], handles[k % 2], data, true);
                    default -> op.rebind(streamHandle, channels[(k + 1) % 2], handles[k % 2]);
                }
            }
            try {
                sender.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            String ctlA = a, ctlB = b;
            List<Long> ga, gb;
            long end = System.currentTimeMillis() + 60_000;
            while (true) {
                ga = report(op, ctlA);
                gb = report(op, ctlB);
                if (ga.size() + gb.size() >= messages || System.currentTimeMillis() > end) break;
                Thread.onSpinWait();
            }
            long elapsed = senderNs[0];
            long forwarded = 0;
            for (var k2 : pool.kernels()) forwarded += k2.movedMessages() + k2.redirectedMessages();
            long[] t = tally(ga, gb, messages, elapsed);
            t[1] = forwarded;
            return t;
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Long> report(Operator op, String label) {
        Object body = op.invoke(op.spaceGet(label, T), Map.of("op", "report"), null, T).body();
        return body == null ? List.of() : new ArrayList<>((List<Long>) body);
    }

    private static long[] tally(List<Long> a, List<Long> b, int messages, long elapsed) {
        int[] seen = new int[messages + 1];
        long reordered = 0, duplicated = 0;
        for (List<Long> got : List.of(a, b)) {
            long last = 0;
            for (int i = 0; i < got.size(); i++) {
                long s = got.get(i);
                if (s < last) {
                    reordered++;
                    if (Boolean.getBoolean("rdc.bench.debug") && reordered < 4)
                        System.err.println("reordered at receiver " + (got == a ? "A" : "B") + ": " + got.subList(Math.max(0, i - 6), Math.min(got.size(), i + 4)));
                }
                last = s;
                if (s >= 1 && s <= messages && seen[(int) s]++ > 0) duplicated++;
            }
        }
        long lost = 0;
        for (int s = 1; s <= messages; s++) if (seen[s] == 0) lost++;
        return new long[] {elapsed, 0, lost, duplicated, reordered};
    }
}
