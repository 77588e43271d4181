package io.rdc.bench;

import io.aeron.driver.ThreadingMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Brief runs of each measurement on each transport: checks results are sane (everything sent was received,
 * latencies positive and ordered) and that no child JVM or driver directory is left behind. No timing targets.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AeronBaselineTest
{
    private static final BaselineOptions QUICK = BaselineOptions.DEFAULTS
        .withThroughputWarmupMessages(10_000)
        .withTimeout(Duration.ofSeconds(20));

    @AfterEach
    void nothingLeftBehind() throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.current().children().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
        }
        assertFalse(ProcessHandle.current().children().anyMatch(ProcessHandle::isAlive), "child JVM left behind");
        final String prefix = "rdc-bench-" + ProcessHandle.current().pid() + "-";
        for (final String base : new String[]{ "/dev/shm", System.getProperty("java.io.tmpdir") })
        {
            final String[] left = new File(base).list((dir, name) -> name.startsWith(prefix));
            assertArrayEquals(new String[0], null == left ? new String[0] : left, "aeron dirs left in " + base);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void pingPongAnswersEveryPing(final Transport transport)
    {
        final LatencyResult r = AeronBaseline.pingPong(transport, 2_000, 500, 32, Idle.YIELDING, QUICK);
        assertSaneLatency(r, 2_000);
        assertEquals(transport, r.transport());
        assertEquals(Idle.YIELDING, r.driverIdle());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void throughputDeliversEveryMessage(final Transport transport)
    {
        final ThroughputResult r = AeronBaseline.throughput(transport, 200_000, 32, Idle.YIELDING, QUICK);
        assertEquals(200_000, r.messages());
        assertEquals(r.messages(), r.received());
        assertEquals(0, r.outOfOrder());
        assertTrue(r.claim(), "small messages go through tryClaim");
        assertTrue(r.msgsPerSec() > 0 && r.elapsedNanos() > 0, r.toJson());
    }

    @Test
    void firstPingIsAnsweredEvenIfTheResponderPublicationConnectsLate()
    {
        // Regression: the child's reply publication can still be NOT_CONNECTED when the first ping arrives, although
        // this side already sees both directions connected; the responder must retry rather than drop the pong.
        final BaselineOptions dedicated = QUICK.withThreadingMode(ThreadingMode.DEDICATED);
        for (int i = 0; i < 5; i++)
        {
            assertSaneLatency(AeronBaseline.pingPong(Transport.UDP, 20, 0, 32, Idle.YIELDING, dedicated), 20);
        }
    }

    @Test
    void backoffIsTheDefaultAndWorks()
    {
        final LatencyResult r = AeronBaseline.pingPong(Transport.IPC, 500, 100, 64, Idle.BACKOFF);
        assertSaneLatency(r, 500);
        assertEquals(ThreadingMode.SHARED, r.threadingMode());
        assertEquals(Idle.BACKOFF, r.driverIdle());
    }

    @Test
    void dedicatedDriverAndBusySpinOption()
    {
        final BaselineOptions dedicated = QUICK.withThreadingMode(ThreadingMode.DEDICATED);
        final LatencyResult r = AeronBaseline.pingPong(Transport.UDP_SAME_JVM, 500, 100, 32, Idle.BUSY_SPIN,
            dedicated);
        assertSaneLatency(r, 500);
        assertEquals(ThreadingMode.DEDICATED, r.threadingMode());
        assertEquals(Idle.YIELDING, r.driverIdle(), "a busy-spinning application gets a yielding driver");
    }

    @Test
    void largeMessagesAreOfferedAndFragmentedOverUdp()
    {
        final int payload = 8 * 1024; // above one UDP frame's max payload
        final ThroughputResult t = AeronBaseline.throughput(Transport.UDP, 5_000, payload, Idle.YIELDING, QUICK);
        assertFalse(t.claim(), "messages larger than a frame use offer");
        assertEquals(t.messages(), t.received());
        assertEquals(0, t.outOfOrder());

        final LatencyResult l = AeronBaseline.pingPong(Transport.UDP_SAME_JVM, 200, 50, payload, Idle.YIELDING, QUICK);
        assertSaneLatency(l, 200);
    }

    @Test
    void rejectsBadArguments()
    {
        assertThrows(IllegalArgumentException.class, () -> AeronBaseline.pingPong(Transport.IPC, 10, 0, 4, Idle.BACKOFF));
        assertThrows(IllegalArgumentException.class, () -> AeronBaseline.pingPong(Transport.IPC, 0, 0, 32, Idle.BACKOFF));
        assertThrows(IllegalArgumentException.class, () -> AeronBaseline.throughput(Transport.IPC, 0, 32, Idle.BACKOFF));
    }

    @Test
    void percentilesByNearestRank()
    {
        final long[] samples = new long[100];
        for (int i = 0; i < samples.length; i++)
        {
            samples[i] = (100 - i) * 1000L; // 100 µs down to 1 µs, unsorted
        }
        final LatencyResult r = LatencyResult.fromSamples(Transport.IPC, Idle.BACKOFF, Idle.BACKOFF,
            ThreadingMode.SHARED, 32, 0, samples, samples.length);
        assertEquals(1.0, r.minUs());
        assertEquals(50.0, r.p50Us());
        assertEquals(90.0, r.p90Us());
        assertEquals(99.0, r.p99Us());
        assertEquals(100.0, r.p999Us());
        assertEquals(100.0, r.maxUs());
        assertEquals(50.5, r.meanUs(), 1e-9);
    }

    @Test
    void jsonLinesAreFlatObjects()
    {
        final LatencyResult l = new LatencyResult(Transport.UDP_SAME_JVM, Idle.YIELDING, Idle.YIELDING,
            ThreadingMode.DEDICATED, 32, 10, 100, 1, 2, 3, 4, 5, 6, 2.5);
        assertEquals("{\"bench\":\"aeron-pingpong\",\"transport\":\"udp_same_jvm\",\"idle\":\"yielding\"," +
            "\"driver_idle\":\"yielding\",\"threading\":\"dedicated\",\"payload_bytes\":32,\"warmup\":10," +
            "\"messages\":100,\"min_us\":1.000,\"p50_us\":2.000,\"p90_us\":3.000,\"p99_us\":4.000," +
            "\"p999_us\":5.000,\"max_us\":6.000,\"mean_us\":2.500}", l.toJson());
        final ThroughputResult t = new ThroughputResult(Transport.UDP, Idle.BUSY_SPIN, Idle.YIELDING,
            ThreadingMode.SHARED, 32, true, 10, 10, 0, 3, 2_000_000, 5_000_000.0, 160.0);
        assertTrue(t.toJson().startsWith("{\"bench\":\"aeron-throughput\",\"transport\":\"udp\",\"idle\":\"busyspin\""),
            t.toJson());
        assertTrue(t.toJson().contains("\"msgs_per_s\":5000000.000"), t.toJson());
        assertEquals("{\"error\":\"a \\\"b\\\"\\n\"}", new JsonLine().str("error", "a \"b\"\n").toString());
    }

    @Test
    void mainPrintsOneJsonLinePerMeasurement()
    {
        final AeronBaseline.Config config = AeronBaseline.Config.parse(new String[]{
            "--bench", "pingpong,throughput", "--transport", "ipc", "--idle", "yielding", "--threading", "shared",
            "--messages", "300", "--warmup", "100", "--throughput-messages", "20000", "--throughput-warmup", "1000" });
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int failures;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            failures = AeronBaseline.run(config, out);
        }
        final String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(0, failures, String.join("\n", lines));
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("{\"bench\":\"aeron-pingpong\",\"transport\":\"ipc\""), lines[0]);
        assertTrue(lines[1].startsWith("{\"bench\":\"aeron-throughput\",\"transport\":\"ipc\""), lines[1]);
        assertThrows(IllegalArgumentException.class,
            () -> AeronBaseline.Config.parse(new String[]{ "--idle", "sleepy" }));
    }

    private static void assertSaneLatency(final LatencyResult r, final int messages)
    {
        assertEquals(messages, r.messages());
        assertTrue(r.minUs() > 0, r.toJson());
        assertTrue(r.minUs() <= r.p50Us() && r.p50Us() <= r.p90Us() && r.p90Us() <= r.p99Us() &&
            r.p99Us() <= r.p999Us() && r.p999Us() <= r.maxUs(), r.toJson());
        assertTrue(r.meanUs() >= r.minUs() && r.meanUs() <= r.maxUs(), r.toJson());
    }
}
