package io.rdc.runtime.util;

/**
 * Where bytes go, in order, through one reused array: a producer either copies into it
 * ({@link #put}) or writes straight into {@link #array()} at {@link #position()} and calls
 * {@link #advance}. Each time the array fills, {@link #full} hands its bytes on (a frame to offer,
 * for a migration), so a large state goes from the guest's buffers to Aeron's log through a few
 * cache-resident kilobytes instead of a whole copy of itself.
 */
public abstract class ByteSink {
    private final byte[] array;
    private final int start;
    private int position;

    /** Bytes are written into {@code array} from {@code start} (room before it is for a frame header). */
    protected ByteSink(byte[] array, int start) {
        if (start < 0 || start >= array.length) throw new IllegalArgumentException("no room after start " + start + " in " + array.length + " bytes");
        this.array = array;
        this.start = start;
        this.position = start;
    }

    /** A sink that fills {@code out} and nothing more (a whole copy, for a checkpoint file or a fork). */
    public static ByteSink into(byte[] out) {
        return new ByteSink(out.length == 0 ? new byte[1] : out, 0) {
            private boolean filled;

            @Override
            protected void full(byte[] a, int from, int to) {
                if (filled || a != out) throw new IllegalStateException("more bytes than the " + out.length + " announced");
                filled = true;
            }
        };
    }

    public final byte[] array() {
        return array;
    }

    public final int position() {
        return position;
    }

    /** Room left in the array before it is handed on; always at least 1. */
    public final int remaining() {
        return array.length - position;
    }

    /** {@code n} bytes were written into the array at the position. */
    public final void advance(int n) {
        if (n < 0 || n > remaining()) throw new IndexOutOfBoundsException("advance " + n + " with " + remaining() + " left");
        position += n;
        if (position == array.length) {
            full(array, start, position);
            position = start;
        }
    }

    public final void put(byte[] src, int off, int len) {
        while (len > 0) {
            int n = Math.min(len, remaining());
            System.arraycopy(src, off, array, position, n);
            off += n;
            len -= n;
            advance(n);
        }
    }

    public final void put(byte[] src) {
        put(src, 0, src.length);
    }

    /** Hands on what is left in the array (the last, partly filled one). */
    public final void finish() {
        if (position > start) {
            int to = position;
            position = start;
            full(array, start, to);
        }
    }

    /** The array holds bytes {@code [from, to)} (from = start): send or keep them; the array is then reused. */
    protected abstract void full(byte[] array, int from, int to);
}
