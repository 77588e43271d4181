package io.rdc.runtime.transport;

import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * Sequential writer/reader of the migration record's own format (kernel.MigrationRecord, and the
 * checkpoint files that hold a record; docs/migration.md says why it is not an SBE message).
 * Messages between kernels are not written with it: their layouts are the SBE schema
 * src/main/sbe/rdc-kernel.xml (kernel.KernelCodec), and the hot data frames use {@link Frames}.
 */
public final class Wire {
    private Wire() {}

    /** Appends fields to an expandable buffer. Reusable: call {@link #reset()}. */
    public static final class Writer implements Payload {
        private final ExpandableArrayBuffer buf;
        private int pos;

        public Writer() {
            this(256);
        }

        public Writer(int initial) {
            buf = new ExpandableArrayBuffer(initial);
        }

        public Writer reset() {
            pos = 0;
            return this;
        }

        public Writer i8(int v) {
            buf.putByte(pos, (byte) v);
            pos += 1;
            return this;
        }

        public Writer i32(int v) {
            buf.putInt(pos, v);
            pos += 4;
            return this;
        }

        public Writer i64(long v) {
            buf.putLong(pos, v);
            pos += 8;
            return this;
        }

        public Writer bool(boolean v) {
            return i8(v ? 1 : 0);
        }

        public Writer str(String s) {
            if (s == null) return i32(-1);
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return bytes(b);
        }

        public Writer bytes(byte[] b) {
            if (b == null) return i32(-1);
            i32(b.length);
            buf.putBytes(pos, b);
            pos += b.length;
            return this;
        }

        public ExpandableArrayBuffer buffer() {
            return buf;
        }

        public int length() {
            return pos;
        }

        public byte[] toBytes() {
            byte[] out = new byte[pos];
            buf.getBytes(0, out);
            return out;
        }
    }

    /** Reads fields in the order they were written; bounds-checked so a corrupt payload fails cleanly. */
    public static final class Reader {
        private final DirectBuffer buf;
        private int pos;
        private final int end;

        public Reader(DirectBuffer buf, int offset, int length) {
            this.buf = buf;
            this.pos = offset;
            this.end = offset + length;
        }

        public Reader(byte[] bytes) {
            this(new org.agrona.concurrent.UnsafeBuffer(bytes), 0, bytes.length);
        }

        private void need(int n) {
            if (n < 0 || n > end - pos) throw new IllegalArgumentException("truncated kernel message payload"); // no int overflow
        }

        public int i8() {
            need(1);
            return buf.getByte(pos++);
        }

        public int i32() {
            need(4);
            int v = buf.getInt(pos);
            pos += 4;
            return v;
        }

        /** The next i32 (a length prefix, say), without consuming it. */
        public int peekI32() {
            need(4);
            return buf.getInt(pos);
        }

        public long i64() {
            need(8);
            long v = buf.getLong(pos);
            pos += 8;
            return v;
        }

        public boolean bool() {
            return i8() != 0;
        }

        public String str() {
            byte[] b = bytes();
            return b == null ? null : new String(b, StandardCharsets.UTF_8);
        }

        public byte[] bytes() {
            int n = i32();
            if (n == -1) return null;
            need(n);
            byte[] b = new byte[n];
            buf.getBytes(pos, b);
            pos += n;
            return b;
        }

        /** Reads a length-prefixed byte field straight into {@code dst} at {@code at}; returns its length. */
        public int bytesInto(byte[] dst, int at) {
            int n = i32();
            need(n);
            if (at < 0 || at + n > dst.length) throw new IllegalArgumentException("byte field of " + n + " does not fit at " + at);
            buf.getBytes(pos, dst, at, n);
            pos += n;
            return n;
        }

        /** Skips a length-prefixed byte field, returning {offset, length} of its contents (no copy). */
        public int[] skipBytes() {
            int n = i32();
            need(n);
            int at = pos;
            pos += n;
            return new int[] {at, n};
        }

        public boolean hasMore() {
            return pos < end;
        }

        /** Bytes left to read: what a length claim must be checked against before anything is allocated. */
        public int remaining() {
            return end - pos;
        }
    }
}
