package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The text-processing RDC of §2.4.2 (scripts/textproc), end to end through the Operator API. */
class TextprocTest extends PoolFixture {
    static final Path DIR = Path.of("..", "scripts", "textproc");

    @Test
    void everyDocumentIsProcessedAndPrintedExactlyOnceWhileTheManagerMonitors() throws Exception {
        Operator op = operator();
        for (String m : List.of("manager", "scheduler", "worker", "spooler")) op.module(DIR.resolve(m + ".js"));
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR.resolve("docs"))) {
            for (Path f : files.sorted().toList())
                docs.add(Map.of("name", f.getFileName().toString(), "text", Files.readString(f)));
        }
        assertTrue(docs.size() >= 8);
        Ref[] monitor = op.channel("textproc.monitor", false);
        op.create(op.module("manager"), 201, Map.of("docs", docs, "width", 50), List.of(Iface.stream("monitor", "textproc.monitor", null)));

        List<String> lines = new ArrayList<>();
        Operator.Received done = null;
        while (done == null) {
            Operator.Received r = op.receive(monitor[1], Duration.ofSeconds(60));
            assertNotNull(r, "monitoring stopped before all documents were printed: " + lines);
            Map<?, ?> h = (Map<?, ?>) r.head();
            if (Boolean.TRUE.equals(h.get("done"))) done = r;
            else lines.add((String) h.get("line"));
        }
        assertEquals((long) docs.size(), ((Map<?, ?>) done.head()).get("printed"));
        List<?> order = (List<?>) ((Map<?, ?>) done.body()).get("order");
        assertEquals(docs.size(), order.size());
        assertEquals(docs.size(), new HashSet<>(order).size(), "no document printed twice");
        assertTrue(lines.get(0).startsWith("manager: " + docs.size() + " documents, 4 workers"), lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.contains("spooler queue")), lines.toString());
        assertEquals(docs.size() + 1, lines.size(), "one monitoring line per printed document: " + lines);
    }
}
