package io.rdc.runtime.kernel;

import io.rdc.runtime.kernel.codec.OperatorTrailerDecoder;
import io.rdc.runtime.kernel.codec.OperatorTrailerEncoder;
import io.rdc.runtime.security.OperatorMacs;
import io.rdc.runtime.security.OperatorTokens;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.agrona.DirectBuffer;

/**
 * Authority per RDC (issue 20, docs/security.md "Operators and authority"): who may list, inspect,
 * snapshot, create in, freeze, destroy, migrate or checkpoint in an RDC.
 *
 * <p>An operator session acts as an identity (the OS user on a single-user pool, or {@code --user}
 * / {@code RDC_USER}); every RDC has an owner (the operator that created it) and a list of other
 * operators allowed in it. A request an operator's session makes carries an {@link Acting}: who,
 * in which RDC, and that RDC's owner and list, as a trailer after the request's payload (written by
 * {@link KernelPublisher}, read by {@link KernelAdapter}). The node checks the RDC a guarded
 * request targets: allowed when it is the RDC the session acts in (opening a session in an RDC is
 * itself checked, by the control plane), or when the node has learnt that RDC's owner and list
 * (from its owner's sessions' requests) and they name the operator. Anything else is refused.
 *
 * <p>Requests incarnations and kernels make carry no operator ({@code null}): they act within what
 * their references allow (the dissertation's capabilities), as before. Only control requests are
 * touched: DATA, ACK and REPLY frames (invoke, send) carry nothing and are checked for nothing.
 */
public final class Authority {

    /** An RDC's owner and the other operators allowed in it. */
    public record Access(String owner, List<String> operators) {
        public Access {
            operators = List.copyOf(operators);
        }

        boolean allows(String operator) {
            return owner.equals(operator) || operators.contains(operator);
        }
    }

    /**
     * Who makes a request: an operator, in the session's RDC, with that RDC's access as the session
     * knows it, and the session's credentials from the control plane (null: a pool whose plane signs
     * no tokens, or none), with which every request it makes is signed (docs/security.md, "Operator tokens").
     */
    public record Acting(String operator, long rdc, Access access, OperatorTokens.Credentials credentials) {
        public Acting(String operator, long rdc, Access access) {
            this(operator, rdc, access, null);
        }

        /** The trailer's message for a request to node {@code destination} (the MAC, when there are credentials, follows it in the frame). */
        byte[] encode(int destination) {
            KernelCodec.Outgoing out = new KernelCodec.Outgoing(256);
            OperatorTrailerEncoder trailer = out.begin(new OperatorTrailerEncoder()).rdc(rdc)
                    .sequence(credentials == null ? 0 : credentials.nextSequence())
                    .nodeKey(credentials == null ? 0 : credentials.nodeKeyId(destination));
            OperatorTrailerEncoder.OperatorsEncoder e = trailer.operatorsCount(access.operators().size());
            for (String o : access.operators()) e.next().name(o);
            trailer.operatorName(operator).owner(access.owner());
            byte[] token = credentials == null ? NONE : credentials.token().body();
            byte[] tokenSignature = credentials == null ? NONE : credentials.token().signature();
            trailer.putToken(token, 0, token.length).putTokenSignature(tokenSignature, 0, tokenSignature.length);
            return out.toBytes();
        }
    }

