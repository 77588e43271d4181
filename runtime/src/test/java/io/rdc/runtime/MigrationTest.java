package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Event;
import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Migration (§7.4): transparency to clients under load, self-migration, what moves, refusals, bounds, aborts. */
class MigrationTest extends PoolFixture {
    /** A server that checks every client's sequence numbers and counts its moves. */
    static final String SERVER = """
            export function init(ctx) {
              ctx.state = { last: {}, errors: [], count: 0, moves: 0, blob: new Float64Array(1000).fill(2.5) };
            }
            export function onMigrated(ctx, from, to) { ctx.state.moves++; ctx.state.lastMove = [from, to]; }
            export function onMessage(ctx, port, msg) {
              const h = msg.head, s = ctx.state;
              if (h.op === 'report') return { head: { count: s.count, errors: s.errors.slice(0, 10), nerr: s.errors.length,
                  moves: s.moves, lastMove: s.lastMove ?? null, where: ctx.where(), blob: s.blob[999] } };
              if (h.op === 'go') { ctx.migrate(ctx.self(), h.to); return { head: { from: ctx.where() } }; }
              if (h.op === 'spin') { const end = Date.now() + h.ms; while (Date.now() < end) {} return; }
              const prev = s.last[h.c] ?? 0;
              if (h.seq !== prev + 1) s.errors.push('client ' + h.c + ': ' + h.seq + ' after ' + prev);
              s.last[h.c] = h.seq;
              s.count++;
              return { head: { seq: h.seq } };
            }""";

    static Map<?, ?> report(Operator op, Ref stream) {
        return (Map<?, ?>) op.invoke(stream, Map.of("op", "report"), null, T).head();
    }

