package io.rdc.runtime.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32;
import io.rdc.runtime.security.Hmac;
import io.rdc.runtime.security.PoolKey;

/**
 * A checkpoint on disk (migration to disk, §9.2): one self-describing, versioned file holding the
 * kernel record of an incarnation as a migration ships it — module name, hash and code, reference
 * table, ports and their channels, streams, buffers, event interests, state and interfaces.
 *
 * <pre>
 *   "RDCCKPT\0"  magic, 8 bytes
 *   u32 version  (3)
 *   u32 node     where it was checkpointed (version 3; onRestored's {@code from})
 *   u64 length of the record
 *   record       (Migrator's kernel record)
 *   u32 CRC-32 of the record
 *   32 bytes     HMAC-SHA256 with the pool's key of everything before it
 * </pre>
 * Little-endian. A file with another magic or version, a length that does not match, a bad
 * checksum or a MAC that is not the pool key's is refused before anything is created: the CRC
 * tells accidental damage, the MAC an edit (or another pool's file), since anyone can recompute a
 * CRC but only a key holder the MAC. Version 1 files (no MAC) are refused: they cannot be
 * verified. Version 2 files (no node) are read, with the node unknown (0). Written to a temporary file and renamed, so a crash never leaves half a checkpoint
 * under the name.
 */
public final class CheckpointFile {
    static final byte[] MAGIC = {'R', 'D', 'C', 'C', 'K', 'P', 'T', 0};
    public static final int VERSION = 3;
    private static final int HEADER = 8 + 4 + 4 + 8, HEADER_V2 = 8 + 4 + 8, TRAILER = 4 + Hmac.LENGTH;

    /** What a checkpoint file holds: the kernel record, and the node it was taken at (0 if unknown). */
    public record Contents(byte[] record, int node) {}

    private CheckpointFile() {}

    public static long write(Path file, byte[] record, PoolKey key, int node) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + record.length + TRAILER).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(VERSION).putInt(node).putLong(record.length).put(record);
        CRC32 crc = new CRC32();
        crc.update(record);
        b.putInt((int) crc.getValue());
        new Hmac(key).update(b.array(), 0, b.position()).finish(b.array(), b.position(), Hmac.LENGTH);
        try {
            Path abs = file.toAbsolutePath();
            if (abs.getParent() != null) Files.createDirectories(abs.getParent());
            Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
            Files.write(tmp, b.array());
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new OperationException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
        }
        return b.capacity();
    }

    /** The record in a checkpoint file, or a clear refusal. */
    public static byte[] read(Path file, PoolKey key) {
        return readContents(file, key).record();
    }

    /** The record in a checkpoint file and where it was taken, or a clear refusal. */
    public static Contents readContents(Path file, PoolKey key) {
        byte[] all;
        try {
            all = io.rdc.runtime.util.BoundedFiles.readBytes(file, Integer.MAX_VALUE - 16);
        } catch (IOException e) {
            throw new OperationException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
        if (all.length < HEADER + TRAILER) throw new OperationException(file + " is not a checkpoint (only " + all.length + " bytes)");
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) throw new OperationException(file + " is not an rdc checkpoint (bad magic)");
        int version = b.getInt();
        if (version == 1)
            throw new OperationException(file + " is a checkpoint of version 1, written before checkpoints were signed with the pool's key;"
                    + " it cannot be verified and is refused");
        if (version != VERSION && version != 2)
            throw new OperationException(file + " is a checkpoint of version " + version + "; this rdc reads versions 2 and " + VERSION);
        int header = version == 2 ? HEADER_V2 : HEADER;
        int node = version == 2 ? 0 : b.getInt();
        long len = b.getLong();
        if (len != all.length - header - TRAILER)
            throw new OperationException(file + " is truncated or corrupted: its record should be " + len + " bytes, the file holds "
                    + (all.length - header - TRAILER));
        byte[] record = new byte[(int) len];
        b.get(record);
        CRC32 crc = new CRC32();
        crc.update(record);
        if (b.getInt() != (int) crc.getValue()) throw new OperationException(file + " is corrupted (checksum mismatch)");
        byte[] mac = new byte[Hmac.LENGTH];
        new Hmac(key).update(all, 0, all.length - Hmac.LENGTH).finish(mac, 0, Hmac.LENGTH);
        if (!java.security.MessageDigest.isEqual(mac, java.util.Arrays.copyOfRange(all, all.length - Hmac.LENGTH, all.length)))
            throw new OperationException(file + " is refused: its MAC does not match this pool's key (the file was altered after it was"
                    + " written, or written by another pool)");
        return new Contents(record, node);
    }
}
