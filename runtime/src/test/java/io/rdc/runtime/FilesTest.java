package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The file service (issue 19, docs/files.md): open files move with the incarnation; paths stay in the RDC's directory. */
class FilesTest extends PoolFixture {
    /**
     * Writes one line per message to its log, flushing every 7th line only, so that most moves carry
     * unflushed lines; 'close' closes it; 'try' opens a path and answers what happened.
     */
    static final String LOGGER = """
            export function init(ctx, args) {
              ctx.state = { log: ctx.files.open(args.file, 'a'), n: 0, restored: 0, moves: 0 };
            }
            export function onMigrated(ctx) { ctx.state.moves++; }
            export function onRestored(ctx) { ctx.state.restored++; }
            export function onMessage(ctx, port, msg) {
              const h = msg.head, s = ctx.state;
              if (h.op === 'line') {
                s.log.write('line ' + h.seq + '\\n');
                s.n++;
                if (h.seq % 7 === 0) s.log.flush();
                return { head: { seq: h.seq } };
              }
              if (h.op === 'tryline') {
                try { s.log.write('line ' + h.seq + '\\n'); return { head: { ok: true } }; }
                catch (e) { return { head: { ok: false, error: String(e.message) } }; }
              }
              if (h.op === 'close') { s.log.close(); return { head: { n: s.n, moves: s.moves, restored: s.restored, where: ctx.where() } }; }
              if (h.op === 'try') {
                try { const f = ctx.files.open(h.path, h.mode); f.write('x'); f.close(); return { head: { ok: true } }; }
                catch (e) { return { head: { ok: false, error: String(e.message) } }; }
              }
              if (h.op === 'readback') {
                const f = ctx.files.open(h.path, 'r');
                const text = f.read();
                f.close();
                return { head: { text } };
              }
            }""";

    /** A logger at {@code node} writing {@code file}, with a port on a channel labelled {@code label}; returns its handle. */
    private static Ref logger(Operator op, int node, String label, String file) {
        var m = op.module("logger", LOGGER);
        return op.create(m, node, Map.of("file", file), List.of(io.rdc.runtime.kernel.Iface.portNew("in", label, null)), false, null);
    }

    /** The RDC's directory of files in the pool's namespace. */
    private Path rdcDir(Operator op) {
        return pool.pool().files().root().resolve("rdc-" + Ids.show(op.session().rdcId));
    }

    private static Map<?, ?> ask(Operator op, Ref s, Map<String, ?> head) {
        return (Map<?, ?>) op.invoke(s, head, null, Duration.ofSeconds(30)).head();
    }

