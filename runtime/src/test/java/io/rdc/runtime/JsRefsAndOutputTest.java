package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Event;
import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.IncarnationOutput;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: references in incarnation code answer {@code Object.keys} and {@code JSON.stringify}
 * (they faulted the handler with an internal GraalJS error); what incarnations print goes to the
 * node's log and to their watchers as OUTPUT events, prefixed and rate-limited (it went raw to the
 * node's standard output).
 */
class JsRefsAndOutputTest extends PoolFixture {

    @Test
    void referencesAnswerObjectKeysAndJsonStringifyWithoutFaulting() {
        Operator op = operator();
        Ref[] report = op.channel("refs.report", false);
        String code = """
                export function onMessage(ctx, port, m) {
                  const s = ctx.ifaces.report, self = ctx.self(), d = ctx.defer(m);
                  ctx.send(s, { head: {
                    streamKeys: Object.keys(s), portKeys: Object.keys(port), selfKeys: Object.keys(self),
                    stream: JSON.stringify(s), port: JSON.stringify(port), nested: JSON.stringify({ to: s, n: 1 }),
                    entries: Object.entries(s).length, replyKeys: Object.keys(d), reply: JSON.stringify(d) } });
                  ctx.reply(d, { head: { ok: true } });
                }""";
        Ref inc = op.create(op.module("refs", code), 202, null, List.of(Iface.portNew("in", "refs.in", null), Iface.stream("report", "refs.report", null)));
        assertEquals(Map.of("ok", true), op.invoke(op.spaceGet("refs.in", T), Map.of("go", 1), null, T).head());
        Operator.Received r = op.receive(report[1], T);
        assertNotNull(r, "the handler answered (it faulted before: " + op.kernel().status(op.incarnationId(inc)).fault() + ")");
        Map<?, ?> h = (Map<?, ?>) r.head();
        assertEquals(List.of("kind", "id", "closed"), h.get("streamKeys"));
        assertEquals(List.of("kind", "id", "closed"), h.get("portKeys"));
        assertEquals(List.of("kind", "id", "closed"), h.get("selfKeys"));
        assertTrue(((String) h.get("stream")).matches("\\{\"kind\":\"stream\",\"id\":\"\\d+\",\"closed\":false}"), (String) h.get("stream"));
        assertTrue(((String) h.get("port")).matches("\\{\"kind\":\"port\",\"id\":\"\\d+\",\"closed\":false}"), (String) h.get("port"));
        assertTrue(((String) h.get("nested")).matches("\\{\"to\":\\{\"kind\":\"stream\",\"id\":\"\\d+\",\"closed\":false},\"n\":1}"), (String) h.get("nested"));
        assertEquals(3L, h.get("entries"));
        assertEquals(List.of("kind"), h.get("replyKeys"));
        assertEquals("{\"kind\":\"reply_handle\"}", h.get("reply"));
        assertEquals("EXECUTING", op.kernel().status(op.incarnationId(inc)).state().name());
    }

    @Test
    void printedLinesAreEventsWithTheNamePrefixAndAFloodIsRateLimitedAndCounted() {
        Operator op = operator();
        Kernel node = pool.kernel(203);
        List<String> log = new CopyOnWriteArrayList<>();
        node.logSink(log::add);
        try {
            String code = """
                    export function onMessage(ctx, port, m) {
                      print('hello from ' + ctx.where());
                      for (let i = 0; i < 10000; i++) console.log('line ' + i);
                    }""";
            Ref inc = op.create(op.module("chatty", code), 203, null, List.of(Iface.portNew("in", "chatty.in", null)), false, "chatty");
            op.setInterest(inc, "OUTPUT");
            String id = io.rdc.runtime.kernel.Ids.show(op.incarnationId(inc));
            Ref in = op.spaceGet("chatty.in", T);
            long t0 = System.nanoTime();
            op.send(in, Map.of(), null);

            List<Event> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            long accounted = 0;
            Pattern dropped = Pattern.compile("… (\\d+) lines? dropped.*");
            while (accounted < 10_001 && System.nanoTime() < deadline) {
                Event e = op.nextEvent(Duration.ofMillis(200));
                if (e == null || e.type() != Event.Type.OUTPUT) continue;
                out.add(e);
                Matcher m = dropped.matcher(e.detail());
                accounted += m.matches() ? Long.parseLong(m.group(1)) : 1;
            }
            assertEquals(10_001, accounted, "every line is either delivered or counted as dropped: " + out.size() + " events");
            // each second that the printing spanned lets LINES_PER_SECOND through (a loaded machine prints 10,000 lines in several)
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L + 1;
            long allowed = IncarnationOutput.LINES_PER_SECOND * (seconds + 1);
            Event first = out.get(0);
            assertEquals("chatty", first.subjectName());
            assertEquals("hello from 203", first.detail());
            assertEquals("[chatty " + id + "] hello from 203", IncarnationOutput.shown(first));
            long delivered = out.stream().filter(e -> !e.detail().startsWith("… ")).count();
            assertTrue(delivered <= allowed, "no flood: " + delivered + " lines arrived in about " + seconds + " s");
            assertTrue(out.stream().anyMatch(e -> dropped.matcher(e.detail()).matches()), "the drop is reported");
            // the node's log has the same lines, prefixed
            assertTrue(log.contains("[chatty " + id + "] hello from 203"), log.subList(0, Math.min(5, log.size())).toString());
            assertTrue(log.size() <= allowed + seconds + 1, "the node's log is not flooded either: " + log.size());
            assertEquals("EXECUTING", op.kernel().status(op.incarnationId(inc)).state().name());
        } finally {
            node.logSink(System.out::println);
        }
    }

    /** A manager's children print to the same watchers as the manager (the shell sees textproc's workers). */
    @Test
    void whoWatchesAnIncarnationsOutputWatchesItsChildrensToo() {
        Operator op = operator();
        op.module("kid", """
                export function init(ctx) { ctx.after(300, 'speak'); }
                export function onEvent(ctx, e) { print('kid says hi from ' + ctx.where()); }""");
        String parent = """
                export function onMessage(ctx, port, m) { ctx.create('kid', { at: 204, name: 'kid' }); }""";
        Ref mgr = op.create(op.module("parent", parent), 202, null, List.of(Iface.portNew("in", "parent.in", null)), false, "parent");
        op.setInterest(mgr, "OUTPUT");
        op.send(op.spaceGet("parent.in", T), Map.of(), null);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        Event got = null;
        while (got == null && System.nanoTime() < deadline) {
            Event e = op.nextEvent(Duration.ofMillis(200));
            if (e != null && e.type() == Event.Type.OUTPUT) got = e;
        }
        assertNotNull(got, "the child's line reached its creator's watcher");
        assertEquals("kid", got.subjectName());
        assertEquals("kid says hi from 204", got.detail());
    }
}
