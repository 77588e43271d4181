package io.rdc.runtime.kernel;

/**
 * Reused arrays for kernel records arriving by migration. A record of many megabytes would otherwise
 * cost a new zeroed array per arrival (first-touch page faults when the heap grows, then a G1
 * humongous allocation and its collection). Records under {@link #MIN_POOLED} bytes are allocated
 * as before. At most {@link #KEEP} arrays, of at most {@link #MAX_POOLED} bytes, are kept.
 *
 * <p>An array goes back with {@link #release} only once nothing reads it any more: the arriving
 * incarnation has decoded its state from it (or failed to).
 */
final class RecordBuffers {
    static final int MIN_POOLED = 1 << 20;
    static final int MAX_POOLED = 64 << 20;
    static final int KEEP = 2;

    private final java.util.ArrayDeque<byte[]> free = new java.util.ArrayDeque<>();

    /** An array of at least {@code length} bytes (its contents are not cleared). */
    byte[] take(int length) {
        if (length >= MIN_POOLED && length <= MAX_POOLED) {
            synchronized (free) {
                for (java.util.Iterator<byte[]> it = free.iterator(); it.hasNext(); ) {
                    byte[] b = it.next();
                    // Not far larger than needed: a small record must not pin a huge array.
                    if (b.length >= length && b.length <= 2L * length) {
                        it.remove();
                        return b;
                    }
                }
            }
        }
        return new byte[length];
    }

    /** Gives an array back for reuse; the caller must not touch it afterwards. */
    void release(byte[] b) {
        if (b == null || b.length < MIN_POOLED || b.length > MAX_POOLED) return;
        synchronized (free) {
            for (byte[] f : free) if (f == b) return; // never twice
            if (free.size() >= KEEP) free.pollFirst(); // the oldest goes
            free.addLast(b);
        }
    }

    int kept() {
        synchronized (free) {
            return free.size();
        }
    }
}
