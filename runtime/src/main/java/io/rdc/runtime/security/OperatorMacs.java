package io.rdc.runtime.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.HexFormat;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.agrona.DirectBuffer;

/**
 * MAC keys per operator session and node (docs/security.md, "Operator tokens"): what makes an
 * operator's request cost an HMAC rather than an Ed25519 signature and its verification, and binds
 * it to the node it was made for.
 *
 * <p>The session's token carries the public half of an X25519 key the session made; each node makes
 * an X25519 key of its own when it starts (never written anywhere, so a restarted node has a new
 * one) and hands its public half to any session that asks (a request whose trailer names no node key
 * is answered with it). Both sides then compute the same MAC key: HKDF-SHA256 of the X25519 shared
 * secret, with the session's and the node's public keys and the node's id as context. Only the
 * session (holding its private half) and the node (holding its own) can compute it, so a request
 * MACed with it is the session's, and only that node accepts it.
 */
public final class OperatorMacs {
    private OperatorMacs() {}

    /** The tag a request carries: HMAC-SHA256 truncated to 128 bits, as frames' (docs/security.md, "Frames between kernels"). */
    public static final int MAC_LENGTH = 16;
    private static final String ALGORITHM = "X25519";
    private static final byte[] SALT = "rdc operator mac key 1".getBytes(StandardCharsets.US_ASCII);

    /** A new X25519 key pair: an operator session's, or a node's. */
    public static KeyPair newKeyPair() {
        return OperatorTokens.newKeyPair(ALGORITHM);
    }

    /** The X25519 public key of an X.509 encoding, or null when it is none. */
    public static PublicKey publicKeyOrNull(byte[] x509) {
        return OperatorTokens.publicKeyOrNull(ALGORITHM, x509);
    }

    /**
     * The MAC key of a session and a node: HKDF-SHA256 (RFC 5869) of the X25519 secret of {@code mine}
     * and {@code theirs}, with both public keys and the node's id as its info, so that a key is
     * never shared by two nodes, nor by two sessions.
     */
    static byte[] macKey(PrivateKey mine, PublicKey theirs, byte[] sessionPublic, byte[] nodePublic, int node) {
        try {
            KeyAgreement agreement = KeyAgreement.getInstance(ALGORITHM);
            agreement.init(mine);
            agreement.doPhase(theirs, true);
            byte[] secret = agreement.generateSecret();
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(SALT, "HmacSHA256"));
            byte[] pseudoRandomKey = hmac.doFinal(secret);
            java.util.Arrays.fill(secret, (byte) 0);
            hmac.init(new SecretKeySpec(pseudoRandomKey, "HmacSHA256"));
            hmac.update(sessionPublic);
            hmac.update(nodePublic);
            hmac.update(ByteBuffer.allocate(4).putInt(node).array());
            hmac.update((byte) 1);
            return hmac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 key agreement failed", e);
        }
    }

    /** A node key's id, as a request's trailer names it: the first 8 bytes of the SHA-256 of its X.509 encoding (never 0, which asks for it). */
    public static long keyId(byte[] nodePublic) {
        try {
            long id = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(nodePublic)).getLong();
            return id == 0 ? 1 : id;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes the tag of {@code frame[off, off + len)} for node {@code node} under {@code key} to {@code out}
     * at {@code outOff} (with {@code hmac}, re-keyed: nothing is allocated).
     */
    static void seal(Hmac hmac, byte[] key, DirectBuffer frame, int off, int len, int node, byte[] out, int outOff) {
        hmac.rekey(key).update(frame, off, len).updateLong(node).finish(out, outOff, MAC_LENGTH);
    }

    /** True when {@code frame[macAt, macAt + MAC_LENGTH)} is the tag of {@code frame[off, off + len)} for node {@code node} under {@code key}. */
    static boolean check(Hmac hmac, byte[] key, DirectBuffer frame, int off, int len, int node, int macAt) {
        return hmac.rekey(key).update(frame, off, len).updateLong(node).finishAndCheck(frame, macAt, MAC_LENGTH);
    }

    /** A node's key agreement key: made when the node starts, its private half never leaves the node's memory. */
    public static final class NodeKey {
        final PrivateKey privateKey;
        final byte[] publicKey;
        final long id;

        public NodeKey() {
            KeyPair p = newKeyPair();
            privateKey = p.getPrivate();
            publicKey = p.getPublic().getEncoded();
            id = keyId(publicKey);
        }

        public long id() {
            return id;
        }

        public byte[] publicKey() {
            return publicKey.clone();
        }
    }

    private static final String KEY_IS = "'s operator key is ";
    private static final String KEY_END = " (a session agrees its MAC key with it)";

    /** The text with which node {@code node} hands its public key to a session (a refusal that acted on nothing). */
    static String keyAnswer(int node, byte[] nodePublic) {
        return "node " + node + KEY_IS + HexFormat.of().formatHex(nodePublic) + KEY_END;
    }

    /**
     * The key node {@code node} hands out in its error text ({@link #keyAnswer}), or null when the text
     * hands none, or another node's (an answer from a node the request was passed on to is not the key
     * of the node it was made for).
     */
    public static byte[] keyIn(String error, int node) {
        if (error == null) return null;
        String whose = "node " + node + KEY_IS;
        int at = error.indexOf(whose), end = at < 0 ? -1 : error.indexOf(KEY_END, at);
        if (end < 0) return null;
        try {
            return HexFormat.of().parseHex(error, at + whose.length(), end);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
