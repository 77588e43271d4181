package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.Status;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.operator.Withdrawal;
import io.rdc.runtime.ref.Ref;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The text-processing RDC of §2.4.2 (scripts/textproc), end to end through the Operator API: alone,
 * and with the node of a busy worker withdrawn under it (issue 15's "withdrawal under load").
 */
class TextprocTest extends PoolFixture {
    static final Path DIR = Path.of("..", "scripts", "textproc");

    @Test
    void everyDocumentIsProcessedAndPrintedExactlyOnceWhileTheManagerMonitors() throws Exception {
        Operator op = operator();
        List<Map<String, Object>> docs = loadTextproc(op);
        Ref[] monitor = op.channel("textproc.monitor", false);
        op.create(op.module("manager"), 201, Map.of("docs", docs, "width", 50), List.of(Iface.stream("monitor", "textproc.monitor", null)));

        List<String> lines = new ArrayList<>();
        Operator.Received done = awaitDone(op, monitor[1], lines);
        assertEquals((long) docs.size(), ((Map<?, ?>) done.head()).get("printed"));
        List<?> order = (List<?>) ((Map<?, ?>) done.body()).get("order");
        assertEquals(docs.size(), order.size());
        assertEquals(docs.size(), new HashSet<>(order).size(), "no document printed twice");
        assertTrue(lines.get(0).startsWith("manager: " + docs.size() + " documents, 4 workers"), lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.contains("spooler queue")), lines.toString());
        assertEquals(docs.size() + 1, lines.size(), "one monitoring line per printed document: " + lines);
    }

    /**
     * Issue 15, "withdrawal under load": while the four workers are busy on a feed of 96 documents,
     * the node holding worker3 (and nothing else) is withdrawn with a 5 s notice. The worker must be
     * migrated within the notice, not destroyed or left; its pending timer must go with it, so it
     * goes on asking the scheduler for work at its new node; and the spooler must print every one
     * of the 96 documents exactly once: no task the scheduler handed out is lost or repeated.
     */
    @Test
    void withdrawingTheNodeOfABusyWorkerMovesItAwayAndEveryDocumentIsPrintedOnce() throws Exception {
        withdrawUnderLoad(203);
    }

    /**
     * As above, but the withdrawn node also holds the scheduler and the manager: the scheduler moves
     * while the workers invoke it, and the manager while the spooler reports to it.
     */
    @Test
    void withdrawingTheNodeOfTheSchedulerAndABusyWorkerLosesNoTask() throws Exception {
        withdrawUnderLoad(201);
    }

    private void withdrawUnderLoad(int withdrawn) throws Exception {
        Operator op = operator();
        List<Map<String, Object>> docs = loadTextproc(op);
        // 12 rounds of the 8 documents: 96, under the spooler's 100 so its last report carries the
        // printing order; 300 ms between a worker's documents keeps the feed going for seconds.
        int repeat = 12, total = docs.size() * repeat;
        Ref[] monitor = op.channel("textproc.monitor", false);
        op.create(op.module("manager"), 201, Map.of("docs", docs, "width", 50, "repeat", repeat, "pace", 300),
                List.of(Iface.stream("monitor", "textproc.monitor", null)));

        // Under way: the worker at the node to withdraw has done some documents, and others are printed.
        List<String> lines = new ArrayList<>();
        Kernel.Listed worker = null;
        Ref workerRef = null;
        long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < until) {
            if (worker == null) {
                worker = op.kernel().list(op.session().rdcId).stream()
                        .filter(l -> l.name().startsWith("worker") && l.node() == withdrawn).findFirst().orElse(null);
                if (worker != null) workerRef = op.adopt(worker.gid());
            }
            if (worker != null && op.status(workerRef).handlerRuns() >= 3 && lines.size() >= 8) break;
            Operator.Received r = op.receive(monitor[1], Duration.ofMillis(200));
            if (r != null) lines.add((String) ((Map<?, ?>) r.head()).get("line"));
        }
        assertNotNull(worker, "a worker at node " + withdrawn + ": " + op.kernel().list(op.session().rdcId));
        long runsBefore = op.status(workerRef).handlerRuns();
        assertTrue(runsBefore >= 3 && lines.size() >= 8, "the feed got going: " + runsBefore + " runs, " + lines);

        List<Kernel.Listed> mine = op.kernel().list(op.session().rdcId).stream().filter(l -> l.node() == withdrawn).toList();
        Withdrawal.Outcome o;
        try {
            o = op.withdraw(withdrawn, Duration.ofSeconds(5), false);
        } finally {
            op.setAccepting(withdrawn, true); // the fixture's pool is shared by the class's tests
        }
        String label = worker.name() + " (" + Ids.show(worker.gid()) + ")";
        assertTrue(String.valueOf(o.guests().get(label)).startsWith("migrated to node"), "the busy worker moved within the notice: " + o.summary());
        // Every incarnation of this RDC that was there moved too (the class's earlier tests may have left guests of theirs).
        for (Kernel.Listed l : mine)
            assertTrue(String.valueOf(o.guests().get(l.name() + " (" + Ids.show(l.gid()) + ")")).startsWith("migrated to node"), l.name() + " moved: " + o.summary());
        long runsAfterMove = op.status(workerRef).handlerRuns();
        assertTrue(lines.size() < total, "withdrawn while documents were still being processed: " + lines.size() + " of " + total);

        Operator.Received done = awaitDone(op, monitor[1], lines);
        assertEquals((long) total, ((Map<?, ?>) done.head()).get("printed"));
        List<?> order = (List<?>) ((Map<?, ?>) done.body()).get("order");
        assertEquals(total, order.size(), "printed count");
        assertEquals(total, new HashSet<>(order).size(), "no document printed twice: " + order);
        Set<String> expected = new HashSet<>();
        for (int round = 1; round <= repeat; round++)
            for (Map<String, Object> d : docs) expected.add(d.get("name") + (round > 1 ? "#" + round : ""));
        assertEquals(expected, new HashSet<>(order), "every document the scheduler handed out was printed");

        Status moved = op.status(workerRef);
        assertNotEquals(withdrawn, moved.node(), "the worker is no longer at the withdrawn node");
        assertTrue(o.guests().get(label).equals("migrated to node " + moved.node()), o.summary() + " but it is at " + moved.node());
        // Its timer moved with it: after the move it still asked for work (at least its last,
        // "done" request), so it was not left idle at its new node.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (op.status(workerRef).handlerRuns() <= runsAfterMove && System.nanoTime() < deadline) Thread.sleep(50);
        assertTrue(op.status(workerRef).handlerRuns() > runsAfterMove, "the worker went on after its move: " + op.status(workerRef));
    }

    /** Declares the four textproc modules and returns the shipped documents, sorted by name. */
    private static List<Map<String, Object>> loadTextproc(Operator op) throws java.io.IOException {
        for (String m : List.of("manager", "scheduler", "worker", "spooler")) op.module(DIR.resolve(m + ".js"));
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR.resolve("docs"))) {
            for (Path f : files.sorted().toList())
                docs.add(Map.of("name", f.getFileName().toString(), "text", Files.readString(f)));
        }
        assertTrue(docs.size() >= 8);
        return docs;
    }

    /** Collects monitoring lines until the manager's "done" report, which it returns. */
    private static Operator.Received awaitDone(Operator op, Ref monitorPort, List<String> lines) {
        while (true) {
            Operator.Received r = op.receive(monitorPort, Duration.ofSeconds(60));
            assertNotNull(r, "monitoring stopped before all documents were printed: " + lines);
            Map<?, ?> h = (Map<?, ?>) r.head();
            if (Boolean.TRUE.equals(h.get("done"))) return r;
            lines.add((String) h.get("line"));
        }
    }
}
