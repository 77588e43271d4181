package io.rdc.bench;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.ChildNodes;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.transport.TransportMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * rdc's own side of {@code rdc bench invoke|send}: the same measurement as the raw-Aeron baseline,
 * through the whole runtime, on a 2-node pool (node 201 here; node 202 here for IPC, in a child JVM
 * for UDP). Each result line carries the baseline measured in the same run and the ratio.
 *
 * <ul>
 * <li>invoke: the operator invokes a JavaScript incarnation on the other node with an empty
 * message; its handler returns, which is the reply. One invocation in flight; latency percentiles.</li>
 * <li>send: the operator sends messages with a 32-byte head to a port on the other node until
 * every one is acknowledged by that node's kernel ("reliable" means queued at the port); a
 * {@link Sink} there consumes them as they arrive.</li>
 * </ul>
 */
public final class RdcBench {
    private RdcBench() {}

    private static final byte[] HEAD32 = "{\"seq\":1234567,\"op\":\"benchmark\"}".getBytes(StandardCharsets.UTF_8);

    /** One rdc measurement with its Aeron baseline. */
    public record Pair(String json) {}

    static final class Rig implements AutoCloseable {
        final EmbeddedPool pool;
        final ChildNodes children;
        final Operator op;

        Rig(Transport transport, Idle idle, boolean auth) throws IOException {
            this(transport, idle, null, auth);
        }

        /** With {@code sink}, node 202 also runs a benchmark sink registered under that name; {@code auth}: frames authenticated. */
        Rig(Transport transport, Idle idle, String sink, boolean auth) throws IOException {
            if (transport == Transport.UDP) {
                children = new ChildNodes(2);
                children.authOff = !auth;
                if (sink == null) children.start(202, idle.jsonName());
                else children.start(202, idle.jsonName(), SinkNode.class.getName(), sink);
                pool = EmbeddedPool.start(children.config(Set.of(201)).withIdle(idle.jsonName()));
            } else {
                children = null;
                NodeDescriptor d = NodeDescriptor.ofSize(2);
                pool = EmbeddedPool.start(PoolConfig.defaults().withDescriptor(d).withAuth(auth)
                        .withTransport(transport == Transport.IPC ? TransportMode.IPC : TransportMode.UDP).withIdle(idle.jsonName()));
            }
            op = pool.newOperator("bench");
            localSink = sink != null && children == null ? Sink.start(new Operator(pool.kernel(202), "sink"), sink) : null;
        }

        final Sink localSink;

        @Override
        public void close() throws IOException {
            if (localSink != null) localSink.close();
            pool.close();
            if (children != null) children.close();
        }
    }

    /**
     * Whether each rdc measurement is also made with frame authentication off, in the same run,
     * to report what authentication costs ({@code -Drdc.bench.authCompare=true}, e.g. through
     * {@code RDC_JAVA_OPTS}); the main figures are always with authentication as configured.
     */
    static boolean compareAuth() {
        return Boolean.getBoolean("rdc.bench.authCompare");
    }

    public static String invoke(Transport transport, Idle idle, int messages, int warmup) throws IOException {
        boolean on = io.rdc.runtime.security.FrameAuth.onByDefault();
        double[] rdc = measureInvoke(transport, idle, messages, warmup, on);
        String noAuth = "";
        if (compareAuth()) {
            // off, on, off, on after the first: the first run also warms the JIT up, so each
            // setting's better run of two is compared (p50 the lower).
            double[] off = measureInvoke(transport, idle, messages, warmup, false);
            double[] on2 = measureInvoke(transport, idle, messages, warmup, on);
            double[] off2 = measureInvoke(transport, idle, messages, warmup, false);
            if (on2[0] < rdc[0]) rdc = on2;
            if (off2[0] < off[0]) off = off2;
            noAuth = String.format(Locale.ROOT, ",\"noauth_p50_us\":%.2f,\"noauth_p99_us\":%.2f,\"auth_cost_p50\":%.3f", off[0], off[1], rdc[0] / off[0]);
        }
        LatencyResult aeron = AeronBaseline.pingPong(transport, messages, warmup, 32, idle, baselineOptions(transport));
        return String.format(Locale.ROOT,
                "{\"bench\":\"invoke\",\"transport\":\"%s\",\"idle\":\"%s\",\"messages\":%d,\"p50_us\":%.2f,\"p99_us\":%.2f,"
                        + "\"aeron_p50_us\":%.2f,\"aeron_p99_us\":%.2f,\"ratio\":%.2f%s}",
                transport.jsonName(), idle.jsonName(), messages, rdc[0], rdc[1], aeron.p50Us(), aeron.p99Us(), rdc[0] / aeron.p50Us(), noAuth);
    }