    /**
     * The scenario: an incarnation writes a log line by line while it is migrated 20 times
     * and checkpointed and restored once; the file then holds every line once, in order.
     */
    @Test
    void aLogWrittenThroughTwentyMigrationsAndACheckpointRestoreHoldsEveryLineOnceInOrder() throws Exception {
        Operator op = operator();
        Ref inc = logger(op, 201, "files.log", "logs/run.log");
        Ref s = op.spaceGet("files.log", T);
        int lines = 3000;
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger sent = new AtomicInteger();
        Operator client = pool.newOperator("files-client");
        Ref cs = client.kernel().materialize(client.session(), op.kernel().describe(s));
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                for (int seq = 1; seq <= lines; seq++) {
                    Object back = ((Map<?, ?>) client.invoke(cs, Map.of("op", "line", "seq", seq), null, Duration.ofSeconds(30)).head()).get("seq");
                    if (((Number) back).intValue() != seq) failures.add("reply " + back + " to " + seq);
                    sent.set(seq);
                }
            } catch (RuntimeException e) {
                failures.add(String.valueOf(e));
            }
        });
        int[] nodes = {202, 203, 204, 201};
        for (int i = 0; i < 20; i++) {
            waitForMoreLines(sent, 50);
            op.migrate(inc, nodes[i % 4], T);
            if (i == 9) {
                Path ckpt = pool.pool().checkpoints().path().resolve("files-log.ckpt");
                op.checkpoint(inc, ckpt.toString(), true, T);
                inc = op.restore(ckpt, 203, "logger2");
            }
        }
        writer.join(120_000);
        assertFalse(writer.isAlive(), "the writer finished");
        assertTrue(failures.isEmpty(), failures.toString());
        Map<?, ?> r = ask(op, s, Map.of("op", "close"));
        assertEquals((long) lines, r.get("n"));
        assertEquals(20L, r.get("moves"), "20 migrations, counted in the state through the checkpoint and restore");
        assertEquals(1L, r.get("restored"));
        List<String> got = Files.readAllLines(rdcDir(op).resolve("logs/run.log"), StandardCharsets.UTF_8);
        assertEquals(lines, got.size(), "every line once: no line lost, none written twice");
        for (int i = 0; i < lines; i++) assertEquals("line " + (i + 1), got.get(i), "in order");
    }

    private static void waitForMoreLines(AtomicInteger sent, int more) throws InterruptedException {
        int from = sent.get();
        long end = System.nanoTime() + 10_000_000_000L;
        while (sent.get() < from + more && System.nanoTime() < end) Thread.sleep(1);
    }

    /** Unflushed writes move: written at 201 and not flushed, they are in the file after closing at 202, once. */
    @Test
    void unflushedWritesMoveWithTheIncarnationAndAreWrittenOnce() throws Exception {
        Operator op = operator();
        Ref inc = logger(op, 201, "files.unflushed", "u.log");
        Ref s = op.spaceGet("files.unflushed", T);
        for (int seq = 1; seq <= 3; seq++) ask(op, s, Map.of("op", "line", "seq", seq)); // 3 lines, below the 7th: buffered
        assertEquals(0, Files.size(rdcDir(op).resolve("u.log")), "still buffered in the incarnation");
        op.migrate(inc, 202, T);
        assertEquals(0, Files.size(rdcDir(op).resolve("u.log")), "not written at 201 when it left");
        ask(op, s, Map.of("op", "line", "seq", 4));
        ask(op, s, Map.of("op", "close"));
        assertEquals(List.of("line 1", "line 2", "line 3", "line 4"), Files.readAllLines(rdcDir(op).resolve("u.log")));
    }

    @Test
    void pathsOutsideTheRdcsDirectoryAreRefusedAndNothingIsWritten() throws Exception {
        Operator op = operator();
        logger(op, 202, "files.escape", "ok.log");
        Ref s = op.spaceGet("files.escape", T);
        Path dir = Files.createDirectories(rdcDir(op));
        Path outside = Files.createTempDirectory("rdc-outside");
        Files.createSymbolicLink(dir.resolve("out"), outside);
        Files.createSymbolicLink(dir.resolve("passwd"), Path.of("/etc/passwd"));
        for (String bad : List.of("../x", "../../x", "a/../../x", "/etc/passwd", "/tmp/x", dir.resolve("inside-but-absolute").toString())) {
            Map<?, ?> r = ask(op, s, Map.of("op", "try", "path", bad, "mode", "w"));
            assertEquals(false, r.get("ok"), bad + " must be refused");
            assertTrue(String.valueOf(r.get("error")).contains("is refused"), bad + ": " + r.get("error"));
        }
        for (String viaLink : List.of("out/x", "passwd")) {
            Map<?, ?> r = ask(op, s, Map.of("op", "try", "path", viaLink, "mode", "a"));
            assertEquals(false, r.get("ok"), viaLink + " must be refused");
            assertTrue(String.valueOf(r.get("error")).contains("symbolic link"), viaLink + ": " + r.get("error"));
        }
        try (var list = Files.list(outside)) {
            assertEquals(0, list.count(), "nothing written through the link");
        }
        assertFalse(Files.exists(dir.getParent().resolve("x")));
        assertEquals(true, ask(op, s, Map.of("op", "try", "path", "sub/../fine.txt", "mode", "w")).get("ok"), "'..' that stays inside is allowed");
        assertEquals("x", Files.readString(dir.resolve("fine.txt")));
        Map<?, ?> other = ask(op, s, Map.of("op", "try", "path", "f", "mode", "rw"));
        assertTrue(String.valueOf(other.get("error")).contains("is not one of r, r+, w, w+, a, a+"), String.valueOf(other.get("error")));
    }

    /** A checkpointed file deleted, or of another length, is refused at restore with nothing created; as it was, it restores. */
    @Test
    void aRestoreRefusesAFileDeletedOrChangedSinceTheCheckpoint() throws Exception {
        Operator op = operator();
        Ref inc = logger(op, 202, "files.ck", "ck.log");
        Ref s = op.spaceGet("files.ck", T);
        for (int seq = 1; seq <= 9; seq++) ask(op, s, Map.of("op", "line", "seq", seq)); // 7 flushed, 2 buffered
        Path log = rdcDir(op).resolve("ck.log");
        Path ckpt = pool.pool().checkpoints().path().resolve("files-ck.ckpt");
        op.checkpoint(inc, ckpt.toString(), true, T);
        byte[] asCheckpointed = Files.readAllBytes(log);

        Files.delete(log);
        OperationException gone = assertThrows(OperationException.class, () -> op.restore(ckpt, 203, "back"));
        assertTrue(gone.getMessage().contains("'ck.log'") && gone.getMessage().contains("no longer exists"), gone.getMessage());
        assertTrue(op.kernel().list(op.session().rdcId).stream().noneMatch(l -> l.name().equals("back")), "nothing created");

        Files.write(log, asCheckpointed);
        Files.writeString(log, "written meanwhile\n", java.nio.file.StandardOpenOption.APPEND);
        OperationException changed = assertThrows(OperationException.class, () -> op.restore(ckpt, 203, "back"));
        assertTrue(changed.getMessage().contains("length changed"), changed.getMessage());
        assertTrue(op.kernel().list(op.session().rdcId).stream().noneMatch(l -> l.name().equals("back")), "nothing created");

        Files.write(log, asCheckpointed); // as it was: the restore goes ahead, and the buffered lines are written once
        op.restore(ckpt, 203, "back");
        ask(op, s, Map.of("op", "line", "seq", 10));
        ask(op, s, Map.of("op", "close"));
        List<String> got = Files.readAllLines(log);
        assertEquals(10, got.size(), got.toString());
        for (int i = 0; i < 10; i++) assertEquals("line " + (i + 1), got.get(i));
    }

    /** A fork's child gets its open files closed: two copies writing one buffer at one position would write it twice. */
    @Test
    void aForksChildDoesNotInheritOpenFilesAndTheParentWritesOn() throws Exception {
        Operator op = operator();
        Ref inc = logger(op, 201, "files.fork", "fork.log");
        Ref s = op.spaceGet("files.fork", T);
        ask(op, s, Map.of("op", "line", "seq", 1)); // buffered in the parent when it forks
        Operator.Forked f = op.fork(inc, 202, List.of("in"), "files-child", T);
        Map<?, ?> child = ask(op, f.streams().get("in"), Map.of("op", "tryline", "seq", 99));
        assertEquals(false, child.get("ok"));
        assertTrue(String.valueOf(child.get("error")).contains("not inherited"), String.valueOf(child.get("error")));
        op.destroy(f.child()); // its end writes nothing either
        ask(op, s, Map.of("op", "line", "seq", 2));
        ask(op, s, Map.of("op", "close"));
        assertEquals(List.of("line 1", "line 2"), Files.readAllLines(rdcDir(op).resolve("fork.log")));
    }

    /** A migration to where the file has gone is refused, and the incarnation runs on where it was, its file still open. */
    @Test
    void aMigrationIsRefusedWhenTheFileWasDeletedAndTheIncarnationRunsOn() throws Exception {
        Operator op = operator();
        Ref inc = logger(op, 201, "files.gone", "gone.log");
        Ref s = op.spaceGet("files.gone", T);
        ask(op, s, Map.of("op", "line", "seq", 1));
        Files.delete(rdcDir(op).resolve("gone.log"));
        OperationException e = assertThrows(OperationException.class, () -> op.migrate(inc, 202, T));
        assertTrue(e.getMessage().contains("no longer exists"), e.getMessage());
        assertEquals(201L, ask(op, s, Map.of("op", "close")).get("where"));
    }
}
