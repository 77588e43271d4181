package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checkpoint and restore (migration to disk, §9.2) and fork (§5.3). */
class CheckpointForkTest extends PoolFixture {
    /** The pool's checkpoint directory: checkpoints are confined to it. */
    Path dir;

    @org.junit.jupiter.api.BeforeEach
    void checkpointDir() {
        dir = pool.pool().checkpoints().path();
    }

    static final String SERVER = MigrationTest.SERVER + """

            export function onRestored(ctx, from, to) { ctx.state.restored = true; ctx.state.lastMove = { restoredFrom: from, to }; }
            export function onForked(ctx, parent) { ctx.state.child = true; ctx.state.count = ctx.state.count; }""";

    static Map<?, ?> report(Operator op, Ref s) {
        return MigrationTest.report(op, s);
    }

    @Test
    void checkpointDestroyRestoreElsewhereDeliversWhatQueuedMeanwhile() throws Exception {
        Operator op = operator();
        Ref srv = serve(op, SERVER, 202, "ck.srv"); // not the operator's node: onRestored must name where it was checkpointed
        Ref s = op.spaceGet("ck.srv", T);
        for (int i = 1; i <= 100; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        Path file = dir.resolve("srv.ckpt");
        long bytes = op.checkpoint(srv, file.toString(), true, T);
        assertEquals(Files.size(file), bytes);
        // Gone, but its port stays and queues: clients carry on sending meanwhile.
        assertTrue(op.kernel().list(op.session().rdcId).stream().noneMatch(l -> l.gid() == op.incarnationId(srv)));
        for (int i = 101; i <= 200; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        op.flush(s);

        Ref back = op.restore(file, 203, "srv2");
        for (int i = 201; i <= 300; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        Map<?, ?> r = report(op, s);
        assertEquals(203L, r.get("where"));
        assertEquals(300L, r.get("count"), "before, meanwhile and after: each message once");
        assertEquals(0L, r.get("nerr"), String.valueOf(r.get("errors")));
        assertEquals("srv2", op.status(back).name());
        assertEquals(2.5, r.get("blob"), "typed-array state restored");
        assertEquals(Map.of("restoredFrom", 202L, "to", 203L), r.get("lastMove"), "onRestored(ctx, from, to): from is the node it was checkpointed at");
    }

    /** A server at 202 under {@code label} that got messages 1–10, then checkpointed to LABEL.ckpt and destroyed; returns the stream to it. */
    private Ref tenSentAndCheckpointed(Operator op, String label) {
        Ref srv = serve(op, SERVER, 202, label);
        Ref s = op.spaceGet(label, T);
        for (int i = 1; i <= 10; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        op.checkpoint(srv, dir.resolve(label + ".ckpt").toString(), true, T);
        return s;
    }

    /** A checkpoint of the previous version (2: no node in its header), signed with the pool's key, still restores. */
    @Test
    void aVersionTwoCheckpointStillRestores() throws Exception {
        Operator op = operator();
        Ref s = tenSentAndCheckpointed(op, "ck.v2");
        var key = pool.pool().key();
        byte[] record = io.rdc.runtime.kernel.CheckpointFile.read(dir.resolve("ck.v2.ckpt"), key);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 4 + 8 + record.length + 4 + io.rdc.runtime.security.Hmac.LENGTH)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(record);
        b.put("RDCCKPT\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(2).putLong(record.length).put(record).putInt((int) crc.getValue());
        new io.rdc.runtime.security.Hmac(key).update(b.array(), 0, b.position()).finish(b.array(), b.position(), io.rdc.runtime.security.Hmac.LENGTH);
        Path v2 = dir.resolve("v2.ckpt");
        Files.write(v2, b.array());
        op.restore(v2, 203, "v2-restored");
        Map<?, ?> r = report(op, s);
        assertEquals(10L, r.get("count"));
        assertEquals(203L, r.get("where"));
    }

    @Test
    void aRestoreWarnsWhenTheModulesCodeChangedSinceTheCheckpointAndStillProceeds() throws Exception {
        Operator op = operator();
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        op.onWarning(warnings::add);
        String v1 = "export function init(ctx) { ctx.state = { n: 41 }; }\nexport function onMessage(ctx, p, m) { return { head: { v: 1, n: ++ctx.state.n } }; }";
        var module = op.module("versioned", v1);
        Ref srv = op.create(module, 202, null, List.of(io.rdc.runtime.kernel.Iface.portNew("in", "ck.versioned", null)));
        Ref s = op.spaceGet("ck.versioned", T);
        Path same = dir.resolve("versioned-same.ckpt"), changed = dir.resolve("versioned-changed.ckpt");
        op.checkpoint(srv, same.toString(), true, T);
        Ref unchanged = op.restore(same, 203, "same");
        assertEquals(List.of(), warnings, "the same code: no warning");

        op.checkpoint(unchanged, changed.toString(), true, T);
        op.module("versioned", v1.replace("v: 1", "v: 2")); // the RDC now declares other code under the name
        Ref back = op.restore(changed, 203, "changed");
        assertEquals(1, warnings.size(), warnings.toString());
        String w = warnings.getFirst();
        assertTrue(w.contains("module 'versioned' has changed since the checkpoint") && w.contains("runs the checkpoint's code"), w);
        Map<?, ?> answer = (Map<?, ?>) op.invoke(s, Map.of(), null, T).head();
        assertEquals(Map.of("v", 1L, "n", 42L), answer, "the restore proceeded: the checkpoint's code on the checkpoint's state");
        assertEquals("changed", op.status(back).name());
    }

    @Test
    void aRestoreWhoseInstallFailsLeavesNothingAtTheNodeAndTheGoodFileStillRestores() throws Exception {
        Operator op = operator();
        Ref s = tenSentAndCheckpointed(op, "ck.leak");
        Path file = dir.resolve("ck.leak.ckpt");
        var key = pool.pool().key();
        byte[] record = io.rdc.runtime.kernel.CheckpointFile.read(file, key);
        // Its last fields are the counts of stream-space ports it holds, of its dependencies, of its
        // children and of what it watches (none of each): make the first name a port its table lacks.
        // The file is signed with the pool's key, so only the node's INSTALL can find the fault.
        assertEquals(0, java.nio.ByteBuffer.wrap(record, record.length - 16, 8).getLong() | java.nio.ByteBuffer.wrap(record, record.length - 8, 8).getLong(),
                "the record ends with an empty label table, no dependencies, no children and nothing watched");
        byte[] tail = new io.rdc.runtime.transport.Wire.Writer(32).i32(1).str("ck.leak").i32(999).i32(0).i32(0).i32(0).toBytes();
        byte[] bad = java.util.Arrays.copyOf(record, record.length - 16 + tail.length);
        System.arraycopy(tail, 0, bad, record.length - 16, tail.length);
        Path badFile = dir.resolve("leak-bad.ckpt");
        io.rdc.runtime.kernel.CheckpointFile.write(badFile, bad, key, 202);
        int before = op.kernel().list(0).size();

        OperationException e = assertThrows(OperationException.class, () -> op.restore(badFile, 203, "leaky"));
        assertTrue(e.getMessage().contains("corrupt record"), e.getMessage());
        assertEquals(0, pool.kernel(203).arrivalsInProgress(), "the failed install was aborted at the node");
        assertEquals(before, op.kernel().list(0).size(), "nothing was created");
        // What it half-made released the port's claim: the good file restores, with every message queued meanwhile.
        Ref back = op.restore(file, 203, "srv-ok");
        Map<?, ?> r = report(op, s);
        assertEquals(203L, r.get("where"));
        assertEquals(10L, r.get("count"));
        assertEquals("srv-ok", op.status(back).name());
    }

    @Test
    void aCorruptTruncatedOrWrongVersionFileIsRefusedAndNothingIsCreated() throws Exception {
        Operator op = operator();
        Ref srv = serve(op, SERVER, 202, "ck.bad");
        Path file = dir.resolve("good.ckpt");
        op.checkpoint(srv, file.toString(), false, T);
        byte[] good = Files.readAllBytes(file);
        int before = op.kernel().list(0).size();

        byte[] corrupt = good.clone();
        corrupt[good.length / 2] ^= 0x55;
        Files.write(dir.resolve("corrupt.ckpt"), corrupt);
        Files.write(dir.resolve("short.ckpt"), java.util.Arrays.copyOf(good, good.length - 10));
        byte[] v9 = good.clone();
        v9[8] = 9;
        Files.write(dir.resolve("v9.ckpt"), v9);
        Files.writeString(dir.resolve("text.ckpt"), "hello");

        assertTrue(assertThrows(OperationException.class, () -> op.restore(dir.resolve("corrupt.ckpt"), 203, null)).getMessage().contains("checksum"));
        assertTrue(assertThrows(OperationException.class, () -> op.restore(dir.resolve("short.ckpt"), 203, null)).getMessage().contains("truncated"));
        assertTrue(assertThrows(OperationException.class, () -> op.restore(dir.resolve("v9.ckpt"), 203, null)).getMessage().contains("version 9"));
        assertTrue(assertThrows(OperationException.class, () -> op.restore(dir.resolve("text.ckpt"), 203, null)).getMessage().contains("not"));
        // The original still runs and holds its port: a restore would steal it, so it is refused too.
        OperationException e = assertThrows(OperationException.class, () -> op.restore(file, 203, null));
        assertTrue(e.getMessage().contains("still running"), e.getMessage());
        assertEquals(before, op.kernel().list(0).size(), "nothing was half-created");
        assertEquals(202L, report(op, op.spaceGet("ck.bad", T)).get("where"));
    }

    /** Fork, then rebind half the clients to the child: both serve, each client's sequence intact. */
    @Test
    void forkThenRebindHalfTheClientsToTheChild() {
        Operator op = operator();
        Ref srv = serve(op, SERVER, 201, "fk.srv");
        var desc = op.kernel().describe(op.spaceGet("fk.srv", T));
        Ref[] clients = new Ref[4];
        for (int c = 0; c < 4; c++) clients[c] = op.kernel().materialize(op.session(), desc);
        for (int c = 0; c < 4; c++) for (int i = 1; i <= 50; i++) op.send(clients[c], Map.of("c", "c" + c, "seq", i), null);
        for (Ref c : clients) op.flush(c);
        Operator.Forked f = op.fork(srv, 202, List.of("in"), "fk.child", T);
        Ref toChild = f.streams().get("in");
        assertNotNull(toChild, "a stream to the child's copy of the listed port");
        assertEquals(202, op.status(f.child()).node());
        Map<?, ?> childAtFork = report(op, toChild);
        assertEquals(200L, childAtFork.get("count"), "the child starts from the parent's state");
        assertEquals(true, ((Map<?, ?>) op.invoke(toChild, Map.of("op", "report"), null, T).head()).containsKey("count"));

        // Rebind clients 2 and 3 to the child (the parent keeps what they sent before).
        for (int c = 2; c < 4; c++) op.rebind(clients[c], toChild, null);
        for (int c = 0; c < 4; c++) for (int i = 51; i <= 100; i++) op.send(clients[c], Map.of("c", "c" + c, "seq", i), null);
        Map<?, ?> parent = report(op, clients[0]);
        Map<?, ?> child = report(op, toChild);
        assertEquals(200L + 100, parent.get("count"), "the parent got the rest from clients 0 and 1");
        assertEquals(200L + 100, child.get("count"), "the child got the rest from clients 2 and 3");
        assertEquals(0L, parent.get("nerr"), String.valueOf(parent.get("errors")));
        assertEquals(0L, child.get("nerr"), String.valueOf(child.get("errors")));
        assertEquals(201L, parent.get("where"));
        assertEquals(202L, child.get("where"));
    }

    @Test
    void anIncarnationForksItselfAndTheChildKnowsIt() {
        Operator op = operator();
        String code = """
                export function init(ctx) { ctx.state = { n: 7, child: false }; }
                export function onForked(ctx, parent) { ctx.state.child = true; ctx.state.parentKind = parent.kind; }
                export function onMessage(ctx, port, m) {
                  if (m.head.op === 'fork') {
                    const f = ctx.fork(204, [port]);
                    ctx.state.kid = f.child;
                    ctx.send(f.streams.in, { head: { op: 'hello' } });
                    return { head: { forked: true } };
                  }
                  if (m.head.op === 'hello') { ctx.state.hellos = (ctx.state.hellos ?? 0) + 1; return; }
                  return { head: { n: ctx.state.n, child: ctx.state.child, parentKind: ctx.state.parentKind ?? null,
                                   hellos: ctx.state.hellos ?? 0, at: ctx.where() } };
                }""";
        serve(op, code, 203, "fk.self");
        Ref s = op.spaceGet("fk.self", T);
        assertEquals(true, ((Map<?, ?>) op.invoke(s, Map.of("op", "fork"), null, T).head()).get("forked"));
        Map<?, ?> parent = (Map<?, ?>) op.invoke(s, Map.of("op", "report"), null, T).head();
        assertEquals(false, parent.get("child"));
        assertEquals(203L, parent.get("at"));
        List<String> names = op.kernel().list(op.session().rdcId).stream().map(l -> l.name() + "@" + l.node()).toList();
        assertTrue(names.stream().anyMatch(n -> n.endsWith("-fork@204")), names.toString());
    }
}
