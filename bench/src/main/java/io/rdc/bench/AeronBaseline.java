package io.rdc.bench;

import io.aeron.driver.ThreadingMode;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Raw-Aeron baseline for rdc's benchmarks: the same channel types and idle strategies rdc runs with, measured
 * without rdc in between, in the same run.
 * <ul>
 *     <li>{@link #pingPong} — round-trip latency of one message in flight, percentiles from sorted samples;</li>
 *     <li>{@link #throughput} — messages per second from one publisher to one subscriber.</li>
 * </ul>
 * Each call sets up its own embedded media driver(s) in fresh directories (deleted on start and close), runs, and
 * tears everything down, including the child JVM of {@link Transport#UDP}. Calls are synchronous and not meant to
 * run concurrently with each other (they would compete for the same cores).
 */
public final class AeronBaseline
{
    private AeronBaseline()
    {
    }

    /**
     * Ping-pong with {@link BaselineOptions#DEFAULTS}.
     *
     * @see #pingPong(Transport, int, int, int, Idle, BaselineOptions)
     */
    public static LatencyResult pingPong(
        final Transport transport, final int messages, final int warmup, final int payloadBytes, final Idle idle)
    {
        return pingPong(transport, messages, warmup, payloadBytes, idle, BaselineOptions.DEFAULTS);
    }

    /**
     * Measure round-trip latency ping → pong → ping, one message in flight.
     *
     * @param transport    channel type.
     * @param messages     round trips to sample, at least 1.
     * @param warmup       round trips to do first and discard.
     * @param payloadBytes message length, at least 8 (the timestamp).
     * @param idle         idle strategy of both the pinger and the ponger.
     * @param options      driver threading mode, driver idle strategy, timeout.
     * @return latency percentiles in microseconds.
     * @throws IllegalStateException if the run cannot connect, the responder dies, or a reply times out.
     */
    public static LatencyResult pingPong(
        final Transport transport,
        final int messages,
        final int warmup,
        final int payloadBytes,
        final Idle idle,
        final BaselineOptions options)
    {
        if (messages < 1 || warmup < 0)
        {
            throw new IllegalArgumentException("need messages >= 1 and warmup >= 0: " + messages + ", " + warmup);
        }
        checkPayload(payloadBytes);
        final long[] samplesNs = new long[messages];
        try (BenchSession session = BenchSession.open(transport, Responder.Role.ECHO, idle, options))
        {
            final Pinger pinger = new Pinger(session, payloadBytes);
            pinger.roundTrips(warmup, null);
            pinger.roundTrips(messages, samplesNs);
            return LatencyResult.fromSamples(transport, idle, session.driverIdle, options.threadingMode(),
                payloadBytes, warmup, samplesNs, messages);
        }
    }

    /**
     * Throughput with {@link BaselineOptions#DEFAULTS}.
     *
     * @see #throughput(Transport, long, int, Idle, BaselineOptions)
     */
    public static ThroughputResult throughput(
        final Transport transport, final long messages, final int payloadBytes, final Idle idle)
    {
        return throughput(transport, messages, payloadBytes, idle, BaselineOptions.DEFAULTS);
    }

    /**
     * Measure one-publisher-to-one-subscriber throughput: after an untimed warm-up of
     * {@link BaselineOptions#throughputWarmupMessages()} (capped at {@code messages}), time {@code messages} sends
     * from the first send until the subscriber acknowledges having counted the last one.
     *
     * @param transport    channel type.
     * @param messages     messages in the timed run, at least 1.
     * @param payloadBytes message length, at least 8 (the sequence number).
     * @param idle         idle strategy of the publisher (on back pressure) and the subscriber (on empty polls).
     * @param options      driver threading mode, fragment limit, publication kind, timeout.
     * @return messages per second, plus the count the subscriber received.
     * @throws IllegalStateException if the run cannot connect, the responder dies, or the publication stalls.
     */
    public static ThroughputResult throughput(
        final Transport transport,
        final long messages,
        final int payloadBytes,
        final Idle idle,
        final BaselineOptions options)
    {
        if (messages < 1)
        {
            throw new IllegalArgumentException("need messages >= 1: " + messages);
        }
        checkPayload(payloadBytes);
        try (BenchSession session = BenchSession.open(transport, Responder.Role.SINK, idle, options))
        {
            final ThroughputPublisher publisher = new ThroughputPublisher(session, payloadBytes);
            final long warmup = Math.min(messages, options.throughputWarmupMessages());
            if (warmup > 0)
            {
                publisher.run(warmup);
            }
            final long elapsedNs = publisher.run(messages);
            final long received = publisher.ackReceived();
            final double seconds = elapsedNs / 1e9;
            return new ThroughputResult(transport, idle, session.driverIdle, options.threadingMode(), payloadBytes,
                publisher.usesClaim(), messages, received, publisher.ackOutOfOrder(),
                publisher.backPressureEvents(), elapsedNs, received / seconds,
                received * (double)payloadBytes / 1e6 / seconds);
        }
    }

    private static void checkPayload(final int payloadBytes)
    {
        if (payloadBytes < Protocol.MIN_PAYLOAD || payloadBytes > 1 << 20)
        {
            throw new IllegalArgumentException("payloadBytes must be in [" + Protocol.MIN_PAYLOAD + ", 1 MiB]: " +
                payloadBytes);
        }
    }

    /**
     * Run the baseline matrix and print one JSON object per line on stdout; {@code --help} lists the options.
     * Exits 0 if every measurement succeeded, 1 if any printed an {@code "error"} line, 64 on bad arguments.
     *
     * @param args as above.
     */
    public static void main(final String[] args)
    {
        if (List.of(args).contains("--help") || List.of(args).contains("-h"))
        {
            System.out.println(USAGE);
            return;
        }
        final Config config;
        try
        {
            config = Config.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("rdc-bench: " + ex.getMessage());
            System.err.println(USAGE);
            System.exit(64);
            return;
        }
        final int failures = run(config, System.out);
        System.exit(failures == 0 ? 0 : 1);
    }

    private static final String USAGE = """
        usage: AeronBaseline [options]   (one JSON object per line on stdout)
          --bench pingpong,throughput            measurements
          --transport ipc,udp,udp_same_jvm       channel types
          --idle backoff,yielding                application idle strategies (also busyspin)
          --threading shared,dedicated           media driver threading modes (also shared_network)
          --driver-idle follow|backoff|yielding|busyspin   driver idle (follow: as the application; busyspin->yielding)
          --messages 50000 --warmup 10000        ping-pong round trips sampled / discarded
          --throughput-messages 5000000          messages in a timed throughput run
          --throughput-warmup 1000000            untimed messages before it
          --payload 32                           message length, bytes (>= 8)
          --fragment-limit 256                   fragments per poll of the throughput subscriber
          --concurrent-publications false        true: addPublication instead of addExclusivePublication
          --timeout-s 30                         connect / reply / stall timeout
          --repeat 1                             runs of each combination""";

    static int run(final Config config, final PrintStream out)
    {
        int failures = 0;
        for (final String bench : config.benches)
        {
            for (final Transport transport : config.transports)
            {
                for (final ThreadingMode mode : config.threadingModes)
                {
                    for (final Idle idle : config.idles)
                    {
                        for (int i = 0; i < config.repeat; i++)
                        {
                            failures += runOne(config, bench, transport, mode, idle, out) ? 0 : 1;
                        }
                    }
                }
            }
        }
        return failures;
    }

    private static boolean runOne(
        final Config config,
        final String bench,
        final Transport transport,
        final ThreadingMode mode,
        final Idle idle,
        final PrintStream out)
    {
        final BaselineOptions options = config.options.withThreadingMode(mode);
        boolean ok = true;
        String line;
        try
        {
            line = switch (bench)
            {
                case "pingpong" ->
                    pingPong(transport, config.messages, config.warmup, config.payloadBytes, idle, options).toJson();
                case "throughput" ->
                    throughput(transport, config.throughputMessages, config.payloadBytes, idle, options).toJson();
                default -> throw new IllegalArgumentException("unknown bench: " + bench);
            };
        }
        catch (final RuntimeException ex)
        {
            ok = false;
            line = new JsonLine()
                .str("bench", "aeron-" + bench)
                .str("transport", transport.jsonName())
                .str("idle", idle.jsonName())
                .str("threading", mode.name().toLowerCase(Locale.ROOT))
                .str("error", String.valueOf(ex.getMessage()))
                .toString();
        }
        out.println(line);
        out.flush();
        return ok;
    }

    /**
     * Command-line configuration of {@link #main}.
     */
    static final class Config
    {
        List<String> benches = List.of("pingpong", "throughput");
        List<Transport> transports = List.of(Transport.IPC, Transport.UDP, Transport.UDP_SAME_JVM);
        List<Idle> idles = List.of(Idle.BACKOFF, Idle.YIELDING);
        List<ThreadingMode> threadingModes = List.of(ThreadingMode.SHARED, ThreadingMode.DEDICATED);
        BaselineOptions options = BaselineOptions.DEFAULTS;
        int messages = 50_000;
        int warmup = 10_000;
        long throughputMessages = 5_000_000L;
        int payloadBytes = 32;
        int repeat = 1;

        static Config parse(final String[] args)
        {
            final Config c = new Config();
            for (int i = 0; i < args.length; i++)
            {
                final String flag = args[i];
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException("missing value for " + flag);
                }
                final String value = args[++i];
                switch (flag)
                {
                    case "--bench" -> c.benches = list(value, s ->
                    {
                        final String b = s.toLowerCase(Locale.ROOT);
                        if (!b.equals("pingpong") && !b.equals("throughput"))
                        {
                            throw new IllegalArgumentException("unknown bench: " + s);
                        }
                        return b;
                    });
                    case "--transport" -> c.transports = list(value, Transport::parse);
                    case "--idle" -> c.idles = list(value, Idle::parse);
                    case "--threading" -> c.threadingModes =
                        list(value, s -> ThreadingMode.valueOf(s.toUpperCase(Locale.ROOT)));
                    case "--driver-idle" -> c.options = c.options.withDriverIdle(
                        value.equalsIgnoreCase("follow") ? null : Idle.parse(value));
                    case "--messages" -> c.messages = Integer.parseInt(value);
                    case "--warmup" -> c.warmup = Integer.parseInt(value);
                    case "--throughput-messages" -> c.throughputMessages = Long.parseLong(value);
                    case "--throughput-warmup" -> c.options =
                        c.options.withThroughputWarmupMessages(Long.parseLong(value));
                    case "--repeat" -> c.repeat = Integer.parseInt(value);
                    case "--payload" -> c.payloadBytes = Integer.parseInt(value);
                    case "--fragment-limit" -> c.options = c.options.withFragmentLimit(Integer.parseInt(value));
                    case "--concurrent-publications" -> c.options =
                        c.options.withExclusivePublications(!Boolean.parseBoolean(value));
                    case "--timeout-s" -> c.options =
                        c.options.withTimeout(java.time.Duration.ofSeconds(Long.parseLong(value)));
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            return c;
        }

        private static <T> List<T> list(final String csv, final Function<String, T> parse)
        {
            final List<T> out = new ArrayList<>();
            for (final String s : csv.split(","))
            {
                if (!s.isBlank())
                {
                    out.add(parse.apply(s.trim()));
                }
            }
            if (out.isEmpty())
            {
                throw new IllegalArgumentException("empty list: " + csv);
            }
            return List.copyOf(out);
        }
    }
}
