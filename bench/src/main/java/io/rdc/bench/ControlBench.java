package io.rdc.bench;

import io.rdc.runtime.control.ControlClient;
import io.rdc.runtime.control.ControlClientConfig;
import io.rdc.runtime.control.ControlIdle;
import io.rdc.runtime.control.ControlService;
import io.rdc.runtime.control.ControlThreads;
import io.rdc.runtime.control.ControlPlaneMember;
import io.rdc.runtime.control.EmbeddedControlPlane;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.IoUtil;

/**
 * The control plane's round trips (issue 13): an uncached stream-space get (a DONTCACHE entry, so
 * every get goes to the plane) and a name lookup, through a 1-member (embedded) and a 3-member
 * plane (three members in this JVM), each beside the raw cluster round trip measured on the same
 * members in the same run: an Echo message through the Raft log and back, answered without
 * touching the state. One JSON line per figure, {@code bench: "control"}; ratio = p50 ÷ echo p50;
 * {@code idle} names how the members' agents and the client wait ({@link ControlIdle}), {@code threads}
 * which of them share a thread ({@link ControlThreads}; the 1-member plane is measured once per
 * choice, one after the other, each beside its own echo). The 3-member plane runs only with the
 * defaults (back-off, dedicated): its twelve agents cannot all stay awake on a small machine, and
 * with back-off they need not.
 */
public final class ControlBench {
    private ControlBench() {}

    /**
     * The bench option that chooses the 1-member plane's threads, a comma-separated list measured one
     * after the other: {@code -Drdc.bench.control.threads=dedicated,dedicated-ipc,shared,shared-ipc} (default: dedicated).
     */
    public static final String THREADS_PROPERTY = "rdc.bench.control.threads";

    /** With the threads {@value #THREADS_PROPERTY} names (as {@code rdc bench control} runs it). */
    public static void run(PrintStream out, int samples, int warmup, ControlIdle idle) {
        run(out, samples, warmup, idle, parseThreads(System.getProperty(THREADS_PROPERTY, "dedicated")));
    }

    public static void run(PrintStream out, int samples, int warmup, ControlIdle idle, List<ControlThreads> threads) {
        for (ControlThreads t : threads) runOneMember(out, samples, warmup, idle, t);
        if (idle == ControlIdle.BACKOFF) runThreeMembers(out, samples, warmup);
    }

    /** "dedicated,shared-ipc,...": each named once, in the order given (an unknown name is refused, naming the choices). */
    public static List<ControlThreads> parseThreads(String list) {
        List<ControlThreads> out = new ArrayList<>();
        for (String each : list.split(",")) {
            ControlThreads t = ControlThreads.parse(each);
            if (!out.contains(t)) out.add(t);
        }
        return out;
    }

