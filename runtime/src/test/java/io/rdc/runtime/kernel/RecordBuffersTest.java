package io.rdc.runtime.kernel;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RecordBuffersTest {
    @Test
    void aReleasedArrayIsReusedForARecordItFits() {
        RecordBuffers p = new RecordBuffers();
        byte[] a = p.take(3 << 20);
        assertEquals(3 << 20, a.length);
        p.release(a);
        assertSame(a, p.take(2 << 20), "3 MB serves a 2 MB record");
        assertEquals(0, p.kept(), "taken out of the pool");
    }

    @Test
    void smallRecordsAndFarLargerArraysAreNotPooled() {
        RecordBuffers p = new RecordBuffers();
        byte[] small = p.take(64 << 10);
        p.release(small);
        assertEquals(0, p.kept(), "under a megabyte: allocated, never kept");
        byte[] big = p.take(8 << 20);
        p.release(big);
        byte[] forSmaller = p.take(1 << 20);
        assertNotSame(big, forSmaller, "an 8 MB array is not pinned by a 1 MB record");
        assertEquals(1 << 20, forSmaller.length);
        assertEquals(1, p.kept());
    }

    @Test
    void keepsAtMostTwoAndNeverTheSameArrayTwice() {
        RecordBuffers p = new RecordBuffers();
        byte[] a = new byte[2 << 20], b = new byte[2 << 20], c = new byte[2 << 20];
        p.release(a);
        p.release(a);
        assertEquals(1, p.kept(), "a second release of the same array is ignored");
        p.release(b);
        p.release(c);
        assertEquals(RecordBuffers.KEEP, p.kept());
        byte[] x = p.take(2 << 20), y = p.take(2 << 20);
        assertNotSame(x, y);
        assertFalse(x == a || y == a, "the oldest went when the pool was full");
    }
}
