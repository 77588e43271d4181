package io.rdc.bench;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.ModuleStore;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code rdc bench replace}: hot code replacement (issue 19, docs/replacement.md) against migration
 * of the same state, in the same run, on an embedded 4-node pool. One incarnation per (kind, size),
 * with {@link MigrateBench#MODULE}'s state ({@code binary}: typed arrays; {@code objects}: records);
 * its code is replaced back and forth between two versions of that module, then it is migrated back
 * and forth between nodes 202 and 203, each {@code reps} times after a warm-up, both timed as the
 * operator sees them (request to answer). Each replacement encodes the state, loads the module into
 * a new context and decodes the state there; a migration does the same plus the shipping, the
 * routes and the commit, so the ratio says what the routes and the wire add.
 */
public final class ReplaceBench {
    private ReplaceBench() {}

    static final Duration T = Duration.ofSeconds(60);
    static final int[] SIZES = {64 << 10, 1 << 20, 4 << 20};

    public static void run(PrintStream out, int reps) {
        run(out, reps, SIZES, List.of("binary", "objects"));
    }

    static void run(PrintStream out, int reps, int[] sizes, List<String> kinds) {
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withTermLength(MigrateBench.TERM_LENGTH).withPreTouch(true))) {
            Operator op = pool.newOperator("bench");
            ModuleStore.Module[] versions = {op.module("migrant", MigrateBench.MODULE),
                    op.module("migrant-v2", MigrateBench.MODULE + "\nexport const version = 2;\n")};
            for (String kind : kinds)
                for (int bytes : sizes) {
                    String label = "replace." + kind + "." + bytes + "." + System.nanoTime();
                    Ref inc = op.create(versions[0], 202, Map.of("kind", kind, "bytes", bytes), List.of(Iface.portNew("p0", label, null)));
                    Ref stream = op.spaceGet(label, T);
                    Object check = where(op, stream).get("check");
                    int warmup = Math.max(2, reps / 2);
                    double[] replace = new double[reps], migrate = new double[reps];
                    int v = 0, at = 202;
                    for (int i = -warmup; i < reps; i++) {
                        v ^= 1;
                        long t0 = System.nanoTime();
                        op.replace(inc, versions[v], T);
                        if (i >= 0) replace[i] = (System.nanoTime() - t0) / 1e6;
                        if (!check.equals(where(op, stream).get("check"))) throw new IllegalStateException("the state changed in a replacement");
                    }
                    for (int i = -warmup; i < reps; i++) {
                        at = at == 202 ? 203 : 202;
                        long t0 = System.nanoTime();
                        op.migrate(inc, at, T);
                        if (i >= 0) migrate[i] = (System.nanoTime() - t0) / 1e6;
                        if (!check.equals(where(op, stream).get("check"))) throw new IllegalStateException("the state changed in a migration");
                    }
                    double r = median(replace), m = median(migrate);
                    out.println(new JsonLine().str("bench", "replace").str("state_kind", kind).num("state_bytes", bytes).num("reps", reps)
                            .num("replace_ms", r).num("migrate_ms", m).num("ratio", r / m).toString());
                    out.flush();
                    op.destroy(inc);
                }
        }
    }

    private static Map<?, ?> where(Operator op, Ref stream) {
        return (Map<?, ?>) op.invoke(stream, Map.of("op", "where"), null, T).head();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