    private static void runOneMember(PrintStream out, int samples, int warmup, ControlIdle idle, ControlThreads threads) {
        long t0 = System.nanoTime();
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(null, ControlService.DEFAULT_UNREACHABLE_AFTER_MS, idle, threads)) {
            out.println(new JsonLine().str("bench", "control").str("op", "start").num("members", 1L).str("idle", idle.jsonName())
                    .str("threads", threads.jsonName()).num("ms", (System.nanoTime() - t0) / 1e6).num("plane_ms", (double) plane.startMillis()));
            try (ControlClient c = plane.connect()) {
                measure(out, c, 1, idle, threads, samples, warmup);
            }
        }
    }

    private static void runThreeMembers(PrintStream out, int samples, int warmup) {
        ControlIdle idle = ControlIdle.BACKOFF;
        File dir = tempDir();
        List<ControlPlaneMember> members = new ArrayList<>();
        try {
            List<ControlPlaneMember.Endpoints> eps = ControlPlaneMember.derive(List.of("localhost", "localhost", "localhost"), freeBase(3));
            for (int i = 0; i < 3; i++) members.add(ControlPlaneMember.start(new ControlPlaneMember.Config(i, eps, dir).withIdle(idle)));
            ControlClientConfig cfg = new ControlClientConfig(members.getFirst().config().ingressEndpoints(), java.time.Duration.ofSeconds(20),
                    null, "bench", members.getFirst().aeronDirectoryName(), "localhost", idle);
            try (ControlClient c = ControlClient.connect(cfg)) {
                measure(out, c, 3, idle, ControlThreads.DEDICATED, samples, warmup);
            }
        } finally {
            for (ControlPlaneMember m : members) m.close();
            IoUtil.delete(dir, true);
        }
    }

    private static void measure(PrintStream out, ControlClient c, int members, ControlIdle idle, ControlThreads threads, int samples, int warmup) {
        long rdc = c.openRdc("bench-" + System.nanoTime(), "bench", false).rdc().id();
        RefDescriptor ref = new RefDescriptor(RefKind.STREAM, 0, Ids.channel(201, 1, false), Ids.make(201, 1), 0, false, 0);
        c.spacePut(rdc, "b", ref, Kernel.DONTCACHE);
        c.register("bench.service." + rdc, ref, rdc, java.util.List.of());
        String name = "bench.service." + rdc;
        // Interleaved, one of each per round, so that the machine's load drifts over all three alike.
        Runnable[] ops = {c::echo, () -> c.spaceGet(rdc, "b", 1, TimeUnit.SECONDS.toNanos(10)), () -> c.lookup(name, 0)};
        long[][] ns = time(samples, warmup, ops);
        long[] echo = ns[0], get = ns[1], lookup = ns[2];
        double e50 = pct(echo, 50);
        line(out, "echo", members, idle, threads, echo, e50);
        line(out, "get", members, idle, threads, get, e50);
        line(out, "lookup", members, idle, threads, lookup, e50);
        c.terminateRdc(rdc);
    }

    private static void line(PrintStream out, String op, int members, ControlIdle idle, ControlThreads threads, long[] ns, double echoP50) {
        double p50 = pct(ns, 50), p99 = pct(ns, 99);
        out.println(new JsonLine().str("bench", "control").str("op", op).num("members", (long) members).str("idle", idle.jsonName())
                .str("threads", threads.jsonName())
                .num("samples", (long) ns.length)
                .num("p50_us", p50 / 1e3).num("p99_us", p99 / 1e3).num("ratio", p50 / echoP50));
    }

    private static long[][] time(int samples, int warmup, Runnable[] ops) {
        for (int i = 0; i < warmup; i++) for (Runnable op : ops) op.run();
        long[][] ns = new long[ops.length][samples];
        for (int i = 0; i < samples; i++)
            for (int k = 0; k < ops.length; k++) {
                long t = System.nanoTime();
                ops[k].run();
                ns[k][i] = System.nanoTime() - t;
            }
        for (long[] a : ns) Arrays.sort(a);
        return ns;
    }

    private static double pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static File tempDir() {
        try {
            return Files.createTempDirectory("rdc-control-bench-").toFile();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freeBase(int n) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = 20_000 + 10 * ThreadLocalRandom.current().nextInt(2_000);
            boolean free = true;
            for (int p = base; p < base + n * ControlPlaneMember.PORTS_PER_MEMBER && free; p++) {
                try (DatagramSocket s = new DatagramSocket(p, InetAddress.getLoopbackAddress())) {
                    // free
                } catch (IOException taken) {
                    free = false;
                }
            }
            if (free) return base;
        }
        throw new IllegalStateException("control bench: no free range of UDP ports");
    }

    /** {@code ControlBench [samples] [warmup] [idle] [threads,...]}: JSON lines on stdout. */
    public static void main(String[] args) {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        ControlIdle idle = args.length > 2 ? ControlIdle.parse(args[2]) : ControlIdle.BACKOFF;
        if (args.length > 3) run(System.out, samples, warmup, idle, parseThreads(args[3]));
        else run(System.out, samples, warmup, idle);
        System.exit(0);
    }
}
