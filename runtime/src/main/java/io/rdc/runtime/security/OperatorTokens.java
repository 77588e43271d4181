package io.rdc.runtime.security;

import io.rdc.runtime.kernel.codec.MessageHeaderDecoder;
import io.rdc.runtime.kernel.codec.MessageHeaderEncoder;
import io.rdc.runtime.kernel.codec.OperatorTokenDecoder;
import io.rdc.runtime.kernel.codec.OperatorTokenEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Operator tokens (docs/security.md, "Operator tokens"): how a node knows which operator makes a
 * request, rather than believing the name the request states.
 *
 * <ul>
 * <li>The control plane's members hold an Ed25519 {@link SigningKey}; nodes hold only its public half
 * (asked of the plane when they join). Pool-key holders that are not members cannot sign tokens.</li>
 * <li>An operator session makes an X25519 key pair of its own (the session key) and asks the plane,
 * over its control session (which proved the operator's identity to {@code PoolKeyAuth}), for a
 * {@link Token}: (operator, session key's public half, expiry), signed by the plane.</li>
 * <li>Each request the session makes carries the token and a sequence number, and ends with an
 * HMAC of the whole frame and the receiving node's id, under the MAC key the session agreed with
 * that node ({@link OperatorMacs}: X25519 of the session's key and the node's, once per node).</li>
 * <li>A node ({@link Verifier}) checks the token's signature and expiry (once per token), agrees the
 * MAC key (once per token), checks each request's MAC, refuses a sequence it has accepted before
 * (or one older than the freshness window), and takes the operator from the token.</li>
 * </ul>
 *
 * Ed25519 for the plane's signature because it is in the JDK, its signatures are deterministic
 * (every control-plane member signs the same token the same way, as a replicated service must),
 * and its public keys are small enough to travel in every request.
 */
public final class OperatorTokens {
    private OperatorTokens() {}

    public static final int SIGNATURE_LENGTH = 64;
    /** Prefix of what the plane signs, so that a token signature can never pass for any other signature. */
    private static final byte[] TOKEN_CONTEXT = "rdc operator token 2\0".getBytes(StandardCharsets.US_ASCII);
    /** The kernel schema version since which a token's session key is an X25519 key (before: Ed25519, and every request signed). */
    public static final int TOKEN_VERSION = 6;
    private static final String ALGORITHM = "Ed25519";

    static KeyFactory keys() {
        try {
            return KeyFactory.getInstance(ALGORITHM);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no Ed25519", e);
        }
    }

    /** A new Ed25519 key pair (the plane's signing key). */
    public static KeyPair newKeyPair() {
        return newKeyPair(ALGORITHM);
    }

    /** The Ed25519 public key of an X.509 encoding, or null when it is none. */
    public static PublicKey publicKeyOrNull(byte[] x509) {
        return publicKeyOrNull(ALGORITHM, x509);
    }

    /** A new key pair of {@code algorithm} (Ed25519 for the plane, X25519 for sessions and nodes). */
    static KeyPair newKeyPair(String algorithm) {
        try {
            return KeyPairGenerator.getInstance(algorithm).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no " + algorithm, e);
        }
    }

    /** The {@code algorithm} public key of an X.509 encoding, or null when it is none. */
    static PublicKey publicKeyOrNull(String algorithm, byte[] x509) {
        try {
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(x509));
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }

    static boolean verify(PublicKey key, byte[] context, DirectBuffer buf, int off, int len, byte[] signature) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            return fed(s, context, buf, off, len).verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    static byte[] sign(PrivateKey key, byte[] context, DirectBuffer buf, int off, int len) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            return fed(s, context, buf, off, len).sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** {@code s} given the context (null: none) then the bytes (Ed25519 hashes the whole message twice: it takes them at once, not streamed). */
    private static Signature fed(Signature s, byte[] context, DirectBuffer buf, int off, int len) throws GeneralSecurityException {
        if (context != null) s.update(context);
        byte[] bytes = new byte[len];
        buf.getBytes(off, bytes);
        s.update(bytes);
        return s;
    }

    /**
     * The control plane's token-signing key: made at pool start (an embedded pool keeps it in
     * memory; {@code rdc pool start} writes it beside the pool key, owner-only, for the members).
     */
    public record SigningKey(PrivateKey privateKey, byte[] publicKey) {
        /** The file a standing pool's members read it from: beside the pool key file. */
        public static Path besides(Path poolKeyFile) {
            return poolKeyFile.toAbsolutePath().resolveSibling("control-signing.key");
        }

        public static SigningKey generate() {
            KeyPair p = newKeyPair();
            return new SigningKey(p.getPrivate(), p.getPublic().getEncoded());
        }

        /**
         * The key in {@code file} (made there first if there is none), held as a pool key file is
         * (owner-only, hex; {@link PoolKey#read} refuses anything else): the PKCS#8 encoding of the
         * private key, then the X.509 encoding of the public key.
         */
        public static SigningKey readOrCreate(Path file) {
            if (!java.nio.file.Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) generate().write(file);
            return read(file);
        }

        public static SigningKey read(Path file) {
            byte[] raw = PoolKey.read(file).bytes();
            try {
                // The PKCS#8 encoding of an Ed25519 key is 48 bytes, the X.509 one 44.
                if (raw.length != 48 + 44) throw new GeneralSecurityException(raw.length + " bytes, not " + (48 + 44));
                PrivateKey priv = keys().generatePrivate(new PKCS8EncodedKeySpec(Arrays.copyOf(raw, 48)));
                byte[] pub = Arrays.copyOfRange(raw, 48, raw.length);
                if (publicKeyOrNull(pub) == null) throw new GeneralSecurityException("its public key is not an Ed25519 key");
                return new SigningKey(priv, pub);
            } catch (GeneralSecurityException e) {
                throw new SecurityException("cannot use control-plane signing key file " + file + ": " + e.getMessage());
            }
        }

        public Path write(Path file) {
            byte[] priv = privateKey.getEncoded();
            byte[] raw = Arrays.copyOf(priv, priv.length + publicKey.length);
            System.arraycopy(publicKey, 0, raw, priv.length, publicKey.length);
            return PoolKey.of(raw).write(file);
        }

        /** The plane's signature of a token body. */
        public byte[] sign(byte[] tokenBody) {
            return OperatorTokens.sign(privateKey, TOKEN_CONTEXT, new UnsafeBuffer(tokenBody), 0, tokenBody.length);
        }

        @Override
        public String toString() {
            return "SigningKey[" + fingerprint(publicKey) + "]";
        }
    }

    /** A short, non-secret name of a public key for logs: the first 4 bytes of its SHA-256. */
    public static String fingerprint(byte[] publicKey) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(publicKey), 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A token: what the plane signed ({@code body}) and its signature, with the body's fields: the
     * operator, the RDC its session acts in with that RDC's owner and other operators as the plane
     * knew them at {@code issuedAtMillis}, the session's public key, and the expiry.
     */
    public record Token(String operator, long rdc, String owner, List<String> operators, byte[] sessionKey, long issuedAtMillis,
                        long expiresAtMillis, byte[] body, byte[] signature) {
        public Token {
            operators = List.copyOf(operators);
        }

        /** The kernel schema version {@code body} was written in, or -1 when it is no token. */
        static int version(byte[] body) {
            if (body.length < MessageHeaderDecoder.ENCODED_LENGTH) return -1;
            MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(new UnsafeBuffer(body), 0);
            return h.schemaId() == OperatorTokenDecoder.SCHEMA_ID && h.templateId() == OperatorTokenDecoder.TEMPLATE_ID ? h.version() : -1;
        }

        /** The bytes the plane signs (an OperatorToken message of the kernel schema, with its header). */
        public static byte[] body(String operator, long rdc, String owner, List<String> operators, byte[] sessionKey, long issuedAtMillis,
                long expiresAtMillis) {
            ExpandableArrayBuffer b = new ExpandableArrayBuffer(256);
            OperatorTokenEncoder e = new OperatorTokenEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder());
            e.expiresAtMillis(expiresAtMillis).issuedAtMillis(issuedAtMillis).rdc(rdc).operatorName(operator)
                    .putSessionKey(sessionKey, 0, sessionKey.length).owner(owner).operators(String.join("\n", operators));
            return Arrays.copyOf(b.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        }

        /** The token in {@code body} (not yet verified); null when it is not a token. */
        public static Token decode(byte[] body, byte[] signature) {
            try {
                UnsafeBuffer b = new UnsafeBuffer(body);
                if (body.length < MessageHeaderDecoder.ENCODED_LENGTH) return null;
                MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
                if (h.schemaId() != OperatorTokenDecoder.SCHEMA_ID || h.templateId() != OperatorTokenDecoder.TEMPLATE_ID || h.version() < TOKEN_VERSION) return null;
                OperatorTokenDecoder d = new OperatorTokenDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
                long expires = d.expiresAtMillis(), issued = d.issuedAtMillis(), rdc = d.rdc();
                String operator = d.operatorName();
                int keyLength = d.sessionKeyLength();
                if (keyLength > 256) return null;
                byte[] key = new byte[keyLength];
                d.getSessionKey(key, 0, keyLength);
                String owner = d.owner(), operators = d.operators();
                if (d.limit() != body.length) return null;
                return new Token(operator, rdc, owner, operators.isEmpty() ? List.of() : List.of(operators.split("\n")), key, issued, expires,
                        body.clone(), signature.clone());
            } catch (RuntimeException e) {
                return null; // lengths past the end: not a token
            }
        }
    }

    /** A new X25519 key pair for an operator session (its public half goes into its token). */
    public static KeyPair newSessionKeyPair() {
        return OperatorMacs.newKeyPair();
    }

    /**
     * What an operator session holds: its token, the private half of its session key, and the MAC
     * key it agreed with each node it has made requests to (docs/security.md, "Operator tokens").
     */
    public static final class Credentials {
        private final Token token;
        private final PrivateKey sessionKey;
        private final AtomicLong lastSequence = new AtomicLong();
        /** Per node: the node key's id and the MAC key agreed with it. A node that restarted has a new key: the entry is replaced. */
        private final java.util.concurrent.ConcurrentHashMap<Integer, Agreed> nodes = new java.util.concurrent.ConcurrentHashMap<>();
        /** One HMAC per operator thread (re-keyed per request), so that sealing allocates no digest. */
        private static final ThreadLocal<Hmac> HMAC = ThreadLocal.withInitial(Hmac::new);

        private record Agreed(long nodeKeyId, byte[] macKey) {}

        public Credentials(Token token, PrivateKey sessionKey) {
            this.token = token;
            this.sessionKey = sessionKey;
        }

        public Token token() {
            return token;
        }

        /**
         * The next request's sequence number: wall-clock nanoseconds, above every earlier one of this
         * session, so a node that has not heard it for a while can tell a fresh request from an old one.
         */
        public long nextSequence() {
            long now = System.currentTimeMillis() * 1_000_000L;
            return lastSequence.updateAndGet(last -> Math.max(last + 1, now));
        }

        /**
         * Agrees the MAC key with node {@code node}, whose key agreement key is {@code nodePublic} (as the
         * node handed it out). Whoever gave a key that is not the node's only made this session use a
         * key the node does not accept: its requests there are refused, never taken for another's.
         */
        public void agree(int node, byte[] nodePublic) {
            PublicKey theirs = OperatorMacs.publicKeyOrNull(nodePublic);
            if (theirs == null) throw new SecurityException("node " + node + " handed out an operator key that is not an X25519 public key");
            nodes.put(node, new Agreed(OperatorMacs.keyId(nodePublic), OperatorMacs.macKey(sessionKey, theirs, token.sessionKey(), nodePublic, node)));
        }

        /** The id of the node key this session agreed a MAC key with at {@code node}, or 0 while none (its request then asks for it). */
        public long nodeKeyId(int node) {
            Agreed a = nodes.get(node);
            return a == null ? 0 : a.nodeKeyId;
        }

        /** Writes the tag of {@code frame[off, off + len)} for node {@code node} to {@code out} at {@code outOff} (zeros while no key is agreed there). */
        public void mac(int node, DirectBuffer frame, int off, int len, byte[] out, int outOff) {
            Agreed a = nodes.get(node);
            if (a == null) java.util.Arrays.fill(out, outOff, outOff + OperatorMacs.MAC_LENGTH, (byte) 0);
            else OperatorMacs.seal(HMAC.get(), a.macKey, frame, off, len, node, out, outOff);
        }

        /** True while more than a quarter of the token's life is left ({@code life}: how long it was issued for). */
        public boolean fresh(long lifeMillis) {
            return token.expiresAtMillis() - System.currentTimeMillis() > lifeMillis / 4;
        }
    }

    /**
     * Why a node refused a request that claims an operator. {@code KEY_ASKED} is no refusal that counts:
     * the request named no node key (a session's first to this node), and its answer hands the node's out.
     */
    public enum Refusal { NO_TOKEN, BAD_TOKEN, EXPIRED, BAD_MAC, REPLAYED, NOT_ITS_CLAIM, OPERATOR_ONLY, REVOKED, WRONG_NODE, OLD_VERSION, KEY_ASKED }

    /**
     * A node's side: checks tokens (each once: verified ones are kept until they expire, with the MAC
     * key agreed for their session key) and requests' MACs, and refuses a sequence accepted before
     * from the same session or older than the freshness window. Used by the kernel thread only.
     */
    public static final class Verifier {
        private final PublicKey planeKey;
        private final long windowNs;
        private final int nodeId;
        private final OperatorMacs.NodeKey nodeKey = new OperatorMacs.NodeKey();
        /** Sessions by the first 8 bytes of their token's signature (the whole signature and body are compared). */
        private final Long2ObjectHashMap<Session> sessions = new Long2ObjectHashMap<>();
        private final Hmac hmac = new Hmac();
        private final AtomicLong[] refused = new AtomicLong[Refusal.values().length];
        private final AtomicLong tokensVerified = new AtomicLong(), keysAgreed = new AtomicLong(), macsAccepted = new AtomicLong();
        /** At most this many token sessions are kept: a full table refuses new tokens until some expire. */
        static final int MAX_SESSIONS = 4096, MAX_SEQUENCES_PER_SESSION = 65_536;

        private static final class Session {
            final Token token;
            /** Null once the token is revoked: the key is dropped, and the token is not verified again. */
            byte[] macKey;
            final LongHashSet seen = new LongHashSet();

            Session(Token token, byte[] macKey) {
                this.token = token;
                this.macKey = macKey;
            }
        }

        /**
         * The plane's token revocations as this node last read them (docs/security.md, "Revoking
         * tokens"): a table published whole by the thread that reads it from the plane, never
         * changed after, read on every request with one volatile read and one lookup.
         */
        private final java.util.function.Supplier<TokenRevocations> revocations;

        /** @param planeKey the X.509 encoding of the control plane's token key */
        public Verifier(byte[] planeKey, long windowNs, int nodeId) {
            this(planeKey, windowNs, nodeId, () -> TokenRevocations.NONE);
        }

        /** @param revocations the plane's token revocations as this node last read them */
        public Verifier(byte[] planeKey, long windowNs, int nodeId, java.util.function.Supplier<TokenRevocations> revocations) {
            this.revocations = revocations;
            this.planeKey = publicKeyOrNull(planeKey);
            if (this.planeKey == null) throw new IllegalArgumentException("the control plane's token key is not an Ed25519 public key");
            this.windowNs = windowNs;
            this.nodeId = nodeId;
            for (int i = 0; i < refused.length; i++) refused[i] = new AtomicLong();
        }

        /**
         * Checks a request that claims operator {@code claimed} acting in RDC {@code claimedRdc}: the
         * token ({@code body}, {@code tokenSignature}) must be the plane's, unexpired, unrevoked and for
         * that operator and RDC; {@code nodeKeyId} this node's key; the tag at {@code frame[macAt]} the
         * one of {@code frame[off, off + macedLength)} and this node's id under the MAC key agreed with
         * the token's session key; {@code sequence} fresh and never accepted before. Returns null when
         * all hold, else the refusal (counted, but for {@link Refusal#KEY_ASKED}).
         */
        public Refusal check(String claimed, long claimedRdc, byte[] body, byte[] tokenSignature, long nodeKeyId, long sequence, DirectBuffer frame,
                int off, int macedLength, int macAt) {
            if (body == null || body.length == 0) return refuse(Refusal.NO_TOKEN);
            long nowMs = System.currentTimeMillis();
            if (tokenSignature.length != SIGNATURE_LENGTH) return refuse(Refusal.BAD_TOKEN);
            long id = 0;
            for (int i = 0; i < 8; i++) id = id << 8 | (tokenSignature[i] & 0xFF);
            Session s = sessions.get(id);
            if (s == null || !Arrays.equals(s.token.signature(), tokenSignature) || !Arrays.equals(s.token.body(), body)) {
                int version = Token.version(body);
                if (version >= 0 && version < TOKEN_VERSION) return refuse(Refusal.OLD_VERSION);
                Token t = Token.decode(body, tokenSignature);
                if (t == null) return refuse(Refusal.BAD_TOKEN);
                tokensVerified.incrementAndGet();
                if (!verify(planeKey, TOKEN_CONTEXT, new UnsafeBuffer(body), 0, body.length, tokenSignature)) return refuse(Refusal.BAD_TOKEN);
                PublicKey sessionKey = OperatorMacs.publicKeyOrNull(t.sessionKey());
                if (sessionKey == null) return refuse(Refusal.BAD_TOKEN);
                if (t.expiresAtMillis() <= nowMs) return refuse(Refusal.EXPIRED);
                if (sessions.size() >= MAX_SESSIONS) dropExpired(nowMs);
                if (sessions.size() >= MAX_SESSIONS) return refuse(Refusal.BAD_TOKEN);
                keysAgreed.incrementAndGet();
                sessions.put(id, s = new Session(t, OperatorMacs.macKey(nodeKey.privateKey, sessionKey, t.sessionKey(), nodeKey.publicKey, nodeId)));
            }
            if (s.token.expiresAtMillis() <= nowMs) {
                sessions.remove(id);
                return refuse(Refusal.EXPIRED);
            }
            if (!s.token.operator().equals(claimed) || s.token.rdc() != claimedRdc) return refuse(Refusal.NOT_ITS_CLAIM);
            if (s.macKey == null || revocations.get().revokes(s.token.operator(), s.token.rdc(), s.token.issuedAtMillis())) {
                if (s.macKey != null) Arrays.fill(s.macKey, (byte) 0);
                s.macKey = null; // a revoked token's session acts here no more: its key is dropped
                return refuse(Refusal.REVOKED);
            }
            if (nodeKeyId == 0) return Refusal.KEY_ASKED;
            if (nodeKeyId != nodeKey.id) return refuse(Refusal.WRONG_NODE);
            if (!OperatorMacs.check(hmac, s.macKey, frame, off, macedLength, nodeId, macAt)) return refuse(Refusal.BAD_MAC);
            long nowNs = nowMs * 1_000_000L;
            if (sequence < nowNs - windowNs || sequence > nowNs + windowNs || s.seen.contains(sequence)) return refuse(Refusal.REPLAYED);
            if (s.seen.size() >= MAX_SEQUENCES_PER_SESSION) {
                s.seen.removeIf(q -> q < nowNs - windowNs); // those fail the window check anyway
                if (s.seen.size() >= MAX_SEQUENCES_PER_SESSION) return refuse(Refusal.REPLAYED);
            }
            s.seen.add(sequence);
            macsAccepted.incrementAndGet();
            return null;
        }

        /** The text with which this node hands its key agreement key out (with {@link Refusal#KEY_ASKED} and {@link Refusal#WRONG_NODE}). */
        public String keyAnswer() {
            return OperatorMacs.keyAnswer(nodeId, nodeKey.publicKey);
        }

        /** This node's key agreement key (its public half, as it hands it out). */
        public byte[] nodeKey() {
            return nodeKey.publicKey();
        }

        /** Plane signatures of tokens verified (Ed25519, once per token this node had not kept). */
        public long tokensVerified() {
            return tokensVerified.get();
        }

        /** MAC keys agreed (X25519, once per token). */
        public long keysAgreed() {
            return keysAgreed.get();
        }

        /** Requests accepted by their MAC. */
        public long macsAccepted() {
            return macsAccepted.get();
        }

        /** When the tokens of {@code operator} in {@code rdc} were last revoked, as this node knows it ({@link Long#MIN_VALUE}: never). */
        public long revokedAt(String operator, long rdc) {
            return revocations.get().revokedAt(operator, rdc);
        }

        private void dropExpired(long nowMs) {
            for (Long2ObjectHashMap<Session>.ValueIterator it = sessions.values().iterator(); it.hasNext(); ) if (it.next().token.expiresAtMillis() <= nowMs) it.remove();
        }

        /** Counts a refusal made by the caller (a request of an operator-only kind without an operator). */
        public Refusal refuse(Refusal why) {
            refused[why.ordinal()].incrementAndGet();
            return why;
        }

        public long count(Refusal why) {
            return refused[why.ordinal()].get();
        }

        /** Requests refused so far, for every reason (a request for this node's key is none). */
        public long refused() {
            long n = 0;
            for (AtomicLong a : refused) n += a.get();
            return n - refused[Refusal.KEY_ASKED.ordinal()].get();
        }
    }
}