    private static double[] measureInvoke(Transport transport, Idle idle, int messages, int warmup, boolean auth) throws IOException {
        try (Rig rig = new Rig(transport, idle, auth)) {
            Operator op = rig.op;
            op.create(op.module("bench_echo", "export function onMessage(ctx, port, m) { }"), 202, null,
                    List.of(Iface.portNew("in", "bench.echo", null)));
            Ref s = op.spaceGet("bench.echo", Duration.ofSeconds(30));
            Duration t = Duration.ofSeconds(30);
            for (int i = 0; i < warmup; i++) op.invokeBytes(s, null, null, t);
            long[] samples = new long[messages];
            long[][] hops = new long[5][messages];
            for (int i = 0; i < messages; i++) {
                long t0 = System.nanoTime();
                op.invokeBytes(s, null, null, t);
                samples[i] = System.nanoTime() - t0;
                if (io.rdc.runtime.kernel.Probe.ON)
                    for (int h = 0; h < 5; h++) hops[h][i] = io.rdc.runtime.kernel.Probe.T[h + 1] - io.rdc.runtime.kernel.Probe.T[h];
            }
            if (io.rdc.runtime.kernel.Probe.ON) {
                String[] names = {"send->delivered", "delivered->handler", "handler->reply offered", "reply offered->received", "received->resumed"};
                for (int h = 0; h < 5; h++)
                    System.err.printf(Locale.ROOT, "probe %-26s p50 %8.2f us  p99 %8.2f us%n", names[h], percentiles(hops[h])[0], percentiles(hops[h])[1]);
            }
            return percentiles(samples);
        }
    }

    public static String send(Transport transport, Idle idle, int messages) throws IOException {
        boolean on = io.rdc.runtime.security.FrameAuth.onByDefault();
        double rate = measureSend(transport, idle, messages, on);
        String noAuth = "";
        if (compareAuth()) {
            // as for invoke: each setting's better run of two (the first also warms the JIT up)
            double off = measureSend(transport, idle, messages, false);
            rate = Math.max(rate, measureSend(transport, idle, messages, on));
            off = Math.max(off, measureSend(transport, idle, messages, false));
            noAuth = String.format(Locale.ROOT, ",\"noauth_msgs_per_s\":%.0f,\"auth_cost\":%.3f", off, off / rate);
        }
        ThroughputResult aeron = AeronBaseline.throughput(transport, messages, 32, idle, baselineOptions(transport));
        return String.format(Locale.ROOT,
                "{\"bench\":\"send\",\"transport\":\"%s\",\"idle\":\"%s\",\"messages\":%d,\"msgs_per_s\":%.0f,\"aeron_msgs_per_s\":%.0f,\"ratio\":%.3f%s}",
                transport.jsonName(), idle.jsonName(), messages, rate, aeron.msgsPerSec(), rate / aeron.msgsPerSec(), noAuth);
    }

    private static double measureSend(Transport transport, Idle idle, int messages, boolean auth) throws IOException {
        try (Rig rig = new Rig(transport, idle, "bench.sink", auth)) {
            Operator op = rig.op;
            Ref s = Sink.lookup(op, "bench.sink");
            int warm = Math.min(messages, 100_000);
            for (int i = 0; i < warm; i++) op.sendBytes(s, HEAD32, null);
            op.flush(s);
            long t0 = System.nanoTime();
            for (int i = 0; i < messages; i++) op.sendBytes(s, HEAD32, null);
            op.flush(s);
            long ns = System.nanoTime() - t0;
            return messages / (ns / 1e9);
        }
    }

    /**
     * The baseline runs with the media driver set up as rdc's pool sets it up: with IPC the driver
     * is off the data path and backs off; with UDP it follows the application's idle strategy.
     */
    static BaselineOptions baselineOptions(Transport t) {
        return t == Transport.IPC ? BaselineOptions.DEFAULTS.withDriverIdle(Idle.BACKOFF) : BaselineOptions.DEFAULTS;
    }

    /** p50 and p99 in microseconds. */
    static double[] percentiles(long[] samplesNs) {
        long[] s = samplesNs.clone();
        Arrays.sort(s);
        return new double[] {s[(int) (s.length * 0.50)] / 1000.0, s[Math.min(s.length - 1, (int) (s.length * 0.99))] / 1000.0};
    }
}
