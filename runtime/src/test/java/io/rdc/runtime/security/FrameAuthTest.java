package io.rdc.runtime.security;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Frame MACs, replay refusal and the key file's rules, without a pool. */
class FrameAuthTest {
    static final int SRC = 201, DST = 202;
    final PoolKey key = PoolKey.generate();

    /** A REQUEST-like frame from {@code src}, with its trailer sealed by {@code sealer}, in a buffer of its own. */
    static UnsafeBuffer frame(FrameAuth.Sealer sealer, int src, int op) {
        UnsafeBuffer f = new UnsafeBuffer(new byte[64 + FrameAuth.TRAILER]);
        f.putByte(0, (byte) 4);
        f.putInt(4, src);
        f.putInt(16, op);
        sealer.seal(f, 0, 64, null, 0, 0);
        f.putBytes(64, sealer.trailer, 0, FrameAuth.TRAILER);
        return f;
    }

    @Test
    void aSealedFrameOpensAndAnyChangeOrReplayIsRefused() {
        FrameAuth auth = new FrameAuth(key, true);
        FrameAuth.Sealer s = auth.sealer(SRC, DST);
        FrameAuth.Opener o = auth.opener(DST);
        UnsafeBuffer f = frame(s, SRC, 21);
        assertTrue(o.open(f, 0, f.capacity()));
        assertFalse(o.open(f, 0, f.capacity()), "the same frame again is a replay");
        assertEquals(1, o.count(FrameAuth.Refusal.REPLAY));

        UnsafeBuffer g = frame(s, SRC, 21);
        g.putInt(4, 204); // forged source
        assertFalse(o.open(g, 0, g.capacity()));
        UnsafeBuffer h = frame(s, SRC, 21);
        h.putInt(16, 39); // another operation
        assertFalse(o.open(h, 0, h.capacity()));
        UnsafeBuffer i = frame(s, SRC, 21);
        i.putInt(64, 204); // forged sender in the trailer
        assertFalse(o.open(i, 0, i.capacity()));
        assertEquals(3, o.count(FrameAuth.Refusal.BAD_MAC));
        assertTrue(o.open(frame(s, SRC, 5), 0, 64 + FrameAuth.TRAILER), "a later frame still passes");
        assertFalse(o.open(new UnsafeBuffer(new byte[10]), 0, 10));
        assertEquals(1, o.count(FrameAuth.Refusal.SHORT));
        assertEquals(5, o.refused());
    }

    @Test
    void aFrameForAnotherNodeOrUnderAnotherKeyIsRefused() {
        FrameAuth auth = new FrameAuth(key, true);
        UnsafeBuffer toOther = frame(auth.sealer(SRC, 203), SRC, 21);
        FrameAuth.Opener o = auth.opener(DST);
        assertFalse(o.open(toOther, 0, toOther.capacity()), "sealed for node 203, replayed to 202");
        UnsafeBuffer wrongKey = frame(new FrameAuth(PoolKey.generate(), true).sealer(SRC, DST), SRC, 21);
        assertFalse(o.open(wrongKey, 0, wrongKey.capacity()));
        assertEquals(2, o.count(FrameAuth.Refusal.BAD_MAC));
    }

    @Test
    void aStaleFirstFrameIsRefusedByAReceiverThatNeverHeardTheSource() throws Exception {
        FrameAuth auth = new FrameAuth(key, true);
        FrameAuth.Sealer s = auth.sealer(SRC, DST);
        UnsafeBuffer old = frame(s, SRC, 21);
        // Rewind its sequence far into the past and re-MAC it as the key holder would have then.
        long past = System.currentTimeMillis() * 1_000_000L - auth.maxSkewNs - 1_000_000_000L;
        Hmac mac = new Hmac(key);
        mac.update(old, 0, 64).updateLong(SRC).updateLong(past).updateLong(DST);
        old.putLong(64 + 4, past);
        byte[] tag = new byte[16];
        mac.finish(tag, 0, 16);
        old.putBytes(64 + 12, tag);
        FrameAuth.Opener o = auth.opener(DST);
        assertFalse(o.open(old, 0, old.capacity()));
        assertEquals(1, o.count(FrameAuth.Refusal.STALE));
    }

    @Test
    void sealingAndOpeningDoNotAllocate() {
        FrameAuth auth = new FrameAuth(key, true);
        FrameAuth.Sealer s = auth.sealer(SRC, DST);
        FrameAuth.Opener o = auth.opener(DST);
        UnsafeBuffer f = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(200 + FrameAuth.TRAILER));
        f.putInt(4, SRC);
        for (int i = 0; i < 50_000; i++) roundTrip(s, o, f);
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = t.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 50_000; i++) roundTrip(s, o, f);
        long allocated = t.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 16 * 1024, "50,000 seal+open allocated " + allocated + " bytes");
    }

    private static void roundTrip(FrameAuth.Sealer s, FrameAuth.Opener o, UnsafeBuffer f) {
        s.seal(f, 0, 200, null, 0, 0);
        f.putBytes(200, s.trailer, 0, FrameAuth.TRAILER);
        if (!o.open(f, 0, 200 + FrameAuth.TRAILER)) throw new AssertionError("a sealed frame was refused");
    }

    @Test
    void aKeyFileReadableByOthersIsRefusedAndAnOwnerOnlyOneIsRead(@TempDir Path dir) throws Exception {
        Path file = key.write(dir.resolve("pool.key"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(key, PoolKey.read(file));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        SecurityException e = assertThrows(SecurityException.class, () -> PoolKey.read(file));
        assertTrue(e.getMessage().contains("readable only by its owner"), e.getMessage());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertThrows(SecurityException.class, () -> PoolKey.read(file));
        Path junk = dir.resolve("junk.key");
        Files.writeString(junk, "not hex", java.nio.charset.StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(junk, PosixFilePermissions.fromString("rw-------"));
        assertTrue(assertThrows(SecurityException.class, () -> PoolKey.read(junk)).getMessage().contains("hex digits"));
        Path made = dir.resolve("sub/new.key");
        PoolKey k = PoolKey.readOrCreate(made);
        assertEquals(k, PoolKey.readOrCreate(made), "made once, then read");
    }

    @Test
    void hmacMatchesTheJdk() throws Exception {
        byte[] data = new byte[300];
        new java.util.Random(1).nextBytes(data);
        javax.crypto.Mac jdk = javax.crypto.Mac.getInstance("HmacSHA256");
        jdk.init(new javax.crypto.spec.SecretKeySpec(key.bytes(), "HmacSHA256"));
        byte[] expected = jdk.doFinal(data);
        byte[] ours = new byte[32];
        new Hmac(key).update(new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(300).put(data).flip()), 0, 300).finish(ours, 0, 32);
        assertArrayEquals(expected, ours);
    }
}