    @Test
    void stateQueueAndClientsFollowTheIncarnation() {
        Operator op = operator();
        Ref srv = serve(op, SERVER, 201, "mig.basic");
        Ref s = op.spaceGet("mig.basic", T);
        for (int i = 1; i <= 100; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        Kernel.Migration m = op.migrate(srv, 202, T);
        for (int i = 101; i <= 200; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        Map<?, ?> r = report(op, s);
        assertEquals(202L, r.get("where"));
        assertEquals(200L, r.get("count"), "every message, queued before or sent after, arrived once");
        assertEquals(0L, r.get("nerr"), String.valueOf(r.get("errors")));
        assertEquals(1L, r.get("moves"), "onMigrated ran once");
        assertEquals(List.of(201L, 202L), r.get("lastMove"));
        assertEquals(2.5, r.get("blob"), "typed-array state moved");
        assertEquals(202, op.status(srv).node());
        assertTrue(m.elapsedNanos() > 0 && m.frozenNanos() > 0 && m.frozenNanos() <= m.elapsedNanos(), m.toString());
    }

    /** The scenario of the issue: 50 migrations across 4 nodes while 4 clients invoke and send 10,000 numbered messages. */
    @Test
    void fiftyMigrationsUnderInvokeAndSendLoadLoseNothing() throws Exception {
        Operator op = operator();
        Ref srv = serve(op, SERVER, 201, "mig.load");
        var streamToServer = op.kernel().describe(op.spaceGet("mig.load", T));
        int clients = 4, perClient = 2_500, migrations = 50;
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            String name = "c" + c;
            Operator client = pool.newOperator("client-" + c);
            Ref st = client.kernel().materialize(client.session(), streamToServer); // a stream of its own
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int seq = 1; seq <= perClient; seq++) {
                        if (seq % 2 == 0) {
                            Object back = ((Map<?, ?>) client.invoke(st, Map.of("c", name, "seq", seq), null, Duration.ofSeconds(30)).head()).get("seq");
                            if (((Number) back).intValue() != seq) failures.add(name + ": reply " + back + " to " + seq);
                        } else {
                            client.send(st, Map.of("c", name, "seq", seq), null);
                        }
                    }
                } catch (RuntimeException e) {
                    failures.add(name + ": " + e);
                }
            }));
        }
        int moved = 0;
        int[] nodes = {202, 203, 204, 201};
        while (moved < migrations) {
            op.migrate(srv, nodes[moved % 4], T);
            moved++;
        }
        for (Thread t : threads) t.join(120_000);
        done.set(true);
        assertTrue(failures.isEmpty(), failures.toString());
        Map<?, ?> r = report(op, op.spaceGet("mig.load", T));
        assertEquals((long) clients * perClient, r.get("count"), "0 lost, 0 duplicated");
        assertEquals(0L, r.get("nerr"), "0 out of order: " + r.get("errors"));
        assertEquals((long) migrations, r.get("moves"));
        assertEquals((long) nodes[(migrations - 1) % 4], r.get("where"));
    }

    @Test
    void anIncarnationMigratesItself() throws Exception {
        Operator op = operator();
        Ref srv = serve(op, SERVER, 203, "mig.self");
        op.setInterest(srv, "migratedone");
        Ref s = op.spaceGet("mig.self", T);
        assertEquals(203L, ((Map<?, ?>) op.invoke(s, Map.of("op", "go", "to", 201), null, T).head()).get("from"));
        Event e = op.nextEvent(T);
        assertNotNull(e, "MIGRATEDONE raised");
        assertEquals(Event.Type.MIGRATEDONE, e.type());
        assertTrue(e.detail().contains("to node 201"), e.detail());
        assertEquals(201L, report(op, s).get("where"));
    }

    /** Its streams keep their sequence, its port handle and its buffer handle keep working for others. */
    @Test
    void streamsPortHandlesAndBufferHandlesInUseByOthersKeepWorking() {
        Operator op = operator();
        Ref[] sink = op.channel("mig.sink", false);
        String holder = """
                export function init(ctx) {
                  const buf = ctx.buffer(16);
                  ctx.writeBuffer(buf, 0, new Uint8Array([1, 2, 3]));
                  ctx.state = { n: 0, buf };
                  ctx.space.put('mig.buf', buf);
                  ctx.space.put('mig.porth', ctx.hanCreate(ctx.ifaces.in));
                }
                export function onMessage(ctx, port, m) {
                  ctx.send(ctx.iface('out'), { head: { n: ++ctx.state.n, at: ctx.where() } });
                }""";
        var mod = op.module("holder2", holder);
        Ref inc = op.create(mod, 202, null, List.of(Iface.portNew("in", "mig.h.in", null), Iface.stream("out", "mig.sink", null)));
        Ref in = op.spaceGet("mig.h.in", T);
        op.send(in, Map.of("go", 1), null);
        assertEquals(1L, ((Map<?, ?>) op.receive(sink[1], T).head()).get("n"));
        Ref buf = op.spaceGet("mig.buf", T);
        Ref portHandle = op.spaceGet("mig.porth", T);

        op.migrate(inc, 204, T);

        op.send(in, Map.of("go", 2), null);
        Operator.Received r = op.receive(sink[1], T);
        assertEquals(2L, ((Map<?, ?>) r.head()).get("n"));
        assertEquals(204L, ((Map<?, ?>) r.head()).get("at"), "its own stream sends from the new node");
        assertArrayEquals(new byte[] {1, 2, 3}, op.copyFrom(buf, 0, 3), "a buffer handle held by another reaches the moved buffer");
        op.copyTo(buf, 3, new byte[] {4});
        assertArrayEquals(new byte[] {1, 2, 3, 4}, op.copyFrom(buf, 0, 4));
        // A port handle held elsewhere still names its port: a manager attaches a new port in its place.
        Ref[] other = op.channel("mig.other", false);
        op.attach(op.handleOf(other[1]), portHandle, true);
        op.send(in, Map.of("go", 3), null);
        assertNotNull(op.receive(other[1], T), "the channel now reaches the operator's port");
    }

    @Test
    void aNodeThatIsNotAllocatedRefusesAndTheIncarnationStays() {
        Operator op = operator();
        Ref srv = serve(op, SERVER, 201, "mig.refused");
        Ref s = op.spaceGet("mig.refused", T);
        op.send(s, Map.of("c", "a", "seq", 1), null);
        op.setAccepting(203, false);
        try {
            OperationException e = assertThrows(OperationException.class, () -> op.migrate(srv, 203, T));
            assertTrue(e.getMessage().contains("not allocated"), e.getMessage());
        } finally {
            op.setAccepting(203, true);
        }
        op.send(s, Map.of("c", "a", "seq", 2), null);
        Map<?, ?> r = report(op, s);
        assertEquals(201L, r.get("where"));
        assertEquals(2L, r.get("count"));
        assertEquals(Incarnation.State.EXECUTING, op.status(srv).state());
    }

    @Test
    void aRunningHandlerIsWaitedForWithinTheBoundThenTheMigrationFailsCleanly() {
        Operator op = operator();
        Ref srv = serve(op, SERVER, 202, "mig.busy");
        Ref s = op.spaceGet("mig.busy", T);
        op.send(s, Map.of("op", "spin", "ms", 1500), null); // a handler busy for 1.5 s
        // its handler has started (on a loaded machine 100 ms was not always enough)
        CommunicationsTest.waitFor(() -> String.valueOf(op.status(srv).statePreview()).contains("a handler has been running"));
        OperationException e = assertThrows(OperationException.class, () -> op.migrate(srv, 203, Duration.ofMillis(300)));
        assertTrue(e.getMessage().contains("still running"), e.getMessage());
        // The destination, which had prepared for it, is told and keeps nothing.
        long end = System.currentTimeMillis() + 5_000;
        while (pool.kernel(203).arrivalsInProgress() != 0 && System.currentTimeMillis() < end) CommunicationsTest.sleep(10);
        assertEquals(0, pool.kernel(203).arrivalsInProgress(), () -> "an abandoned arrival at node 203: " + pool.kernel(203).arrivals());
        op.send(s, Map.of("c", "a", "seq", 1), null);
        assertEquals(202L, report(op, s).get("where"));
        // Within a longer bound it goes, once the handler returns.
        op.send(s, Map.of("op", "spin", "ms", 300), null);
        CommunicationsTest.sleep(50);
        op.migrate(srv, 203, Duration.ofSeconds(5));
        Map<?, ?> r = report(op, s);
        assertEquals(203L, r.get("where"));
        assertEquals(1L, r.get("count"));
    }

    @Test
    void aFrozenIncarnationMigratesAndStaysFrozen() {
        Operator op = operator();
        Ref srv = serve(op, SERVER, 201, "mig.frozen");
        Ref s = op.spaceGet("mig.frozen", T);
        op.freeze(srv);
        op.send(s, Map.of("c", "a", "seq", 1), null);
        op.flush(s); // queued at the source (acknowledged), so it is the queue that must move
        op.migrate(srv, 204, T);
        assertEquals(Incarnation.State.FROZEN, op.status(srv).state());
        CommunicationsTest.waitFor(() -> op.status(srv).queued() == 1); // its queue moved with it, and it handles nothing
        assertEquals(1, op.status(srv).queued(), "its queue moved with it");
        op.unfreeze(srv, 0);
        Map<?, ?> r = report(op, s);
        assertEquals(204L, r.get("where"));
        assertEquals(1L, r.get("count"));
    }

    @Test
    void stateThatCannotMoveIsRefusedWithItsPath() {
        Operator op = operator();
        String bad = """
                export function init(ctx) { ctx.state = { ok: 1, inner: { cb: function () {} } }; }
                export function onMessage(ctx) { return { head: { at: ctx.where() } }; }""";
        Ref inc = serve(op, bad, 201, "mig.bad");
        OperationException e = assertThrows(OperationException.class, () -> op.migrate(inc, 202, T));
        assertTrue(e.getMessage().contains("state.inner.cb"), e.getMessage());
        assertEquals(201L, ((Map<?, ?>) op.invoke(op.spaceGet("mig.bad", T), Map.of(), null, T).head()).get("at"));
    }

    /** Migrates on another thread; the future holds the migration, or the exception that failed it. */
    static java.util.concurrent.CompletableFuture<Object> migrateAsync(Operator op, Ref inc, int node, Duration within) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return op.migrate(inc, node, within);
            } catch (RuntimeException e) {
                return e;
            }
        });
    }

    /** Starts a handler that spins for {@code ms}, and gives it time to start. */
    static void keepBusy(Operator op, Ref stream, int ms) {
        op.send(stream, Map.of("op", "spin", "ms", ms), null);
        CommunicationsTest.sleep(100);
    }

    /** A destroy while the migration waits for a handler boundary aborts it: nothing is left at D, the caller hears why. */
    @Test
    void destroyDuringAMigrationAbortsIt() throws Exception {
        Operator op = operator();
        Ref srv = serve(op, SERVER, 201, "mig.destroyed");
        Ref s = op.spaceGet("mig.destroyed", T);
        keepBusy(op, s, 800);
        int before = pool.kernel(204).incarnationCount();
        java.util.concurrent.CompletableFuture<Object> migration = migrateAsync(op, srv, 204, Duration.ofSeconds(5));
        CommunicationsTest.sleep(200); // it is waiting for the spinning handler
        assertEquals(Incarnation.State.MIGRATING, op.status(srv).state());
        op.destroy(srv);
        Object outcome = migration.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertInstanceOf(OperationException.class, outcome, "the migration failed: " + outcome);
        assertTrue(((Exception) outcome).getMessage().contains("abort"), ((Exception) outcome).getMessage());
        CommunicationsTest.sleep(200);
        assertEquals(before, pool.kernel(204).incarnationCount(), "nothing was installed at D");
    }

    /** A second migration asked while the first is under way waits for it, then moves the incarnation on. */
    @Test
    void aSecondMigrationWaitsForTheFirst() throws Exception {
        Operator op = operator();
        Ref srv = serve(op, SERVER, 201, "mig.twice");
        Ref s = op.spaceGet("mig.twice", T);
        keepBusy(op, s, 500);
        java.util.concurrent.CompletableFuture<Kernel.Migration> first =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> op.migrate(srv, 202, Duration.ofSeconds(5)));
        CommunicationsTest.sleep(100);
        java.util.concurrent.CompletableFuture<Kernel.Migration> second =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> op.migrate(srv, 203, Duration.ofSeconds(5)));
        for (int i = 1; i <= 50; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        first.get(10, java.util.concurrent.TimeUnit.SECONDS);
        second.get(10, java.util.concurrent.TimeUnit.SECONDS);
        Map<?, ?> r = report(op, s);
        assertEquals(203L, r.get("where"), "the second, applied after the first, decides where it ends");
        assertEquals(2L, r.get("moves"));
        assertEquals(List.of(202L, 203L), r.get("lastMove"), "202 first, then on from there");
        assertEquals(50L, r.get("count"));
        assertEquals(0L, r.get("nerr"), String.valueOf(r.get("errors")));
    }

    /** The module's code goes with the record only to a node that lacks its hash. */
    @Test
    void moduleCodeMovesOnlyWhenTheDestinationLacksIt() {
        Operator op = operator();
        String code = SERVER + "\n// unique " + System.nanoTime();
        Ref srv = serve(op, code, 201, "mig.code");
        Ref s = op.spaceGet("mig.code", T);
        String hash = io.rdc.runtime.kernel.ModuleStore.hashOf(code);
        assertFalse(pool.kernel(204).modules().has(hash), "204 has never seen it");
        long shipped201 = pool.kernel(201).recordsWithCode(), shipped204 = pool.kernel(204).recordsWithCode();
        op.migrate(srv, 204, T);
        assertTrue(pool.kernel(204).modules().has(hash), "the code arrived with the record");
        assertEquals(shipped201 + 1, pool.kernel(201).recordsWithCode(), "201 sent it, 204 lacked it");
        op.migrate(srv, 201, T);
        assertEquals(shipped204, pool.kernel(204).recordsWithCode(), "201 still has it: the record went without code");
        op.send(s, Map.of("c", "a", "seq", 1), null);
        assertEquals(201L, report(op, s).get("where"));
    }

    /**
     * An arrival whose context was readied ahead runs on the thread that readied it (no first use of
     * the context on a new thread), as the incarnation's thread from then on: it keeps serving, in order.
     */
    @Test
    void arrivalsRunOnTheThreadThatReadiedTheirContext() {
        Operator op = operator();
        Ref srv = serve(op, SERVER + "\n// readied " + System.nanoTime(), 201, "mig.readied");
        Ref s = op.spaceGet("mig.readied", T);
        io.rdc.runtime.js.JsHost at202 = (io.rdc.runtime.js.JsHost) pool.kernel(202).launcher();
        io.rdc.runtime.js.JsHost at201 = (io.rdc.runtime.js.JsHost) pool.kernel(201).launcher();
        long before = at202.arrivalsOnReadyingThread() + at201.arrivalsOnReadyingThread();
        int seq = 0;
        for (int i = 0; i < 4; i++) {
            op.migrate(srv, i % 2 == 0 ? 202 : 201, T);
            for (int k = 0; k < 5; k++) op.send(s, Map.of("c", "a", "seq", ++seq), null);
            Map<?, ?> r = report(op, s);
            assertEquals(i % 2 == 0 ? 202L : 201L, r.get("where"));
        }
        // The code was at both nodes after the first move: each later arrival found its context readied at PREPARE.
        assertTrue(at202.arrivalsOnReadyingThread() + at201.arrivalsOnReadyingThread() - before >= 3,
                "arrivals on their readying thread: " + (at202.arrivalsOnReadyingThread() + at201.arrivalsOnReadyingThread() - before));
        Map<?, ?> r = report(op, s);
        assertEquals(20L, ((Number) r.get("count")).longValue());
        assertEquals(0L, ((Number) r.get("nerr")).longValue(), String.valueOf(r.get("errors")));
        Thread t = pool.kernel(201).localIncarnation(op.status(srv).gid()).thread();
        assertTrue(t.getName().startsWith("inc-"), "the incarnation's thread is named as one: " + t.getName());
    }

    /** Large records arrive into reused arrays; one a little smaller than the array it lands in comes out intact. */
    @Test
    void largeRecordsReuseReceiveArraysWithoutMixingThemUp() {
        Operator op = operator();
        String code = """
                export function init(ctx, args) {
                  const f = new Float64Array(args.n);
                  for (let i = 0; i < f.length; i++) f[i] = i * args.seed + 0.25;
                  ctx.state = { f };
                }
                export function onMessage(ctx, port, m) {
                  const f = ctx.state.f;
                  let sum = 0;
                  for (let i = 0; i < f.length; i++) sum += f[i] * ((i % 7) + 1);
                  return { head: { n: f.length, sum, where: ctx.where() } };
                }""";
        io.rdc.runtime.kernel.ModuleStore.Module m = op.module("reuse", code);
        Ref a = op.create(m, 201, Map.of("n", 3 << 17, "seed", 3), List.of(Iface.portNew("in", "mig.reuse.a", null))); // 3 MB
        Ref b = op.create(m, 201, Map.of("n", 2 << 17, "seed", 7), List.of(Iface.portNew("in", "mig.reuse.b", null))); // 2 MB
        Ref sa = op.spaceGet("mig.reuse.a", T), sb = op.spaceGet("mig.reuse.b", T);
        Map<?, ?> a0 = (Map<?, ?>) op.invoke(sa, Map.of(), null, T).head(), b0 = (Map<?, ?>) op.invoke(sb, Map.of(), null, T).head();
        assertEquals(0, pool.kernel(202).receiveBuffersKept(), "no record of a megabyte or more has arrived at 202 before");
        op.migrate(a, 202, T);
        Map<?, ?> a1 = (Map<?, ?>) op.invoke(sa, Map.of(), null, T).head();
        assertEquals(List.of(202L, a0.get("sum")), List.of(a1.get("where"), a1.get("sum")));
        int afterA = pool.kernel(202).receiveBuffersKept();
        assertEquals(1, afterA, "A's receive array was kept once A had decoded its state");
        op.migrate(b, 202, T); // lands in A's larger array, whose tail still holds A's bytes
        Map<?, ?> b1 = (Map<?, ?>) op.invoke(sb, Map.of(), null, T).head();
        assertEquals(List.of(202L, b0.get("n"), b0.get("sum")), List.of(b1.get("where"), b1.get("n"), b1.get("sum")));
        assertEquals(afterA, pool.kernel(202).receiveBuffersKept(), "B reused the kept array rather than adding one");
        op.migrate(a, 201, T);
        op.migrate(a, 202, T);
        Map<?, ?> a2 = (Map<?, ?>) op.invoke(sa, Map.of(), null, T).head();
        assertEquals(List.of(202L, a0.get("sum")), List.of(a2.get("where"), a2.get("sum")));
        op.destroy(a);
        op.destroy(b);
    }
}
