package io.rdc.runtime.util;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ByteSinkTest {
    /** Frames of 10 bytes after a 3-byte header: puts of every size come out in order, all frames full but the last. */
    @Test void putsComeOutInOrderInFullFrames() {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        List<Integer> sizes = new ArrayList<>();
        ByteSink sink = new ByteSink(new byte[13], 3) {
            @Override
            protected void full(byte[] a, int from, int to) {
                assertEquals(3, from);
                sizes.add(to - from);
                got.write(a, from, to - from);
            }
        };
        byte[] data = new byte[97];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7 + 1);
        int at = 0;
        for (int n : new int[] {0, 1, 9, 10, 11, 23, 2, 41}) {
            sink.put(data, at, n);
            at += n;
        }
        // written in place, as a codec reading a buffer does
        int left = data.length - at;
        while (left > 0) {
            int n = Math.min(left, sink.remaining());
            System.arraycopy(data, at, sink.array(), sink.position(), n);
            sink.advance(n);
            at += n;
            left -= n;
        }
        sink.finish();
        sink.finish(); // nothing more to hand on
        assertArrayEquals(data, got.toByteArray());
        assertEquals(List.of(10, 10, 10, 10, 10, 10, 10, 10, 10, 7), sizes);
        assertThrows(IndexOutOfBoundsException.class, () -> sink.advance(11));
    }

    @Test void toBytesChecksTheAnnouncedLength() {
        byte[] b = {1, 2, 3};
        assertArrayEquals(b, ByteSource.of(b).toBytes());
        assertThrows(IllegalStateException.class, () -> announcing(4, b).toBytes(), "fewer bytes than announced");
        assertThrows(IllegalStateException.class, () -> announcing(2, b).toBytes(), "more bytes than announced");
        ByteSource empty = announcing(0, new byte[0]);
        assertEquals(0, empty.toBytes().length);
    }

    /** A source that announces {@code length} bytes and writes {@code bytes}. */
    private static ByteSource announcing(int length, byte[] bytes) {
        return new ByteSource() {
            public int length() {
                return length;
            }

            public void writeTo(ByteSink sink) {
                sink.put(bytes);
            }
        };
    }
}