    /**
     * A request's operator trailer as read: who it claims ({@code acting}), and what proves the
     * claim (empty token: nothing): the token, the node key it is MACed under ({@code nodeKeyId}), and
     * the MAC, at {@code macAt} in the frame's buffer (-1: none), over the frame's first
     * {@code macedLength} bytes.
     */
    record Claim(Acting acting, long sequence, byte[] token, byte[] tokenSignature, long nodeKeyId, int macAt, int macedLength) {
        /** Reads the trailer at {@code [offset, offset + length)} of the frame starting at {@code frameStart}. */
        static Claim decode(DirectBuffer buf, int frameStart, int offset, int length) {
            OperatorTrailerDecoder r = new KernelCodec.Incoming().wrap(buf, offset, length, new OperatorTrailerDecoder());
            long rdc = r.rdc();
            long sequence = r.sequence() == OperatorTrailerDecoder.sequenceNullValue() ? 0 : r.sequence();
            long nodeKeyId = r.nodeKey() == OperatorTrailerDecoder.nodeKeyNullValue() ? 0 : r.nodeKey();
            OperatorTrailerDecoder.OperatorsDecoder group = r.operators();
            int n = group.count();
            if (n > 1024) throw new OperationException("a request's operator trailer is malformed");
            String[] ops = new String[n];
            for (int i = 0; i < n; i++) ops[i] = group.next().name();
            String operator = KernelCodec.orNull(r.operatorName()), owner = KernelCodec.orNull(r.owner());
            if (operator == null || owner == null) throw new OperationException("a request's operator trailer is malformed");
            byte[] token = bytes(r.tokenLength(), length);
            r.getToken(token, 0, token.length);
            byte[] tokenSignature = bytes(r.tokenSignatureLength(), length);
            r.getTokenSignature(tokenSignature, 0, tokenSignature.length);
            int message = r.limit(); // the trailer's message, header included: the MAC follows it
            int macAt = -1;
            if (length - message == OperatorMacs.MAC_LENGTH && token.length > 0) macAt = offset + message;
            else if (length - message == OperatorTokens.SIGNATURE_LENGTH && token.length > 0)
                throw new OperationException("a request signed as rdc's versions before 6 signed them (an Ed25519 signature per request) is refused:"
                        + " upgrade the operator's rdc to this node's version, whose requests carry a MAC (docs/security.md, \"Operator tokens\")");
            else if (length != message) throw new OperationException("a request's operator trailer is malformed");
            return new Claim(new Acting(operator, rdc, new Access(owner, List.of(ops))), sequence, token, tokenSignature, nodeKeyId, macAt,
                    offset + message - frameStart);
        }

        private static byte[] bytes(int claimed, int room) {
            if (claimed < 0 || claimed > room) throw new OperationException("a request's operator trailer is malformed");
            return new byte[claimed];
        }
    }

    /** The control plane keeps an RDC's other operators as this script name (one a line), so they outlive sessions and restarts. */
    public static final String OPERATORS_NAME = "access:operators";

    private static final ThreadLocal<Acting> ACTING = new ThreadLocal<>();
    /** The trailer's length field: the last 2 bytes of every request but a migration chunk. */
    static final int TRAILER_LENGTH_BYTES = 2;

    /** Runs {@code call} with the requests it makes on this thread carrying {@code acting}. */
    public static <T> T as(Acting acting, Supplier<T> call) {
        Acting before = ACTING.get();
        ACTING.set(acting);
        try {
            return call.get();
        } finally {
            ACTING.set(before);
        }
    }

    /** The operator making requests on this thread, or null (a kernel's or an incarnation's own request). */
    static Acting actingOnThisThread() {
        return ACTING.get();
    }

    private static final byte[] NONE = new byte[0];

    // ---- the node's side

    private final int nodeId;
    /** RDCs' access as learnt from requests of sessions acting in them. Written and read by the kernel thread (concurrent for tests and views that read it from elsewhere). */
    private final ConcurrentHashMap<Long, Access> known = new ConcurrentHashMap<>();

    Authority(int nodeId) {
        this.nodeId = nodeId;
    }

    /**
     * Checks the claims of requests (docs/security.md, "Operator tokens") once this node knows the
     * key with which the control plane signs operator tokens; null until then, and for good in a
     * pool whose plane signs none (or that has no plane): claims are then believed, as before tokens.
     */
    private volatile OperatorTokens.Verifier verifier;

    /** How far a request's sequence may lie from this node's clock: the same window as frames' ({@code rdc.auth.maxSkewSeconds}). */
    static final long WINDOW_NS = Long.getLong("rdc.auth.maxSkewSeconds", 120) * 1_000_000_000L;

    /** From now on requests that claim an operator must prove it with a token the holder of {@code planeKey} signed. */
    void requireTokens(byte[] planeKey, Supplier<io.rdc.runtime.security.TokenRevocations> revocations) {
        verifier = new OperatorTokens.Verifier(planeKey, WINDOW_NS, nodeId, revocations);
    }

    /** Whether this node checks operators' tokens. */
    boolean requiresTokens() {
        return verifier != null;
    }

