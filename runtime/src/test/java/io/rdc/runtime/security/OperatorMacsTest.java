package io.rdc.runtime.security;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.security.KeyPair;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * MAC keys per operator session and node (docs/security.md, "Operator tokens"), without a pool: the
 * session and the node compute the same key from their own private halves; a tag for one node fails
 * at another, and under a key agreed from another session key; a key handed out by one node is not
 * taken as another's; sealing and checking allocate nothing. The pool-level behaviour is
 * {@code kernel.OperatorTokenTest}'s.
 */
class OperatorMacsTest {
    static final int NODE = 203, OTHER = 202;

    @Test
    void sessionAndNodeAgreeTheSameKeyAndOnlyTheirs() {
        KeyPair session = OperatorMacs.newKeyPair();
        OperatorMacs.NodeKey node = new OperatorMacs.NodeKey(), other = new OperatorMacs.NodeKey();
        byte[] sessionPublic = session.getPublic().getEncoded();
        byte[] atSession = OperatorMacs.macKey(session.getPrivate(), OperatorMacs.publicKeyOrNull(node.publicKey()), sessionPublic, node.publicKey(), NODE);
        byte[] atNode = OperatorMacs.macKey(node.privateKey, session.getPublic(), sessionPublic, node.publicKey(), NODE);
        assertArrayEquals(atSession, atNode, "both sides compute the same key");
        byte[] withOther = OperatorMacs.macKey(other.privateKey, session.getPublic(), sessionPublic, other.publicKey(), OTHER);
        assertFalse(java.util.Arrays.equals(atNode, withOther), "another node's key differs");
        KeyPair notTheSessions = OperatorMacs.newKeyPair();
        byte[] substituted = OperatorMacs.macKey(notTheSessions.getPrivate(), OperatorMacs.publicKeyOrNull(node.publicKey()), sessionPublic,
                node.publicKey(), NODE);
        assertFalse(java.util.Arrays.equals(atNode, substituted), "a key agreed from another private key is not the node's");
    }

    @Test
    void aTagForOneNodeFailsAtAnotherEvenUnderTheSameKey() {
        byte[] key = new byte[32];
        new java.util.Random(7).nextBytes(key);
        UnsafeBuffer frame = new UnsafeBuffer(new byte[300 + OperatorMacs.MAC_LENGTH]);
        Hmac hmac = new Hmac();
        OperatorMacs.seal(hmac, key, frame, 0, 300, NODE, frame.byteArray(), 300);
        assertTrue(OperatorMacs.check(hmac, key, frame, 0, 300, NODE, 300));
        assertFalse(OperatorMacs.check(hmac, key, frame, 0, 300, OTHER, 300), "the node's id is in the MAC");
        frame.putByte(17, (byte) 1);
        assertFalse(OperatorMacs.check(hmac, key, frame, 0, 300, NODE, 300), "a changed byte fails");
    }

    @Test
    void aKeyAnswerIsTakenOnlyFromTheNodeAsked() {
        OperatorMacs.NodeKey node = new OperatorMacs.NodeKey();
        String answer = "node 203 acted on nothing: " + OperatorMacs.keyAnswer(NODE, node.publicKey());
        assertArrayEquals(node.publicKey(), OperatorMacs.keyIn(answer, NODE));
        assertNull(OperatorMacs.keyIn(answer, OTHER), "node 203's key is not taken for node 202's");
        assertNull(OperatorMacs.keyIn("status of 203.1: refused", NODE));
    }

    @Test
    void sealingAndCheckingDoNotAllocate() {
        byte[] key = new byte[32], other = new byte[32];
        other[0] = 1;
        UnsafeBuffer frame = new UnsafeBuffer(new byte[400 + OperatorMacs.MAC_LENGTH]);
        Hmac sealer = new Hmac(), checker = new Hmac();
        for (int i = 0; i < 50_000; i++) roundTrip(sealer, checker, key, other, frame);
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = t.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 50_000; i++) roundTrip(sealer, checker, key, other, frame);
        long allocated = t.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 16 * 1024, "50,000 seals and checks, re-keyed each time, allocated " + allocated + " bytes");
    }

    private static void roundTrip(Hmac sealer, Hmac checker, byte[] key, byte[] other, UnsafeBuffer frame) {
        OperatorMacs.seal(sealer, key, frame, 0, 400, NODE, frame.byteArray(), 400);
        checker.rekey(other); // the node's one instance serves every session's key in turn
        if (!OperatorMacs.check(checker, key, frame, 0, 400, NODE, 400)) throw new AssertionError("a sealed frame was refused");
    }
}
