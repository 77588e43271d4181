package io.rdc.bench;

import io.rdc.runtime.kernel.CreateProbe;
import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.ModuleStore;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * Creations per second through the control plane (issue 13's {@code create} figure): an operator
 * in a named RDC creates incarnations with a port on a new channel, as a script's {@code create}
 * does. Each creation takes an id from the node's block, deposits the channel's stream under its
 * label in the RDC's stream space (a control-plane round trip) and binds the script name (another),
 * and returns once the new incarnation is placed (its preamble and init run on its own).
 */
public final class CreateBench {
    private CreateBench() {}

    private static final String MODULE = "export function init(ctx) { ctx.state = { n: 0 }; }\n"
            + "export function onMessage(ctx, port, m) { ctx.state.n++; return { head: { n: ctx.state.n } }; }";

    public static void run(PrintStream out, int count, int warmup) {
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withControl(PoolConfig.EMBEDDED_CONTROL))) {
            Operator op = pool.newOperator("bench", "bench-create", false);
            ModuleStore.Module m = op.module("counter", MODULE);
            int nodes = pool.pool().nodes().size();
            for (int i = 0; i < warmup; i++) create(op, m, pool, i % nodes, "w" + i);
            long[] us = new long[count];
            long t0 = System.nanoTime();
            JitWatch jit = new JitWatch();
            long cpu0 = processCpuNanos(), jit0 = jit.compilerCpuNanos();
            for (int i = 0; i < count; i++) {
                long s = System.nanoTime();
                create(op, m, pool, i % nodes, "c" + i);
                us[i] = (System.nanoTime() - s) / 1000;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Arrays.sort(us);
            long cpuNs = processCpuNanos() - cpu0, jitNs = jit.compilerCpuNanos() - jit0;
            if (CreateProbe.ON) System.err.print(CreateProbe.report());
            out.println(new JsonLine().str("bench", "control").str("op", "create").num("members", 1L).num("count", (long) count)
                    .num("per_s", count / secs).num("p50_us", (double) us[count / 2]).num("p99_us", (double) us[(int) (count * 0.99)])
                    .num("cpu_ms_per_create", cpuNs / 1e6 / count).num("jit_cpu_ms_per_create", jitNs / 1e6 / count)
                    .str("what", "operator create with a port on a new channel (stream-space put) and a script-name binding, through a 1-member control plane"));
        }
    }

    /** CPU time of the whole process (every thread): per creation, a figure a busy shared machine disturbs less than wall time. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void create(Operator op, ModuleStore.Module m, EmbeddedPool pool, int nodeIndex, String name) {
        int node = pool.pool().nodes().get(nodeIndex).id();
        Ref r = op.create(m, node, null, List.of(Iface.portNew("in", name + ".in", null)), false, name);
        op.control().bindName(op.session().rdcId, "incarnation:" + name, "{\"gid\":\"" + op.incarnationId(r) + "\"}");
        CreateProbe.stamp(CreateProbe.BOUND);
    }
}
