package io.rdc.bench;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.ModuleStore;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code rdc bench migrate}: table A.4 of the dissertation (appendix A.2), migration time against the
 * size of the state and the number of ports. An embedded 4-node pool (IPC); one incarnation per
 * (kind, size, ports), all of a kind alive at once and migrated in rounds (each round moves each
 * once: see {@link #measureAll}), whose {@code init} builds {@code ctx.state} of the requested kind and size:
 *
 * <ul>
 *   <li>{@code binary}: typed arrays (Uint8Array, Float64Array, Int32Array) totalling N bytes, the
 *       analogue of Equus's address space: StateCodec copies them as raw bytes, never per element
 *       and never through JSON;
 *   <li>{@code objects}: a record of arrays of small records ({@code {id, name, price, qty, ok,
 *       tags: [..], pos: {x, y}}}) and of small arrays, whose {@code JSON.stringify} text is N bytes.
 * </ul>
 *
 * <p>and 1 or 9 ports (interfaces, each on a channel of its own). It is migrated back and forth between
 * nodes 202 and 203 (after each, untimed, it is asked where it is and must answer from there, which
 * also lets it finish arriving: see {@link #measure}). The figures are for a warmed-up runtime, as a node's
 * are after its first minute: a kind's points are first moved in discarded rounds, at least {@link #WARMUP},
 * then until GraalJS's compiler has caught up ({@link #warmUp}: a second in which its thread used under 5% of
 * a core; at most 60 s; the point lines say {@code warmup_rounds}, {@code warmup_s} and {@code jit_quiet}).
 * On two cores that takes 40–45 s for binary state: the codec's buffer copy reaches its optimised tier only
 * after the codec's larger functions (2–4 s compilations each on the one compiler thread), and until then a
 * 16 MB decode takes 20–60 ms instead of 8.5. Then the median of {@link #reps} is reported, per point, as {@code migration_ms} (the source kernel's elapsed time, from the request
 * to the switch, {@link Kernel.Migration#elapsedNanos()}) and {@code frozen_ms} (from the stop at a
 * handler boundary to the switch). {@code wall_ms} adds what the manager sees (its request and the
 * commit round trip). Before the measured points, incarnations of both kinds are migrated a few
 * hundred times in all to warm the JIT (discarded). The pool's Aeron terms are 32 MB.
 *
 * <p>Per kind a least-squares fit over all points: {@code migration_ms = a + b·MB + c·(ports − 1)}
 * with MB = 2<sup>20</sup> bytes of state (binary: the typed arrays' bytes; objects: the JSON text).
 * For {@code objects} the incarnation also measures, in the same run and in its own GraalJS context,
 * {@code JSON.stringify} + {@code JSON.parse} of the same state (after the warm-up; per point, so twice per size: three rounds after a
 * discarded one, each repeating the round trip for at least 40 ms since the context's only clock is
 * {@code Date.now()}; the median round's mean); the slope of that against MB is {@code json_ms_per_mb}, and {@code ratio = b / json_ms_per_mb}.
 * Equus (table A.4): 19 ms + 0.39 ms/KB + 1.2 ms/port.
 */
public final class MigrateBench {
    private MigrateBench() {}

    static final Duration T = Duration.ofSeconds(60);
    static final int WARMUP = 3;
    static final int MIB = 1 << 20;
    static final int[] BINARY = {64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20};
    static final int[] OBJECTS = {64 << 10, 256 << 10, 1 << 20, 4 << 20};
    static final int[] BINARY_QUICK = {64 << 10, 256 << 10};
    static final int[] OBJECTS_QUICK = {32 << 10, 128 << 10};
    static final int[] PORTS = {1, 9};
    /** The pool's Aeron term length (see {@link PoolConfig#withTermLength}). */
    static final int TERM_LENGTH = 32 << 20;

    /** The migrating module: builds the state in init; answers where it is and times JSON of its own state. */
    public static final String MODULE = """
            function record(i) {
              return { id: i, name: 'item-' + i, price: (i % 997) * 1.25, qty: i % 50, ok: (i & 1) === 0,
                       tags: ['t' + (i % 7), 'g' + (i % 3)], pos: { x: i % 640, y: (i * 7) % 480 } };
            }
            function objects(bytes) {
              // Records (3/4 of the text) and small arrays (1/4), sized from a sample's JSON length.
              const s = { kind: 'objects', records: [], series: [] };
              const recLen = JSON.stringify(record(123456)).length + 1;
              const nRec = Math.max(1, Math.floor(bytes * 0.75 / recLen));
              for (let i = 0; i < nRec; i++) s.records.push(record(i));
              const pairLen = JSON.stringify([123456, 1234.5]).length + 1;
              let len = JSON.stringify(s).length, i = 0;
              const batch = Math.max(1, Math.floor((bytes - len) / pairLen));
              for (let j = 0; j < batch; j++, i++) s.series.push([i, i * 0.5]);
              len = JSON.stringify(s).length;
              while (len < bytes) { s.series.push([i, i * 0.5]); len += String(i).length + String(i * 0.5).length + 4; i++; }
              return s;
            }
            function binary(bytes) {
              // Half bytes, a quarter doubles, a quarter ints (each a multiple of 8 bytes).
              const q = Math.floor(bytes / 32) * 8;
              const u8 = new Uint8Array(bytes - 2 * q), f64 = new Float64Array(q / 8), i32 = new Int32Array(q / 4);
              for (let i = 0; i < u8.length; i++) u8[i] = i * 31;
              for (let i = 0; i < f64.length; i++) f64[i] = i * 0.5;
              for (let i = 0; i < i32.length; i++) i32[i] = i ^ 0x5a5a;
              return { kind: 'binary', u8, f64, i32 };
            }
            function stateBytes(s) {
              return s.kind === 'binary' ? s.u8.byteLength + s.f64.byteLength + s.i32.byteLength : JSON.stringify(s).length;
            }
            export function init(ctx, args) {
              ctx.state = { moves: 0, data: args.kind === 'binary' ? binary(args.bytes) : objects(args.bytes) };
            }
            export function onMigrated(ctx, from, to) { ctx.state.moves++; }
            export function onMessage(ctx, port, m) {
              const h = m.head;
              const d = ctx.state.data;
              if (h.op === 'where') return { head: { where: ctx.where(), bytes: stateBytes(d), moves: ctx.state.moves,
                  check: d.kind === 'binary' ? d.f64[d.f64.length - 1] + d.u8[7] + d.i32[d.i32.length - 1] : d.records.length + d.series.length } };
              if (h.op === 'json') {
                // JSON.stringify + JSON.parse of the same state, in this context: the limit for object state.
                // Date.now() is all the clock there is here (ms): each round repeats until >= 40 ms; median of rounds.
                const rounds = [];
                let text = '';
                for (let r = 0; r < h.warmup + h.rounds; r++) {
                  let n = 0;
                  const t0 = Date.now();
                  let t1 = t0;
                  do {
                    text = JSON.stringify(d);
                    const back = JSON.parse(text);
                    if (back.records.length !== d.records.length) throw new Error('JSON round trip lost records');
                    n++;
                    t1 = Date.now();
                  } while (t1 - t0 < 40);
                  if (r >= h.warmup) rounds.push((t1 - t0) / n);
                }
                rounds.sort((a, b) => a - b);
                return { head: { ms: rounds[rounds.length >> 1], bytes: text.length } };
              }
            }""";

    /** One measured point. */
    public record Point(String kind, int bytes, int ports, double migrationMs, double frozenMs, double wallMs, double jsonMs, int node, Warmup warmup) {}

    /** One fit: migration_ms = a + b·MB + c·(ports − 1); for objects also the JSON slope and the ratio. */
    public record Fit(String kind, double a, double b, double c, double jsonMsPerMb) {
        public double ratio() {
            return jsonMsPerMb > 0 ? b / jsonMsPerMb : Double.NaN;
        }
    }

    /** Runs the whole table, printing one JSON line per point and then one per fit; returns the lines. */
    public static List<String> run(boolean quick, boolean breakdown, Consumer<String> out) {
        return run(quick, breakdown, "yielding", out);
    }

    /** As above, the pool's kernels idling with {@code idle} (backoff, yielding or busyspin). */
    public static List<String> run(boolean quick, boolean breakdown, String idle, Consumer<String> out) {
        int reps = quick ? 2 : 9;
        List<String> lines = new ArrayList<>();
        Consumer<String> emit = l -> {
            lines.add(l);
            out.accept(l);
        };
        // Terms of 32 MB: a 16 MB state then fits in the half term a sender may run ahead of its receiver,
        // so it is not shipped in steps of the driver's flow-control updates (with the default 8 MB terms
        // that waiting was 20-30 ms of a 16 MB migration), and logs touched when mapped (a log's first pass
        // otherwise pays page faults: 4 MB took 5-10 ms to ship instead of under 1; docs/performance.md).
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withIdle(idle).withTermLength(TERM_LENGTH).withPreTouch(true))) {
            Operator op = pool.newOperator("bench");
            ModuleStore.Module mod = op.module("migrant", MODULE);
            // JIT warm-up, discarded: the codec, the kernels' paths, the module at both nodes. The figures
            // are for a warmed-up runtime (as a JVM's are after its first minutes): the codec's JS runs in
            // every arriving context, and GraalJS compiles it only once it has run a few hundred times.
            if (!quick) {
                measure(op, mod, "binary", 64 << 10, 1, 150, 1);
                measure(op, mod, "binary", 1 << 20, 1, 10, 1);
                measure(op, mod, "objects", 64 << 10, 1, 60, 1);
                measure(op, mod, "objects", 256 << 10, 1, 10, 1);
            }
            for (String kind : List.of("binary", "objects")) {
                int[] sizes = kind.equals("binary") ? (quick ? BINARY_QUICK : BINARY) : (quick ? OBJECTS_QUICK : OBJECTS);
                List<Point> points = measureAll(op, mod, kind, sizes, PORTS, reps, quick ? 1 : WARMUP, !quick);
                for (Point p : points) emit.accept(line(p));
                emit.accept(line(fit(kind, points)));
                if (breakdown)
                    for (int size : quick ? new int[] {sizes[0]} : new int[] {1 << 20, sizes[sizes.length - 1]})
                        emit.accept(breakdown(kind, size, quick ? 1 : 5));
            }
        }
        return lines;
    }

    static String line(Point p) {
        JsonLine j = new JsonLine().str("bench", "migrate").str("state_kind", p.kind()).num("state_bytes", (long) p.bytes())
                .num("ports", (long) p.ports()).num("migration_ms", p.migrationMs()).num("frozen_ms", p.frozenMs())
                .num("wall_ms", p.wallMs()).num("node", (long) p.node()).num("ipc_term_mb", (long) (TERM_LENGTH >> 20));
        if (p.kind().equals("objects")) j.num("json_ms", p.jsonMs());
        j.num("warmup_rounds", (long) p.warmup().rounds()).num("warmup_s", p.warmup().seconds()).bool("jit_quiet", p.warmup().jitQuiet());
        return j.toString();
    }

    static String line(Fit f) {
        JsonLine j = new JsonLine().str("bench", "migrate").str("fit", f.kind()).num("a_ms", f.a()).num("b_ms_per_mb", f.b())
                .num("c_ms_per_port", f.c());
        if (f.kind().equals("objects")) j.num("json_ms_per_mb", f.jsonMsPerMb()).num("ratio", f.ratio());
        return j.toString();
    }

    /** One (kind, size, ports) point: its incarnation, what it answered before, its timings so far. */
    private static final class Subject {
        final String kind;
        final int ports;
        final Ref inc, stream;
        final Map<?, ?> before;
        final int bytes;
        double jsonMs = Double.NaN;
        final double[] mig, frozen, wall;
        int moves, at = 202;

        Subject(Operator op, ModuleStore.Module mod, String kind, int bytes, int ports, int reps) {
            this.kind = kind;
            this.ports = ports;
            List<Iface> ifaces = new ArrayList<>();
            String tag = kind + "." + bytes + "." + ports + "." + System.nanoTime();
            for (int i = 0; i < ports; i++) ifaces.add(Iface.portNew("p" + i, "mig." + tag + ".p" + i, null));
            inc = op.create(mod, 202, Map.of("kind", kind, "bytes", bytes), ifaces);
            stream = op.spaceGet("mig." + tag + ".p0", T);
            before = where(op, stream);
            this.bytes = ((Number) before.get("bytes")).intValue();
            mig = new double[reps];
            frozen = new double[reps];
            wall = new double[reps];
        }

        /**
         * For objects, the JSON baseline: measured after the warm-up, like the migrations, since while
         * the JIT is busy its compiler thread takes one of the two cores from it too.
         */
        void measureJson(Operator op) {
            if (!kind.equals("objects")) return;
            Map<?, ?> j = (Map<?, ?>) op.invoke(stream, Map.of("op", "json", "warmup", 1, "rounds", 3), null, T).head();
            jsonMs = ((Number) j.get("ms")).doubleValue();
        }

        /** One migration to the other node; recorded as measurement {@code round} unless negative (a warm-up). */
        void move(Operator op, int round) {
            at = at == 202 ? 203 : 202;
            long t0 = System.nanoTime();
            Kernel.Migration m = op.migrate(inc, at, T);
            long w = System.nanoTime() - t0;
            moves++;
            // Untimed: it answers from where it went, once it has finished arriving (onMigrated and the
            // kernel's state-size measurement run on its thread after the switch), so that one
            // migration's aftermath is not counted in the next one's wait for a handler boundary.
            Object from = where(op, stream).get("where");
            if (((Number) from).intValue() != at) throw new IllegalStateException("migrated to " + at + " but answers from " + from);
            if (round >= 0) {
                mig[round] = m.elapsedNanos() / 1e6;
                frozen[round] = m.frozenNanos() / 1e6;
                wall[round] = w / 1e6;
            }
        }

        /** It really moved, with its state: it answers from its last node, and that node has it. */
        Point check(Operator op, Warmup warm) {
            Map<?, ?> after = where(op, stream);
            int node = op.status(inc).node();
            if (((Number) after.get("where")).intValue() != at || node != at)
                throw new IllegalStateException("after migrating to " + at + " it answers from " + after.get("where") + ", status says " + node);
            if (!after.get("check").equals(before.get("check")) || ((Number) after.get("bytes")).intValue() != bytes)
                throw new IllegalStateException("state changed in migration: " + before + " -> " + after);
            if (((Number) after.get("moves")).intValue() != moves)
                throw new IllegalStateException("onMigrated ran " + after.get("moves") + " times, not " + moves);
            return new Point(kind, bytes, ports, median(mig), median(frozen), median(wall), jsonMs, node, warm);
        }
    }

    /**
     * How a kind's points were warmed up: rounds discarded, their seconds, and whether the JIT had caught
     * up (its compiler's CPU below {@link #JIT_QUIET} of a window's wall time) or the cap ended the warm-up.
     */
    public record Warmup(int rounds, double seconds, boolean jitQuiet) {}

    /** The JIT has caught up when its compiler used less than this share of one core over a window. */
    static final double JIT_QUIET = 0.05;
    static final long JIT_WINDOW_NANOS = 1_000_000_000L, WARMUP_CAP_NANOS = 60_000_000_000L;

    /**
     * Moves every subject once per round, discarding the figures: at least {@code minRounds}, then, if
     * {@code untilJitQuiet}, until a window of at least {@link #JIT_WINDOW_NANOS} in which the compiler was
     * quiet (at most {@link #WARMUP_CAP_NANOS}).
     */
    static Warmup warmUp(Operator op, List<Subject> subjects, int minRounds, boolean untilJitQuiet) {
        JitWatch jit = new JitWatch();
        long start = System.nanoTime(), window = start, cpu = jit.compilerCpuNanos();
        int rounds = 0;
        while (true) {
            for (Subject s : subjects) s.move(op, -1);
            rounds++;
            if (rounds < minRounds) continue;
            if (!untilJitQuiet) return new Warmup(rounds, (System.nanoTime() - start) / 1e9, false);
            long now = System.nanoTime();
            if (now - window < JIT_WINDOW_NANOS) continue;
            long busy = jit.compilerCpuNanos() - cpu;
            if (Boolean.getBoolean("rdc.bench.trace")) System.err.printf("warm-up: round %d, compiler %.0f%% of %.2f s%n", rounds, 100.0 * busy / (now - window), (now - window) / 1e9);
            if (busy < JIT_QUIET * (now - window)) return new Warmup(rounds, (now - start) / 1e9, true);
            if (now - start > WARMUP_CAP_NANOS) return new Warmup(rounds, (now - start) / 1e9, false);
            window = now;
            cpu = jit.compilerCpuNanos();
        }
    }

    /** Creates the incarnation at node 202, migrates it back and forth to 203, returns the medians. */
    public static Point measure(Operator op, ModuleStore.Module mod, String kind, int bytes, int ports, int reps, int warmup) {
        return measureAll(op, mod, kind, new int[] {bytes}, new int[] {ports}, reps, warmup, false).get(0);
    }

    /**
     * All the points of a kind at once: one incarnation each, migrated in rounds, each round moving
     * every one of them once. A slow spell of the machine (JIT compilation, GC, a neighbour) then
     * falls on all the points alike instead of on the few measured during it, which would bend the fit.
     */
    public static List<Point> measureAll(Operator op, ModuleStore.Module mod, String kind, int[] sizes, int[] ports, int reps, int warmup, boolean untilJitQuiet) {
        List<Subject> subjects = new ArrayList<>();
        try {
            for (int size : sizes)
                for (int p : ports) subjects.add(new Subject(op, mod, kind, size, p, reps));
            Warmup warm = warmUp(op, subjects, warmup, untilJitQuiet);
            for (Subject s : subjects) s.measureJson(op);
            for (int round = 0; round < reps; round++)
                for (Subject s : subjects) s.move(op, round);
            List<Point> points = new ArrayList<>();
            for (Subject s : subjects) points.add(s.check(op, warm));
            return points;
        } finally {
            for (Subject s : subjects) op.destroy(s.inc);
        }
    }

    /**
     * Where a migration's time goes, measured outside the kernel on the same state (this JVM, the shared
     * engine, after {@code reps} warm-ups): encoding {@code ctx.state} (StateCodec, in the incarnation's
     * context), a new context with the module evaluated and the codec installed (what the destination does
     * before decoding), decoding into it, and the byte copies the kernel makes of the snapshot on its way
     * (record, chunks, reassembly, record parse: 5 copies of the snapshot, timed here as {@code System.arraycopy}).
     * Medians of {@code reps}. The rest of a migration is messaging and scheduling.
     */
    public static String breakdown(String kind, int bytes, int reps) {
        org.graalvm.polyglot.Source module = org.graalvm.polyglot.Source.newBuilder("js", MODULE, "migrant-bd.mjs")
                .mimeType("application/javascript+module").buildLiteral();
        double[] enc = new double[reps], ctxNew = new double[reps], dec = new double[reps], copy = new double[reps];
        int snapshot = 0;
        try (org.graalvm.polyglot.Context src = newContext()) {
            org.graalvm.polyglot.Value exports = src.eval(module);
            org.graalvm.polyglot.Value ctx = src.eval("js", "({})");
            exports.getMember("init").execute(ctx, src.eval("js", "JSON.parse").execute("{\"kind\":\"" + kind + "\",\"bytes\":" + bytes + "}"));
            org.graalvm.polyglot.Value state = ctx.getMember("state");
            io.rdc.runtime.state.StateCodec.install(src);
            for (int i = 0; i < 2 * reps; i++) { // the first half warms up
                long t0 = System.nanoTime();
                byte[] snap = io.rdc.runtime.state.StateCodec.encode(state, null);
                long t1 = System.nanoTime();
                org.graalvm.polyglot.Context dst = newContext();
                dst.eval(module);
                io.rdc.runtime.state.StateCodec.install(dst);
                long t2 = System.nanoTime();
                io.rdc.runtime.state.StateCodec.decode(snap, 0, snap.length, dst, null);
                long t3 = System.nanoTime();
                byte[] c = snap;
                for (int k = 0; k < 5; k++) c = Arrays.copyOf(c, c.length);
                long t4 = System.nanoTime();
                dst.close();
                snapshot = c.length;
                if (i >= reps) {
                    enc[i - reps] = (t1 - t0) / 1e6;
                    ctxNew[i - reps] = (t2 - t1) / 1e6;
                    dec[i - reps] = (t3 - t2) / 1e6;
                    copy[i - reps] = (t4 - t3) / 1e6;
                }
            }
        }
        return new JsonLine().str("bench", "migrate").str("breakdown", kind).num("state_bytes", (long) bytes).num("snapshot_bytes", (long) snapshot)
                .num("encode_ms", median(enc)).num("context_ms", median(ctxNew)).num("decode_ms", median(dec)).num("copies_ms", median(copy))
                .toString();
    }

    /** A context as the JS host makes them for incarnations (same engine, same restrictions). */
    private static org.graalvm.polyglot.Context newContext() {
        return org.graalvm.polyglot.Context.newBuilder("js").engine(io.rdc.runtime.js.JsHost.engine())
                .allowHostAccess(io.rdc.runtime.state.StateCodec.HOST_ACCESS).allowIO(org.graalvm.polyglot.io.IOAccess.NONE)
                .allowPolyglotAccess(org.graalvm.polyglot.PolyglotAccess.NONE)
                .option("js.esm-eval-returns-exports", "true").build();
    }

    private static Map<?, ?> where(Operator op, Ref s) {
        return (Map<?, ?>) op.invoke(s, Map.of("op", "where"), null, T).head();
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    }

    /** Least squares over the points: migration_ms = a + b·MB + c·(ports − 1); JSON: json_ms = j0 + j·MB. */
    public static Fit fit(String kind, List<Point> points) {
        int n = points.size();
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            Point p = points.get(i);
            x[i] = new double[] {1, (double) p.bytes() / MIB, p.ports() - 1};
            y[i] = p.migrationMs();
        }
        double[] abc = leastSquares(x, y);
        double json = 0;
        if (kind.equals("objects")) {
            List<double[]> jx = new ArrayList<>();
            List<Double> jy = new ArrayList<>();
            for (Point p : points)
                if (Double.isFinite(p.jsonMs())) { // measured once per point: twice per size
                    jx.add(new double[] {1, (double) p.bytes() / MIB});
                    jy.add(p.jsonMs());
                }
            double[] jyy = jy.stream().mapToDouble(Double::doubleValue).toArray();
            json = jx.size() >= 2 ? leastSquares(jx.toArray(new double[0][]), jyy)[1] : Double.NaN;
        }
        return new Fit(kind, abc[0], abc[1], abc[2], json);
    }

    /** Solves the normal equations XᵀX β = Xᵀy (Gaussian elimination with partial pivoting). */
    static double[] leastSquares(double[][] x, double[] y) {
        int k = x[0].length;
        double[][] m = new double[k][k + 1];
        for (int r = 0; r < x.length; r++)
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) m[i][j] += x[r][i] * x[r][j];
                m[i][k] += x[r][i] * y[r];
            }
        for (int col = 0; col < k; col++) {
            int piv = col;
            for (int r = col + 1; r < k; r++) if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) piv = r;
            double[] t = m[col];
            m[col] = m[piv];
            m[piv] = t;
            if (Math.abs(m[col][col]) < 1e-12) return nan(k);
            for (int r = 0; r < k; r++) {
                if (r == col) continue;
                double f = m[r][col] / m[col][col];
                for (int c = col; c <= k; c++) m[r][c] -= f * m[col][c];
            }
        }
        double[] beta = new double[k];
        for (int i = 0; i < k; i++) beta[i] = m[i][k] / m[i][i];
        return beta;
    }

    private static double[] nan(int k) {
        double[] r = new double[k];
        Arrays.fill(r, Double.NaN);
        return r;
    }
}
