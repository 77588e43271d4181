package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.shell.PoolProcesses.Result;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's standing-pool commands as a user runs them, every part a process of its own:
 * {@code rdc pool start} (1 member, nodes 201-204), then on the fresh pool the main job
 * (scripts/textproc/textproc.rdc, in RDC "batch"), then docs/deployment.md's flow in RDC "textproc":
 * feed.rdc sets up the long feed and returns, reconfigure.rdc from another process adds a worker and
 * moves a worker and the spooler while documents keep printing, a shell inspects the result, and the
 * feed ends with every document printed exactly once. StandingPoolTest covers the 3-member plane,
 * leader and node kills; this one the shipped scripts.
 *
 * <p>The main job failed on a fresh pool: each node daemon's first creation started its JavaScript
 * engine (5-7 s on the loaded build machine), the manager creates one worker per node in its init,
 * and the script's first {@code invoke mgr.report}, queued behind that 37 s init, gave up at its own
 * 30 s although its {@code wait until} allowed 60 (docs/deployment.md, "A fresh pool's first creations").
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class TextprocStandingPoolTest extends StandingPoolCase {
    private static final Path TEXTPROC = Path.of("..", "scripts", "textproc").toAbsolutePath().normalize();

    @Test
    void theReadmesTextProcessingRunsOnAFreshStandingPoolAndIsReconfiguredWhileItPrints() throws Exception {
        Path home = dir.resolve(".rdc");
        pool = PoolProcesses.startPool(dir, home, "--base-port", String.valueOf(PoolProcesses.freeBasePort(10)));
        String addr = pool.control();

        // 1. The main job, first thing on the fresh pool: every document printed exactly once, and mgr.report answers.
        Result batch = rdc(300, "run", "--pool", addr, "--rdc", "batch", TEXTPROC.resolve("textproc.rdc").toString());
        assertEquals(0, batch.code(), batch.out() + logs(home));
        assertTrue(batch.out().contains("done: printed 8 of 8 documents"), batch.out());
        // The manager logs a line per document the spooler reports printed; its node's log has them (rate-limited, but not 8).
        Path mgrLog = home.resolve("logs").resolve("node-201.log");
        for (int i = 0; i < 100 && !Files.readString(mgrLog).contains("printed 8/8"); i++) Thread.sleep(100);
        assertEachDocumentPrintedOnce(Files.readString(mgrLog), 8);

        // 2. docs/deployment.md: feed.rdc sets the RDC up with a long feed and returns; the RDC prints on.
        Result feed = rdc(300, "run", "--pool", addr, "--rdc", "textproc", TEXTPROC.resolve("feed.rdc").toString());
        assertEquals(0, feed.code(), feed.out() + logs(home));
        Matcher fed = Pattern.compile("feeding (\\d+) documents to (\\d+) workers; (\\d+) printed so far").matcher(feed.out());
        assertTrue(fed.find(), feed.out());
        int total = Integer.parseInt(fed.group(1));
        assertEquals(2000, total, "8 documents fed 250 times");

        // 3. From another process, while documents keep printing: a worker more, worker1 and the spooler moved.
        Result reconf = rdc(300, "run", "--pool", addr, "--rdc", "textproc", TEXTPROC.resolve("reconfigure.rdc").toString());
        assertEquals(0, reconf.code(), reconf.out() + logs(home));
        Matcher before = Pattern.compile("before: (\\d+) of 2000 printed").matcher(reconf.out());
        Matcher after = Pattern.compile("after: (\\d+) of 2000 printed.*worker1 now at node (\\d+), spooler at node (\\d+)").matcher(reconf.out());
        assertTrue(before.find() && after.find(), reconf.out());
        assertTrue(Integer.parseInt(before.group(1)) < total, "the feed was still printing when the reconfiguration began: " + reconf.out());
        assertTrue(Integer.parseInt(after.group(1)) > Integer.parseInt(before.group(1)), "documents kept printing: " + reconf.out());

        // 4. A shell, another process again, shows the result by the names both scripts gave; mgr.report answers it too.
        Path show = Files.writeString(dir.resolve("show.rdc"), """
                show incarnations
                inspect mgr
                show rdcs
                let p = invoke mgr.report {op: "progress"}
                print "report: ${p.head.printed} of ${p.head.total} with ${p.head.workers} workers"
                """);
        Result shown = rdc(180, "shell", "--pool", addr, "--rdc", "textproc", "--script", show.toString());
        assertEquals(0, shown.code(), shown.out());
        String worker1At = after.group(2), spoolerAt = after.group(3);
        assertTrue(shown.out().lines().anyMatch(l -> l.matches("worker1\\s+\\S+\\s+worker\\s+[0-9a-f]{8}\\s+" + worker1At + "\\s.*")), "worker1 where reconfigure moved it: " + shown.out());
        assertTrue(shown.out().lines().anyMatch(l -> l.matches("spooler\\s+\\S+\\s+spooler\\s+[0-9a-f]{8}\\s+" + spoolerAt + "\\s.*")), "the spooler where reconfigure moved it: " + shown.out());
        assertTrue(shown.out().lines().anyMatch(l -> l.matches("extra\\s+\\S+\\s+worker\\s+[0-9a-f]{8}\\s+202\\s.*")), "the added worker: " + shown.out());
        assertTrue(shown.out().contains("textproc") && shown.out().contains("batch"), "both RDCs: " + shown.out());
        assertTrue(shown.out().matches("(?s).*report: \\d+ of 2000 with \\d+ workers.*"), shown.out());

        // 4b. rdc web attaches to the standing pool as well: its model lists the pool's nodes and textproc's incarnations.
        assertWebViewShowsThePool(addr, worker1At);

        // 5. The feed ends with every document printed exactly once: a lost one would leave the count short, a repeated one past the total.
        Path end = Files.writeString(dir.resolve("end.rdc"), """
                wait until (invoke mgr.report {op: "progress"}).head.printed >= %1$d within 300s
                sleep 2s
                let p = (invoke mgr.report {op: "progress"}).head
                assert p.printed == %1$d, "printed ${p.printed} of %1$d"
                print "all printed: ${p.printed}, spooler queue ${p.queue}"
                """.formatted(total));
        Result ended = rdc(400, "run", "--pool", addr, "--rdc", "textproc", end.toString());
        assertEquals(0, ended.code(), ended.out() + logs(home));
        assertTrue(ended.out().contains("all printed: 2000, spooler queue 0"), ended.out());

        Result stopped = rdc(60, "pool", "stop", "--dir", home.toString());
        assertEquals(0, stopped.code(), stopped.out());
        for (Long pid : pool.pids()) assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " ended");
    }

    /** Each of the {@code n} documents has exactly one "printed k/n (docX.txt)" line, and k runs over 1..n once each. */
    private static void assertEachDocumentPrintedOnce(String out, int n) {
        Matcher m = Pattern.compile("\\[mgr \\S+\\] printed (\\d+)/" + n + " \\((doc\\d+\\.txt)\\)").matcher(out);
        Map<String, Integer> perDoc = new TreeMap<>();
        List<Integer> counts = new java.util.ArrayList<>();
        while (m.find()) {
            perDoc.merge(m.group(2), 1, Integer::sum);
            counts.add(Integer.parseInt(m.group(1)));
        }
        Map<String, Integer> once = new TreeMap<>();
        for (int i = 1; i <= n; i++) once.put("doc" + i + ".txt", 1);
        assertEquals(once, perDoc, "every document printed exactly once: " + out);
        assertEquals(java.util.stream.IntStream.rangeClosed(1, n).boxed().toList(), counts.stream().sorted().toList(), out);
    }


    /** Starts {@code rdc web --pool ADDR} as a process of its own, reads one look of its model over HTTP, and stops it. */
    private void assertWebViewShowsThePool(String addr, String worker1At) throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path out = dir.resolve("web.out");
        Process web = PoolProcesses.start(dir, List.of("web", "--pool", addr, "--rdc", "textproc", "--port", String.valueOf(port)), out);
        try {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpRequest get = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/api/model"))
                    .timeout(java.time.Duration.ofSeconds(30)).build();
            String model = null;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (model == null && web.isAlive() && System.nanoTime() < until) {
                try {
                    java.net.http.HttpResponse<String> r = http.send(get, java.net.http.HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) model = r.body();
                } catch (IOException notYet) {
                    Thread.sleep(250);
                }
            }
            assertNotNull(model, "rdc web --pool served no model: " + Files.readString(out));
            Map<?, ?> parsed = (Map<?, ?>) io.rdc.runtime.util.Json.parse(model);
            List<Object> nodes = new java.util.ArrayList<>();
            for (Object n : (List<?>) parsed.get("nodes")) nodes.add(((Map<?, ?>) n).get("id"));
            assertTrue(nodes.containsAll(List.of("201", "202", "203", "204")), "the pool's nodes: " + nodes);
            Map<Object, Object> nodeOf = new TreeMap<>();
            for (Object i : (List<?>) parsed.get("incarnations")) nodeOf.put(((Map<?, ?>) i).get("name"), ((Map<?, ?>) i).get("node"));
            assertTrue(nodeOf.keySet().containsAll(List.of("mgr", "spooler", "worker1", "extra")), "textproc's incarnations: " + nodeOf);
            assertEquals(worker1At, nodeOf.get("worker1"), "worker1 at the node the reconfiguration moved it to: " + nodeOf);
        } finally {
            web.destroy(); // SIGTERM: its shutdown hook ends the pool session
            if (!web.waitFor(20, TimeUnit.SECONDS)) web.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Result rdc(int seconds, String... args) throws Exception {
        return PoolProcesses.rdc(dir, seconds, args);
    }

    private static String logs(Path home) throws IOException {
        return PoolProcesses.logs(home);
    }
}