    /** Requests refused for claiming an operator without proof, or for asking an operator's operation without one. */
    long refusedRequests() {
        OperatorTokens.Verifier v = verifier;
        return v == null ? 0 : v.refused();
    }

    /** The verifier (its counts per reason), or null while this node checks no tokens. */
    OperatorTokens.Verifier verifier() {
        return verifier;
    }

    /**
     * Checks, as a request arrives, that its claim is proven (kernel thread): a request naming an
     * operator must carry a valid token for that operator and the token's session key's signature
     * over the frame, with a sequence not seen before; a request naming none may not ask what only
     * operators ask ({@link #operatorOnly}). Throws the refusal, counted; does nothing while this
     * node checks no tokens.
     */
    void prove(Claim claim, int op, int src, DirectBuffer frame, int frameStart) {
        OperatorTokens.Verifier v = verifier;
        if (v == null) return;
        OperatorTokens.Refusal why;
        if (claim == null) why = operatorOnly(op) ? v.refuse(OperatorTokens.Refusal.OPERATOR_ONLY) : null;
        else if (claim.token().length > 0 && claim.macAt() < 0) why = v.refuse(OperatorTokens.Refusal.BAD_MAC);
        else why = v.check(claim.acting().operator(), claim.acting().rdc(), claim.token(), claim.tokenSignature(), claim.nodeKeyId(), claim.sequence(),
                frame, frameStart, claim.macedLength(), claim.macAt());
        if (why == null) return;
        // A session's first request here: it learns this node's key and sends the request again, MACed (nothing to log or count).
        if (why == OperatorTokens.Refusal.KEY_ASKED) throw new OperationException("node " + nodeId + " acted on nothing: " + v.keyAnswer());
        String text = "node " + nodeId + " refused a request " + (claim == null ? "that names no operator" : "claiming operator '" + claim.acting().operator() + "'")
                + " from node " + src + ": " + switch (why) {
                    case NO_TOKEN -> "it carries no operator token from the control plane";
                    case BAD_TOKEN -> "its operator token is not one the control plane signed";
                    case EXPIRED -> "its operator token has expired";
                    case BAD_MAC -> "its MAC is not one under the key this node agreed with its token's session key";
                    case WRONG_NODE -> "it is MACed under another node's key (made for another node and replayed here, or made before this node"
                            + " restarted); " + v.keyAnswer();
                    case OLD_VERSION -> "its token was issued by a control plane of rdc's versions before 6 (whose sessions signed every request):"
                            + " upgrade the plane and the operator's rdc to this node's version";
                    case KEY_ASKED -> v.keyAnswer();
                    case REPLAYED -> "it was accepted before, or is outside the freshness window (a replay)";
                    case NOT_ITS_CLAIM -> "its token was issued to another operator, or for another RDC";
                    case OPERATOR_ONLY -> "only an operator's session may ask this, and it must prove who it is";
                    case REVOKED -> revoked(v, claim);
                };
        long n = v.refused();
        if (n <= 10 || n % 1000 == 0) System.err.println(text + " (" + n + " refused so far)");
        throw new OperationException(text);
    }

    /** The text of a revoked token's refusal: {@link #isRevocation} recognises it, and the operator's session asks for a new token. */
    private static String revoked(OperatorTokens.Verifier v, Claim claim) {
        OperatorTokens.Token t = OperatorTokens.Token.decode(claim.token(), claim.tokenSignature());
        return "its token of '" + t.operator() + "' issued at " + java.time.Instant.ofEpochMilli(t.issuedAtMillis()) + REVOKED_AT
                + java.time.Instant.ofEpochMilli(v.revokedAt(t.operator(), t.rdc())) + " (the control plane's revocation; a session asks it for a new token)";
    }

    private static final String REVOKED_AT = " was revoked at ";

    private static final String MOVED_TO = "its target has moved to node ", MOVED_END = " (a request MACed for one node is not forwarded:";

    /** The answer of node {@code here} to an operator's request for a target that has moved to node {@code to}: the session asks there. */
    static String movedTo(int here, int to) {
        return "node " + here + " acted on nothing: " + MOVED_TO + to + MOVED_END + " the operator's session asks there)";
    }

