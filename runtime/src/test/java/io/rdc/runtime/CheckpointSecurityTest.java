package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints are confined to the pool's checkpoint directory and signed with the pool's key (issue 20). */
class CheckpointSecurityTest extends PoolFixture {
    @TempDir
    Path outside;

    Path dir() {
        return pool.pool().checkpoints().path();
    }

    @Test
    void pathsOutsideTheCheckpointDirectoryAreRefusedAndNothingIsWritten() throws Exception {
        Operator op = operator();
        Ref srv = serve(op, MigrationTest.SERVER, 202, "cs.paths");
        Path escape = dir().resolve("../../rdc-escape-" + ProcessHandle.current().pid() + ".sh").normalize();
        Path abs = outside.resolve("x.ckpt");
        for (String bad : new String[] {"/etc/x", "../../rdc-escape-" + ProcessHandle.current().pid() + ".sh", abs.toString(), "a/../../b.ckpt", ""}) {
            OperationException e = assertThrows(OperationException.class, () -> op.checkpoint(srv, bad, false, T), bad);
            assertTrue(bad.isEmpty() ? e.getMessage().contains("no checkpoint file") : e.getMessage().contains("confined to " + dir()), e.getMessage());
        }
        assertFalse(Files.exists(escape), "nothing written where '..' led");
        assertFalse(Files.exists(abs), "nothing written at an absolute path outside");
        assertFalse(Files.exists(Path.of("/etc/x")));
        // A symbolic link inside that leads out is refused as well.
        Files.createDirectories(dir());
        Path link = dir().resolve("out-" + ProcessHandle.current().pid());
        Files.createSymbolicLink(link, outside);
        try {
            OperationException e = assertThrows(OperationException.class, () -> op.checkpoint(srv, link.getFileName() + "/y.ckpt", false, T));
            assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
            assertFalse(Files.exists(outside.resolve("y.ckpt")));
        } finally {
            Files.delete(link);
        }
        // The incarnation is untouched and a relative path lands in the directory.
        assertEquals(202L, MigrationTest.report(op, op.spaceGet("cs.paths", T)).get("where"));
        long bytes = op.checkpoint(srv, "sub/ok.ckpt", false, T);
        assertEquals(Files.size(dir().resolve("sub/ok.ckpt")), bytes);
    }

    @Test
    void anEditedCheckpointWithARecomputedCrcIsRefused() throws Exception {
        Operator op = operator();
        Ref srv = serve(op, MigrationTest.SERVER, 201, "cs.edit");
        op.checkpoint(srv, "edit.ckpt", true, T);
        byte[] good = Files.readAllBytes(dir().resolve("edit.ckpt"));
        int before = op.kernel().list(0).size();
        // Every single-byte edit of the record, with its CRC recomputed, is refused (the issue found 51 of 60 accepted).
        int len = (int) ByteBuffer.wrap(good, RECORD - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        int refused = 0, tries = 0;
        for (int at = RECORD; at < RECORD + len; at += Math.max(1, len / 60)) {
            byte[] bad = good.clone();
            bad[at] ^= 0x01;
            recomputeCrc(bad, len);
            Files.write(dir().resolve("edited.ckpt"), bad);
            tries++;
            OperationException e = assertThrows(OperationException.class, () -> op.restore(Path.of("edited.ckpt"), 203, null));
            assertTrue(e.getMessage().contains("MAC does not match"), e.getMessage());
            refused++;
        }
        assertEquals(tries, refused);
        // The attack of the issue: the module's code replaced in the record.
        String text = new String(good, StandardCharsets.ISO_8859_1);
        int code = text.indexOf("export function");
        assertTrue(code > 0, "the record carries the module's code");
        byte[] swapped = good.clone();
        byte[] evil = "export function onMessage(ctx){return 'pwned'}//".getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(evil, 0, swapped, code, evil.length);
        recomputeCrc(swapped, len);
        Files.write(dir().resolve("swapped.ckpt"), swapped);
        assertThrows(OperationException.class, () -> op.restore(Path.of("swapped.ckpt"), 203, null));
        assertEquals(before, op.kernel().list(0).size(), "nothing was created");
        // A file signed by another pool's key is refused too; the untouched one restores.
        try (var other = io.rdc.runtime.pool.EmbeddedPool.start(io.rdc.runtime.pool.PoolConfig.ofNodes(2).withCheckpointDir(dir()))) {
            var e = assertThrows(OperationException.class, () -> other.newOperator().restore(Path.of("edit.ckpt"), 201, null));
            assertTrue(e.getMessage().contains("another pool"), e.getMessage());
        }
        Ref back = op.restore(Path.of("edit.ckpt"), 203, "back");
        assertEquals("back", op.status(back).name());
        // Restore reads only inside the directory as well.
        assertTrue(assertThrows(OperationException.class, () -> op.restore(Path.of("/etc/passwd"), 203, null)).getMessage().contains("confined"));
    }

    /** Where a (version 3) checkpoint file's record starts: magic, version, node, length. */
    static final int RECORD = 8 + 4 + 4 + 8;

    private static void recomputeCrc(byte[] file, int len) {
        CRC32 crc = new CRC32();
        crc.update(file, RECORD, len);
        ByteBuffer.wrap(file, RECORD + len, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
    }
}
