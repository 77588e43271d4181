package io.rdc.runtime.util;

/**
 * Bytes of a known length written out on demand, once, in order: a captured state whose bulk is
 * read from the guest's buffers only as it is shipped. {@link #close} releases it unwritten.
 */
public interface ByteSource extends AutoCloseable {
    int length();

    /** Writes every byte to {@code sink} (without finishing it); a source is written at most once. */
    void writeTo(ByteSink sink);

    @Override
    default void close() {}

    /** The whole of it in a new array. */
    default byte[] toBytes() {
        byte[] out = new byte[length()];
        try {
            ByteSink s = ByteSink.into(out);
            writeTo(s);
            if (s.position() != 0) throw new IllegalStateException("wrote a number of bytes other than the " + out.length + " announced");
        } finally {
            close();
        }
        return out;
    }

    static ByteSource of(byte[] bytes) {
        return new ByteSource() {
            @Override
            public int length() {
                return bytes.length;
            }

            @Override
            public void writeTo(ByteSink sink) {
                sink.put(bytes);
            }

            @Override
            public byte[] toBytes() {
                return bytes;
            }
        };
    }
}