    /** The node a node's error text says the request's target moved to ({@link #movedTo}), or 0. */
    static int movedTo(String error) {
        int at = error == null ? -1 : error.indexOf(MOVED_TO), end = at < 0 ? -1 : error.indexOf(MOVED_END, at);
        if (end < 0) return 0;
        try {
            return Integer.parseInt(error, at + MOVED_TO.length(), end, 10);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** True when a node's error text refuses a request for its revoked token (the session then renews it and asks again). */
    public static boolean isRevocation(String error) {
        return error != null && error.contains("refused a request claiming operator '") && error.contains(REVOKED_AT);
    }

    /**
     * What only an operator's session asks (no kernel or incarnation sends these without an
     * operator): snapshots, checkpoints and forks of an incarnation, which copy its state out.
     * Incarnations legitimately list their own RDC, ask statuses, create, freeze, destroy and
     * migrate through the references they hold, and withdrawal closes nodes and migrates other
     * RDCs' guests, so those stay open to requests without an operator (docs/security.md).
     */
    static boolean operatorOnly(int op) {
        return op == Kernel.OP_SNAPSHOT || op == Kernel.OP_CHECKPOINT || op == Kernel.OP_FORK;
    }

    /** When the token whose access {@link #known} holds for each RDC was issued (0: learnt from a trailer, without tokens). */
    private final ConcurrentHashMap<Long, Long> knownSince = new ConcurrentHashMap<>();

    /**
     * Who a request (already proven, {@link #prove}) acts as, and what the node learns from it: a
     * session acting in an RDC tells the node that RDC's owner and list. While this node checks
     * tokens, all three come from the request's token (as the control plane knew them when it
     * issued the token; a newer token's replace an older one's), never from what the trailer
     * states; without, from the trailer (the latest the session knows).
     */
    Acting accept(Claim claim) {
        if (claim == null) return null;
        Acting acting = claim.acting();
        long issuedAt = 0;
        if (verifier != null && claim.token().length > 0) {
            OperatorTokens.Token t = OperatorTokens.Token.decode(claim.token(), claim.tokenSignature());
            if (t == null) throw new OperationException("a request's operator token is malformed"); // proven on arrival: cannot happen
            acting = new Acting(t.operator(), t.rdc(), new Access(t.owner(), t.operators()));
            issuedAt = t.issuedAtMillis();
        }
        Long before = knownSince.get(acting.rdc());
        if (before == null || before <= issuedAt) {
            known.put(acting.rdc(), acting.access());
            knownSince.put(acting.rdc(), issuedAt);
        }
        return acting;
    }

    /** An RDC's owner as this node has learnt it from operators' requests, or null. */
    String ownerOf(long rdc) {
        Access a = known.get(rdc);
        return a == null ? null : a.owner();
    }

    /**
     * True when {@code acting} (null: no operator) may act in RDC {@code rdc}: its owner or listed as
     * this node last learnt the RDC's access. A session acting in the RDC may too, unless the node
     * has since learnt a list that drops its operator (the owner's {@code disallow}, sent to every
     * node at once): its token, issued while it was listed, lets it in nowhere after that.
     */
    boolean allows(Acting acting, long rdc) {
        if (acting == null) return true;
        Access a = known.get(rdc);
        if (acting.rdc() == rdc) return a == null || a.allows(acting.operator());
        return a != null && a.allows(acting.operator());
    }

    private static final String REFUSAL = "' has no authority over RDC ";

    /** True when a node's error text is this class's refusal (list asks every node and skips the other errors). */
    static boolean isRefusal(String error) {
        return error != null && error.startsWith("operator '") && error.contains(REFUSAL);
    }

    /** Throws the refusal when {@code acting} may not do {@code what} in RDC {@code rdc}. */
    void check(Acting acting, long rdc, String what) {
        if (allows(acting, rdc)) return;
        Access a = known.get(rdc);
        throw new OperationException("operator '" + acting.operator() + REFUSAL + Ids.show(rdc)
                + (a == null ? " (node " + nodeId + " knows no operator allowed in it)" : " (owner '" + a.owner() + "'"
                + (a.operators().isEmpty() ? "" : ", also " + String.join(", ", a.operators())) + ")") + ": " + what + " refused");
    }
}
