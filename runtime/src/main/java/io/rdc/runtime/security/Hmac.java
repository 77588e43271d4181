package io.rdc.runtime.security;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.agrona.DirectBuffer;

/**
 * HMAC-SHA256 (RFC 2104) over {@link MessageDigest} directly, so that a MAC allocates nothing:
 * {@code javax.crypto.Mac.doFinal} returns a new array per call, and this runs once per frame.
 * SHA-256 is an intrinsic on x86 (SHA-NI) and AArch64. Not thread-safe: one per thread or per lock.
 */
public final class Hmac {
    private static final int BLOCK = 64;
    public static final int LENGTH = 32;
    private final MessageDigest inner, outer;
    private final byte[] ipad = new byte[BLOCK], opad = new byte[BLOCK];
    private final byte[] digest = new byte[LENGTH];
    /** Where bytes of off-heap buffers are copied to before hashing (MessageDigest wants arrays). */
    private final byte[] scratch = new byte[4096];

    public Hmac(PoolKey key) {
        this(key.bytes());
    }

    Hmac(byte[] key) {
        try {
            inner = MessageDigest.getInstance("SHA-256");
            outer = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        rekey(key.length > BLOCK ? inner.digest(key) : key);
        java.util.Arrays.fill(key, (byte) 0);
    }

    /**
     * The next MACs are under {@code key} (at most 64 bytes; the caller keeps it): one instance serves
     * many keys without allocating (a node's kernel thread checks every operator session's requests
     * with one). Begins a new MAC.
     */
    Hmac rekey(byte[] key) {
        if (key.length > BLOCK) throw new IllegalArgumentException("an HMAC key of " + key.length + " bytes (at most " + BLOCK + " here)");
        for (int i = 0; i < BLOCK; i++) {
            byte b = i < key.length ? key[i] : 0;
            ipad[i] = (byte) (b ^ 0x36);
            opad[i] = (byte) (b ^ 0x5c);
        }
        return start();
    }

    /** An instance for keys given per MAC ({@link #rekey}). */
    Hmac() {
        this(new byte[0]);
    }

    /** Begins a new MAC (also done by {@link #finish}). */
    public Hmac start() {
        inner.reset();
        inner.update(ipad);
        return this;
    }

    public Hmac update(byte[] b, int off, int len) {
        inner.update(b, off, len);
        return this;
    }

    public Hmac update(DirectBuffer b, int off, int len) {
        byte[] array = b.byteArray();
        if (array != null) {
            inner.update(array, (int) b.wrapAdjustment() + off, len);
            return this;
        }
        while (len > 0) {
            int n = Math.min(len, scratch.length);
            b.getBytes(off, scratch, 0, n);
            inner.update(scratch, 0, n);
            off += n;
            len -= n;
        }
        return this;
    }

    public Hmac updateLong(long v) {
        for (int i = 0; i < 8; i++) scratch[i] = (byte) (v >>> (8 * i));
        inner.update(scratch, 0, 8);
        return this;
    }

    /** Ends the MAC; its first {@code len} bytes (at most 32) go to {@code out}; then starts the next. */
    public void finish(byte[] out, int outOff, int len) {
        try {
            inner.digest(digest, 0, LENGTH);
            outer.reset();
            outer.update(opad);
            outer.update(digest, 0, LENGTH);
            outer.digest(digest, 0, LENGTH);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        System.arraycopy(digest, 0, out, outOff, len);
        start();
    }

    /** Ends the MAC and compares its first {@code len} bytes with {@code b} at {@code off}, in time independent of where they differ. */
    public boolean finishAndCheck(DirectBuffer b, int off, int len) {
        byte[] tag = scratch; // finish leaves scratch free
        finish(tag, 0, len);
        int diff = 0;
        for (int i = 0; i < len; i++) diff |= tag[i] ^ b.getByte(off + i);
        return diff == 0;
    }
}
