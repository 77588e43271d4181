package io.rdc.bench;

import io.rdc.runtime.js.JsHost;
import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.ModuleStore;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code rdc bench scale} (issue 17): N incarnations created through the operator API across the
 * embedded pool's nodes, each then invoked once, then all destroyed. Beside them, the limit: a plain
 * loop creating (and closing) GraalJS contexts on the same shared engine in the same JVM, since one
 * context per incarnation is the floor of a creation's cost. CPU per creation is given whole and for
 * Truffle's compiler alone: on two cores a young JVM spends much of its CPU compiling.
 */
public final class ScaleBench {
    private ScaleBench() {}

    private static final String MODULE = "export function onMessage(ctx, port, m) { return { head: { ok: true } }; }";
    private static final Duration INVOKE_TIMEOUT = Duration.ofSeconds(60);

    public static void run(PrintStream out, List<Integer> sizes) {
        // The default quota (2,000 incarnations of an RDC per node) is below 10,000 on 4 nodes: lift it for this run unless set.
        int most = sizes.stream().mapToInt(Integer::intValue).max().orElse(0);
        if (System.getProperty("rdc.limit.incarnationsPerRdc") == null) System.setProperty("rdc.limit.incarnationsPerRdc", Integer.toString(most + 1));
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults())) {
            Operator op = pool.newOperator("bench-scale");
            ModuleStore.Module m = op.module("answer", MODULE);
            List<Integer> nodes = new ArrayList<>();
            for (var n : pool.pool().nodes()) nodes.add(n.id());
            round(op, m, nodes, 200, "warm"); // code paths and the JIT, not measured
            for (int n : sizes) {
                Line l = round(op, m, nodes, n, "s" + n);
                // After the round, so that the limit is measured as warm (or as cold) as the creations were.
                double limit = contextsPerSecond(100, Math.min(n, 1_000));
                out.println(new JsonLine().str("bench", "scale").num("incarnations", (long) n).num("nodes", (long) nodes.size())
                        .num("creations_per_s", l.creationsPerS).num("destroys_per_s", l.destroysPerS)
                        .num("heap_bytes_per_incarnation", l.heapPerInc).num("rss_bytes_per_incarnation", l.rssPerInc)
                        .num("invoke_p50_us", l.invokeP50Us).num("limit_contexts_per_s", limit)
                        .num("cpu_ms_per_create", l.cpuMsPerCreate).num("jit_cpu_ms_per_create", l.jitMsPerCreate)
                        .str("what", "operator creates with a port on a new channel, one invoke each, destroys; limit: new GraalJS context + close, one thread"));
                out.flush();
            }
        }
    }

    private record Line(double creationsPerS, double destroysPerS, double heapPerInc, double rssPerInc, double invokeP50Us, double cpuMsPerCreate, double jitMsPerCreate) {}

    private static Line round(Operator op, ModuleStore.Module m, List<Integer> nodes, int n, String prefix) {
        long heap0 = usedHeapAfterGc(), rss0 = rssBytes();
        Ref[] incs = new Ref[n];
        JitWatch jit = new JitWatch();
        long cpu0 = CreateBench.processCpuNanos(), jit0 = jit.compilerCpuNanos(), t0 = System.nanoTime();
        for (int i = 0; i < n; i++)
            incs[i] = op.create(m, nodes.get(i % nodes.size()), null, List.of(Iface.portNew("in", prefix + "." + i, null)), false, prefix + "-" + i);
        long createNs = System.nanoTime() - t0, cpuNs = CreateBench.processCpuNanos() - cpu0, jitNs = jit.compilerCpuNanos() - jit0;
        long[] us = new long[n];
        for (int i = 0; i < n; i++) {
            Ref s = op.spaceGet(prefix + "." + i, INVOKE_TIMEOUT); // blocks until its preamble deposited it
            long a = System.nanoTime();
            op.invoke(s, "ping", null, INVOKE_TIMEOUT);
            us[i] = (System.nanoTime() - a) / 1000;
            op.close(s);
        }
        long heap1 = usedHeapAfterGc(), rss1 = rssBytes();
        long d0 = System.nanoTime();
        for (Ref r : incs) op.destroy(r);
        long destroyNs = System.nanoTime() - d0;
        for (int i = 0; i < n; i++) op.spaceDelete(prefix + "." + i);
        Arrays.sort(us);
        return new Line(n / (createNs / 1e9), n / (destroyNs / 1e9), (double) (heap1 - heap0) / n, (double) (rss1 - rss0) / n,
                us[n / 2], cpuNs / 1e6 / n, jitNs / 1e6 / n);
    }

    /** Contexts a second that one thread creates, initialises (one trivial evaluation: the realm is made lazily) and closes. */
    public static double contextsPerSecond(int warmup, int count) {
        for (int i = 0; i < warmup; i++) JsHost.plainContextCycle();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) JsHost.plainContextCycle();
        return count / ((System.nanoTime() - t0) / 1e9);
    }

    static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Resident set size from /proc (Linux); 0 elsewhere. */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } catch (IOException | RuntimeException e) {
            // not Linux: no figure
        }
        return 0;
    }
}
