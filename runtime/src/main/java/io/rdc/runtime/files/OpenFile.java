package io.rdc.runtime.files;

import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.security.ConfinedDir;
import io.rdc.runtime.transport.Wire;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A file an incarnation has open (docs/files.md): kept as its path in the RDC's namespace, its
 * mode, its position and the writes not yet written out — never as a descriptor of the node — so
 * that it moves with the incarnation (Sprite's "file reference, caching information and access
 * position") and is reopened by path where it lands, as the linux-kernel seed keeps open files
 * across checkpoint and restore.
 *
 * <p>Writes are buffered here (up to {@link #FLUSH_AT} contiguous bytes) and written out by
 * {@code flush}, {@code close}, a read, a write elsewhere than where the buffer ends, or a full
 * buffer. A migration or checkpoint carries the buffer as it is: the bytes are written once, by
 * whichever copy of the incarnation goes on running.
 *
 * <p>Reopening checks what could make the carried position silently wrong, and refuses it: the
 * file gone (deleted or renamed since), or a length other than it had when it was taken.
 *
 * <p>Used by one thread at a time (the incarnation's); not thread-safe.
 */
public final class OpenFile {
    /** The largest read or write of one call: more is refused (read or write in pieces). */
    public static final int MAX_IO = 16 * 1024 * 1024;
    /** Buffered writes are written out once this many bytes wait. */
    public static final int FLUSH_AT = 64 * 1024;

    private final String path;
    private final String mode;
    private final boolean readable, writable;
    private FileChannel channel;
    private long position;
    /** Writes not yet in the file: {@code pendingLength} bytes that belong at {@code pendingAt}. */
    private byte[] pending;
    private int pendingLength;
    private long pendingAt;
    /** Why it is closed (null while open): closed by its code, or not inherited by a fork's child. */
    private String closed;

    private OpenFile(String path, String mode, FileChannel channel, long position) {
        this.path = path;
        this.mode = mode;
        this.readable = mode.startsWith("r") || mode.endsWith("+");
        this.writable = !mode.equals("r");
        this.channel = channel;
        this.position = position;
    }

    /**
     * Opens {@code path} of {@code dir} in an fopen-like {@code mode}: r (read), r+ (read and write),
     * w / w+ (made or emptied), a / a+ (made if missing, position at its end).
     */
    public static OpenFile open(ConfinedDir dir, String path, String mode, String what) {
        checkMode(mode, what);
        boolean creates = mode.startsWith("w") || mode.startsWith("a");
        Path file = creates ? dir.forWriting(path, what) : dir.forReading(path, what);
        List<OpenOption> opts = options(mode);
        if (creates) opts.add(StandardOpenOption.CREATE);
        if (mode.startsWith("w")) opts.add(StandardOpenOption.TRUNCATE_EXISTING);
        FileChannel ch = openChannel(file, path, opts, what);
        try {
            return new OpenFile(path, mode, ch, mode.startsWith("a") ? ch.size() : 0);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new OperationException(what + ": cannot open '" + path + "': " + e.getMessage(), e);
        }
    }

    private static void checkMode(String mode, String what) {
        switch (mode) {
            case "r", "r+", "w", "w+", "a", "a+" -> { }
            default -> throw new OperationException(what + ": mode '" + mode + "' is not one of r, r+, w, w+, a, a+");
        }
    }

    private static List<OpenOption> options(String mode) {
        List<OpenOption> opts = new ArrayList<>();
        opts.add(LinkOption.NOFOLLOW_LINKS); // a link put in place after the path was checked is not followed
        if (mode.startsWith("r") || mode.endsWith("+")) opts.add(StandardOpenOption.READ);
        if (!mode.equals("r")) opts.add(StandardOpenOption.WRITE);
        return opts;
    }

    private static FileChannel openChannel(Path file, String path, List<OpenOption> opts, String what) {
        try {
            if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) throw new OperationException(what + ": '" + path + "' is a directory");
            return FileChannel.open(file, opts.toArray(OpenOption[]::new));
        } catch (NoSuchFileException e) {
            throw new OperationException(what + ": there is no file '" + path + "' in this RDC's files");
        } catch (IOException e) {
            throw new OperationException(what + ": cannot open '" + path + "': " + e.getMessage(), e);
        }
    }

    public String path() {
        return path;
    }

    public String mode() {
        return mode;
    }

    public long position() {
        return position;
    }

    public boolean isClosed() {
        return closed != null;
    }

    /** Bytes written but not yet in the file. */
    public int unflushed() {
        return pendingLength;
    }

    private void checkOpen() {
        if (closed != null) throw new OperationException("file '" + path + "' is " + closed);
    }

    /** Up to {@code max} bytes from the position (all that is left when {@code max < 0}); fewer at the end, none past it. */
    public byte[] read(long max) {
        checkOpen();
        if (!readable) throw new OperationException("file '" + path + "' was opened with mode '" + mode + "', not for reading");
        flush();
        try {
            long left = Math.max(0, channel.size() - position);
            long want = max < 0 ? left : Math.min(max, left);
            if ((max < 0 ? left : max) > MAX_IO)
                throw new OperationException("a read of " + (max < 0 ? left : max) + " bytes of '" + path + "' is refused: at most " + MAX_IO
                        + " bytes at a time (read it in pieces)");
            byte[] out = new byte[(int) want];
            ByteBuffer b = ByteBuffer.wrap(out);
            while (b.hasRemaining()) {
                int n = channel.read(b, position + b.position());
                if (n < 0) break; // shortened meanwhile by someone else
            }
            position += b.position();
            return b.position() == out.length ? out : java.util.Arrays.copyOf(out, b.position());
        } catch (IOException e) {
            throw new OperationException("cannot read '" + path + "': " + e.getMessage(), e);
        }
    }

    /** Writes {@code length} bytes of {@code data} at the position, buffered (see the class comment). */
    public void write(byte[] data, int offset, int length) {
        checkOpen();
        if (!writable) throw new OperationException("file '" + path + "' was opened with mode 'r', not for writing");
        if (length > MAX_IO) throw new OperationException("a write of " + length + " bytes to '" + path + "' is refused: at most " + MAX_IO
                + " bytes at a time (write it in pieces)");
        if (pendingLength > 0 && position != pendingAt + pendingLength) flush(); // the buffer holds one contiguous run
        if (pendingLength + length > FLUSH_AT) flush();
        if (length >= FLUSH_AT) {
            writeAt(data, offset, length, position);
        } else {
            if (pending == null) pending = new byte[FLUSH_AT];
            if (pendingLength == 0) pendingAt = position;
            System.arraycopy(data, offset, pending, pendingLength, length);
            pendingLength += length;
        }
        position += length;
    }

    /** Writes the buffered bytes out; on failure they stay buffered (nothing is lost) and the caller is told. */
    public void flush() {
        if (pendingLength == 0) return;
        writeAt(pending, 0, pendingLength, pendingAt);
        pendingLength = 0;
    }

    private void writeAt(byte[] data, int offset, int length, long at) {
        try {
            ByteBuffer b = ByteBuffer.wrap(data, offset, length);
            while (b.hasRemaining()) channel.write(b, at + (b.position() - offset));
        } catch (IOException e) {
            throw new OperationException("cannot write '" + path + "': " + e.getMessage(), e);
        }
    }

    /** Moves the position (past the end is allowed: a write there leaves a gap of zeros, as in POSIX). */
    public void seek(long to) {
        checkOpen();
        if (to < 0) throw new OperationException("cannot seek '" + path + "' to " + to + ": positions start at 0");
        position = to;
    }

    /** Its length, counting buffered writes. */
    public long size() {
        checkOpen();
        try {
            return Math.max(channel.size(), pendingLength == 0 ? 0 : pendingAt + pendingLength);
        } catch (IOException e) {
            throw new OperationException("cannot read the length of '" + path + "': " + e.getMessage(), e);
        }
    }

    /** Writes out what is buffered and closes it; if the write fails it stays open, its buffer kept. */
    public void close() {
        if (closed != null) return;
        flush();
        closed = "closed";
        closeQuietly(channel);
        channel = null;
    }

    /**
     * Closes it without writing its buffer: the incarnation lives on elsewhere (migrated, or
     * checkpointed and destroyed), and the copy there writes it.
     */
    public void discard() {
        if (closed != null) return;
        closed = "closed";
        closeQuietly(channel);
        channel = null;
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            if (ch != null) ch.close();
        } catch (IOException ignored) {
            // closing a descriptor: nothing to recover
        }
    }

    // ------------------------------------------------------------------------------------------
    // Moving with the incarnation: written into its record, read back where it lands.

    /**
     * Writes what it is, for a migration or checkpoint: path, mode, position, whether closed, the
     * file's length now (what reopening checks) and the buffered writes.
     */
    public void writeTo(Wire.Writer w) {
        long length = -1;
        if (closed == null) {
            try {
                length = channel.size();
            } catch (IOException e) {
                throw new OperationException("cannot read the length of '" + path + "', so it cannot move: " + e.getMessage(), e);
            }
        }
        w.str(path).str(mode).i64(position).bool(closed != null).i64(length).i64(pendingAt)
                .bytes(pendingLength == 0 ? new byte[0] : java.util.Arrays.copyOf(pending, pendingLength));
    }

    /** How an incarnation's file is brought back: {@link #reopen} or {@link #notInherited}. */
    public enum Arrival { MIGRATED, RESTORED, FORKED }

    /**
     * The file written by {@link #writeTo}, reopened in {@code dir} where the incarnation lands, or
     * a clear refusal when reopening it would be silently wrong: gone, or of another length.
     */
    public static OpenFile reopen(Wire.Reader r, ConfinedDir dir, Arrival how) {
        String path = r.str(), mode = r.str();
        long position = r.i64();
        boolean wasClosed = r.bool();
        long length = r.i64(), pendingAt = r.i64();
        byte[] pending = r.bytes();
        String what = "cannot reopen file '" + path + "'";
        checkMode(mode, what);
        if (pending.length > FLUSH_AT) throw new OperationException(what + ": its record carries " + pending.length
                + " unflushed bytes, more than the " + FLUSH_AT + " a file buffers (a malformed record)");
        if (how == Arrival.FORKED || wasClosed) {
            OpenFile f = new OpenFile(path, mode, null, position);
            f.closed = wasClosed ? "closed" : "closed in a fork's child: open files are not inherited (open it again)";
            return f;
        }
        Path file = dir.forReading(path, what);
        String since = how == Arrival.RESTORED ? "since the checkpoint" : "since the migration began";
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS))
            throw new OperationException(what + ": it no longer exists in " + dir + " (deleted or renamed " + since + "); its position "
                    + position + (pending.length > 0 ? " and " + pending.length + " unflushed bytes" : "") + " cannot be restored");
        FileChannel ch = openChannel(file, path, options(mode), what);
        try {
            long now = ch.size();
            if (now != length)
                throw new OperationException(what + ": its length changed " + since + " (" + length + " bytes then, " + now
                        + " now): reopened at position " + position + " it would read or write the wrong bytes; refused");
        } catch (IOException e) {
            closeQuietly(ch);
            throw new OperationException(what + ": " + e.getMessage(), e);
        } catch (OperationException e) {
            closeQuietly(ch);
            throw e;
        }
        OpenFile f = new OpenFile(path, mode, ch, position);
        if (pending.length > 0) {
            f.pending = new byte[FLUSH_AT];
            System.arraycopy(pending, 0, f.pending, 0, pending.length);
            f.pendingLength = pending.length;
            f.pendingAt = pendingAt;
        }
        return f;
    }
}
