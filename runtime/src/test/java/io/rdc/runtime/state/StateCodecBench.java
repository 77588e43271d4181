package io.rdc.runtime.state;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;

/**
 * Microbenchmark: StateCodec encode+decode (into a second context) vs the engine's own
 * JSON.stringify + JSON.parse of the same state. Run (after {@code mvn -pl runtime test-compile}):
 * see StateCodecBenchTest, or {@code java <rdc.jvm.flags> -cp ... io.rdc.runtime.state.StateCodecBench}.
 */
public final class StateCodecBench {
    public static void main(String[] args) {
        int iters = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Engine engine = Engine.newBuilder("js").option("engine.WarnInterpreterOnly", "false").build();
        try (Context a = ctx(engine); Context b = ctx(engine)) {
            StateCodec.install(a);
            StateCodec.install(b);
            Value json = a.eval("js", "(s) => JSON.parse(JSON.stringify(s))");
            Value jsonLen = a.eval("js", "(s) => JSON.stringify(s).length");
            for (int mb : new int[] {1, 4, 16}) {
                Value s = a.eval("js", "(n) => { const f = new Float64Array(n / 8); for (let i = 0; i < f.length; i++) f[i] = i * 1.0001; return {samples: f}; }")
                    .execute(mb << 20);
                run("binary Float64Array " + mb + " MB", s, b, json, mb << 20, iters, false);
            }
            for (int n : new int[] {10_000, 40_000}) {
                Value s = a.eval("js", "(n) => { const a = []; for (let i = 0; i < n; i++) a.push({id: i, name: 'user' + i, email: 'user' + i + '@example.com', "
                    + "score: i * 0.37, active: (i & 1) === 0, tags: ['a', 'b' + (i % 10)], pos: {x: i % 100, y: -i}}); return {records: a}; }").execute(n);
                int bytes = jsonLen.execute(s).asInt();
                run("objects " + n + " records", s, b, json, bytes, iters, true);
            }
        }
        engine.close();
    }

    static Context ctx(Engine e) {
        return Context.newBuilder("js").engine(e).allowHostAccess(StateCodec.HOST_ACCESS).allowIO(IOAccess.NONE)
            .allowCreateThread(false).allowNativeAccess(false).option("js.esm-eval-returns-exports", "true").build();
    }

    static void run(String name, Value state, Context target, Value json, int bytes, int iters, boolean object) {
        double bestEnc = 1e18, bestDec = 1e18, bestJson = 1e18, sumEnc = 0, sumDec = 0, sumJson = 0;
        int size = 0;
        int warm = iters / 2;
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            byte[] snap = StateCodec.encode(state, null);
            long t1 = System.nanoTime();
            Value back = StateCodec.decode(snap, 0, snap.length, target, null);
            long t2 = System.nanoTime();
            if (object) json.execute(state);
            long t3 = System.nanoTime();
            size = snap.length;
            if (back.isNull()) throw new AssertionError();
            if (i >= warm) {
                double e = (t1 - t0) / 1e6, d = (t2 - t1) / 1e6, j = (t3 - t2) / 1e6;
                bestEnc = Math.min(bestEnc, e); bestDec = Math.min(bestDec, d); bestJson = Math.min(bestJson, j);
                sumEnc += e; sumDec += d; sumJson += j;
            }
        }
        int n = iters - warm;
        double mb = bytes / (double) (1 << 20);
        if (!object) {
            System.out.printf("%-28s %6.2f MB snapshot %6.2f MB | best: enc %7.2f ms dec %7.2f ms total %7.2f ms = %5.2f ms/MB | avg: total %7.2f ms = %5.2f ms/MB%n",
                name, mb, size / (double) (1 << 20), bestEnc, bestDec, bestEnc + bestDec, (bestEnc + bestDec) / mb, (sumEnc + sumDec) / n, (sumEnc + sumDec) / n / mb);
            return;
        }
        System.out.printf("%-28s %6.2f MB%s snapshot %6.2f MB | best: enc %7.2f ms dec %7.2f ms total %7.2f ms = %5.2f ms/MB | JSON %7.2f ms"
            + " ratio %4.2f | avg: total %7.2f ms JSON %7.2f ms%n",
            name, mb, object ? " (JSON)" : "       ", size / (double) (1 << 20), bestEnc, bestDec, bestEnc + bestDec, (bestEnc + bestDec) / mb,
            bestJson, (bestEnc + bestDec) / bestJson, (sumEnc + sumDec) / n, sumJson / n);
    }
}
