package io.rdc.bench;

import io.rdc.runtime.js.JsHost;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code rdc bench create} (issue 17): creation at scale, one JSON line per figure.
 *
 * <ul>
 * <li>{@code script}: a generated script of N creates (one port each, over the pool's 4 nodes), evaluated
 * on a fresh embedded pool ({@link ScriptCreates}, supplied by the shell, which has the interpreter).</li>
 * <li>{@code ctx_create_loop}: one incarnation's handler calling {@code ctx.create} N times in a loop.</li>
 * <li>{@code live}: incarnations made by that loop until the target is live (preamble and init run), then
 * each invoked once: the time to get there, and how many were reached and answered.</li>
 * <li>{@code idle_memory}: heap (after full collections) and RSS per idle incarnation, and platform threads
 * per incarnation, at 1,000 and at the live target.</li>
 * <li>{@code limit}: a plain loop making and closing GraalJS contexts on one thread, the floor of a creation.</li>
 * </ul>
 *
 * <p>For script and loop, two rates: {@code per_s} (creates answered: the script or loop is done) and
 * {@code ready_per_s} (until every one has run its preamble and init). Each is measured twice in the same
 * run, alternating: with creations answered once placed ({@link JsHost#answerBeforeLoad}) and {@code before_*}
 * with the creator waiting for every load (main's behaviour before issue 17); {@code ratio} = after ÷ before.
 */
public final class CreationBench {
    private CreationBench() {}

    /** Evaluates a generated script of {@code creates} creates on a fresh pool: seconds until evaluated, and until all started. */
    public interface ScriptCreates {
        double[] seconds(int creates) throws Exception;
    }

    /** What to measure: creates per script and per loop round, the live target (0: skip live and memory). */
    public record Sizes(int script, int loop, int live) {}

    static final String CHILD = "export function onMessage(ctx, port, m) { return { head: { ok: true } }; }";
    /** Makes {@code n} children in one handler; keeps their handles so that {@code clear} can destroy them. */
    static final String MAKER = """
            const kids = [];
            export function onMessage(ctx, port, m) {
              const h = m.head;
              if (h.op === 'make') {
                try {
                  for (let i = 0; i < h.n; i++)
                    kids.push(ctx.create('child', { at: h.at[i % h.at.length], interfaces: [{ port: 'in', on: h.prefix + (h.from + i) }] }));
                } catch (e) {
                  return { head: { made: kids.length, error: String(e.message) } };
                }
                return { head: { made: kids.length } };
              }
              if (h.op === 'clear') {
                for (const k of kids) ctx.destroy(k);
                kids.length = 0;
                return { head: { made: 0 } };
              }
            }""";
    private static final Duration LONG = Duration.ofMinutes(10);
    /** For each live incarnation's one invoke: its preamble and init have run, so only a stalled pool takes this long. */
    private static final Duration ANSWER = Duration.ofSeconds(60);
    /** Chunk of the live round made per handler run, so that each invoke stays well inside its timeout. */
    private static final int CHUNK = 1_000;
    private static final String QUOTA = "rdc.limit.incarnationsPerRdc";

    public static void run(PrintStream out, Sizes sizes, ScriptCreates script) throws Exception {
        boolean setting = JsHost.answerBeforeLoad;
        String quota = System.getProperty(QUOTA);
        try {
            if (sizes.script() > 0) scriptFigure(out, sizes.script(), script);
            int most = Math.max(sizes.loop(), sizes.live());
            // The default quota (2,000 incarnations of an RDC per node) is below 10,000 on 4 nodes: lifted for this run's
            // pool unless set (the kernels read it as they start; put back after, for whatever else this JVM runs).
            if (quota == null) System.setProperty(QUOTA, Integer.toString(most + 1));
            try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults())) {
                Operator op = pool.newOperator("bench-create");
                op.module("child", CHILD);
                op.module("maker", MAKER);
                List<Object> nodes = new ArrayList<>();
                for (var n : pool.pool().nodes()) nodes.add((long) n.id());
                op.create(op.module("maker"), 201, null, List.of(io.rdc.runtime.kernel.Iface.portNew("in", "maker.in", null)), false, "maker");
                Ref maker = op.spaceGet("maker.in", LONG);
                Round round = new Round(pool, op, maker, nodes, liveCount(pool));
                if (io.rdc.runtime.kernel.CreateProbe.ON) probe(round);
                if (sizes.loop() > 0) loopFigure(out, sizes.loop(), round);
                if (sizes.live() > 0) liveFigures(out, sizes.live(), round);
            }
            out.println(line("limit").num("contexts_per_s", ScaleBench.contextsPerSecond(100, 1_000))
                    .str("what", "new GraalJS context with an incarnation's options, one evaluation, close; one thread, after the rounds"));
            out.flush();
        } finally {
            JsHost.answerBeforeLoad = setting;
            if (quota == null) System.clearProperty(QUOTA);
        }
    }

    private static JsonLine line(String figure) {
        return new JsonLine().str("bench", "create").str("figure", figure)
                .num("load_avg", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Before (the creator waits for each load), after, before, after: each setting's better run, so that JIT warm-up favours neither. */
    private static void scriptFigure(PrintStream out, int n, ScriptCreates script) throws Exception {
        JsHost.answerBeforeLoad = true;
        script.seconds(Math.min(n, 200)); // the first pool of the JVM and the JIT's first minute: not measured
        double[] before = {Double.MAX_VALUE, Double.MAX_VALUE}, after = {Double.MAX_VALUE, Double.MAX_VALUE};
        for (int r = 0; r < 2; r++) {
            JsHost.answerBeforeLoad = false;
            better(before, script.seconds(n));
            JsHost.answerBeforeLoad = true;
            better(after, script.seconds(n));
        }
        out.println(rates(line("script").num("creates", (long) n), n, after, before)
                .str("what", "a generated script of creates (a port on a new channel each) over 4 nodes, each on a fresh embedded pool"));
        out.flush();
    }

    private static void better(double[] best, double[] s) {
        best[0] = Math.min(best[0], s[0]);
        best[1] = Math.min(best[1], s[1]);
    }

    private static JsonLine rates(JsonLine l, int n, double[] after, double[] before) {
        return l.num("per_s", n / after[0]).num("ready_per_s", n / after[1])
                .num("before_per_s", n / before[0]).num("before_ready_per_s", n / before[1])
                .num("ratio", before[0] / after[0]).num("ready_ratio", before[1] / after[1]);
    }

    /** The maker incarnation and the pool it makes children in; {@code live0}: incarnations before any round (the maker), which every round's clear returns to. */
    private record Round(EmbeddedPool pool, Operator op, Ref maker, List<Object> nodes, int live0) {
        /** Makes {@code n} children labelled {@code prefix + i}; returns [seconds until answered, seconds until all started, made]. */
        double[] make(String prefix, int from, int n, int startedBefore) {
            long t0 = System.nanoTime();
            Map<?, ?> h = (Map<?, ?>) op.invoke(maker, Map.of("op", "make", "n", n, "at", nodes, "prefix", prefix, "from", from), null, LONG).head();
            double made = (System.nanoTime() - t0) / 1e9;
            if (h.get("error") != null) throw new IllegalStateException("ctx.create failed after " + h.get("made") + ": " + h.get("error"));
            awaitStarted(pool, startedBefore + n, LONG);
            return new double[] {made, (System.nanoTime() - t0) / 1e9};
        }

        /** Destroys every child made so far, and waits until they are gone at their nodes. */
        void clear() {
            op.invoke(maker, Map.of("op", "clear"), null, LONG);
            awaitGone(pool, live0, LONG);
        }
    }

    /**
     * With {@code -Drdc.create.probe=true}: where a creation's time goes, on stderr, for 300 serial operator
     * creates waiting for each to start (the probe's stamps are global), the creator waiting for the load and not.
     */
    private static void probe(Round round) {
        var m = round.op().module("child");
        for (boolean early : new boolean[] {false, true, false, true}) {
            JsHost.answerBeforeLoad = early;
            int base = startedCount(round.pool());
            List<Ref> made = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                made.add(round.op().create(m, ((Long) round.nodes().get(i % round.nodes().size())).intValue(), null, List.of(), false, null));
                awaitStarted(round.pool(), base + i + 1, LONG);
            }
            System.err.print("answerBeforeLoad=" + early + "\n" + io.rdc.runtime.kernel.CreateProbe.report());
            for (Ref r : made) round.op().destroy(r);
            awaitGone(round.pool(), round.live0(), LONG);
        }
    }

    private static void loopFigure(PrintStream out, int n, Round round) {
        JsHost.answerBeforeLoad = true;
        int base = startedCount(round.pool());
        round.make("warm.", 0, Math.min(n, 200), base);
        round.clear();
        double[] before = {Double.MAX_VALUE, Double.MAX_VALUE}, after = {Double.MAX_VALUE, Double.MAX_VALUE};
        for (int r = 0; r < 2; r++) {
            for (boolean early : new boolean[] {false, true}) {
                JsHost.answerBeforeLoad = early;
                better(early ? after : before, round.make("loop" + r + early + ".", 0, n, base));
                round.clear();
            }
        }
        out.println(rates(line("ctx_create_loop").num("creates", (long) n), n, after, before)
                .str("what", "one handler calling ctx.create in a loop (a port on a new channel each) over 4 nodes"));
        out.flush();
    }

    /** The live round: made in chunks until {@code target} have started, memory read at 1,000 and at the target, then each invoked once. */
    private static void liveFigures(PrintStream out, int target, Round round) {
        JsHost.answerBeforeLoad = true;
        int base = startedCount(round.pool());
        List<Integer> memoryAt = new ArrayList<>(List.of(Math.min(1_000, target)));
        if (target > memoryAt.getFirst()) memoryAt.add(target);
        long heap0 = ScaleBench.usedHeapAfterGc(), rss0 = ScaleBench.rssBytes();
        int threads0 = ManagementFactory.getThreadMXBean().getThreadCount();
        long t0 = System.nanoTime();
        int reached = 0;
        String error = null;
        double createSeconds = 0;
        while (reached < target && error == null) {
            int stop = memoryAt.isEmpty() ? target : memoryAt.getFirst();
            int n = Math.min(CHUNK, stop - reached);
            try {
                long c0 = System.nanoTime();
                round.make("live.", reached, n, base + reached);
                createSeconds += (System.nanoTime() - c0) / 1e9;
                reached += n;
            } catch (RuntimeException e) {
                error = String.valueOf(e.getMessage());
                reached = startedCount(round.pool()) - base;
            }
            if (!memoryAt.isEmpty() && reached >= memoryAt.getFirst()) {
                double liveMs = (System.nanoTime() - t0) / 1e6;
                long heap = ScaleBench.usedHeapAfterGc(), rss = ScaleBench.rssBytes();
                int threads = ManagementFactory.getThreadMXBean().getThreadCount();
                out.println(line("idle_memory").num("incarnations", (long) reached)
                        .num("heap_bytes_per_incarnation", (double) (heap - heap0) / reached)
                        .num("rss_bytes_per_incarnation", (double) (rss - rss0) / reached)
                        .num("platform_threads_per_incarnation", (double) (threads - threads0) / reached)
                        .str("thread", threadKind(round.pool()))
                        .num("live_ms_so_far", liveMs)
                        .str("what", "after full collections, against the same pool before the round; idle: each waits for its first message"));
                out.flush();
                memoryAt.removeFirst();
            }
        }
        double liveMs = (System.nanoTime() - t0) / 1e6;
        int answered = 0;
        String notAnswered = null;
        for (int i = 0; i < reached; i++) {
            try {
                Ref s = round.op().spaceGet("live." + i, ANSWER);
                Map<?, ?> h = (Map<?, ?>) round.op().invoke(s, Map.of("op", "ping"), null, ANSWER).head();
                if (Boolean.TRUE.equals(h.get("ok"))) answered++;
                round.op().close(s);
            } catch (RuntimeException e) {
                notAnswered = "live." + i + " did not answer: " + e.getMessage();
                break; // the first that does not answer says enough; a dead pool would take a time-out per incarnation
            }
        }
        out.println(line("live").num("target", (long) target).num("reached", (long) reached).num("answered", (long) answered)
                .num("create_ms", createSeconds * 1e3).num("live_ms", liveMs)
                .num("creations_per_s", reached / (liveMs / 1e3))
                .str("quota_incarnations_per_rdc_per_node", System.getProperty(QUOTA))
                .str("error", error != null ? error : notAnswered)
                .str("what", "ctx.create in chunks of 1,000 over 4 nodes until the target have run preamble and init (live_ms); then each invoked once"));
        out.flush();
        round.clear();
    }

    /** Non-pseudo incarnations whose preamble and init have run, over the pool's kernels. */
    public static int startedCount(EmbeddedPool pool) {
        int n = 0;
        for (var node : pool.pool().nodes())
            for (Incarnation i : pool.kernel(node.id()).localIncarnations()) if (!i.pseudo && i.isStarted()) n++;
        return n;
    }

    private static int liveCount(EmbeddedPool pool) {
        int n = 0;
        for (var node : pool.pool().nodes()) for (Incarnation i : pool.kernel(node.id()).localIncarnations()) if (!i.pseudo) n++;
        return n;
    }

    public static void awaitStarted(EmbeddedPool pool, int n, Duration within) {
        long end = System.nanoTime() + within.toNanos();
        while (startedCount(pool) < n) {
            if (System.nanoTime() > end) throw new IllegalStateException(startedCount(pool) + " of " + n + " incarnations started within " + within);
            sleep(1);
        }
    }

    /** Until a cleared round's incarnations are gone (destroys are asynchronous at their nodes). */
    private static void awaitGone(EmbeddedPool pool, int n, Duration within) {
        long end = System.nanoTime() + within.toNanos();
        while (liveCount(pool) > n && System.nanoTime() < end) sleep(10);
    }

    private static String threadKind(EmbeddedPool pool) {
        for (var node : pool.pool().nodes())
            for (Incarnation i : pool.kernel(node.id()).localIncarnations()) {
                Thread t = i.thread();
                if (!i.pseudo && t != null) return t.isVirtual() ? "virtual" : "platform";
            }
        return "none";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
