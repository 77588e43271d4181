package io.rdc.runtime.kernel;

import io.rdc.runtime.kernel.codec.OperatorTrailerDecoder;
import io.rdc.runtime.kernel.codec.OperatorTrailerEncoder;
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

    /** Who makes a request: an operator, in the session's RDC, with that RDC's access as the session knows it. */
    public record Acting(String operator, long rdc, Access access) {
        byte[] encode() {
            KernelCodec.Outgoing out = new KernelCodec.Outgoing(64);
            OperatorTrailerEncoder trailer = out.begin(new OperatorTrailerEncoder()).rdc(rdc);
            OperatorTrailerEncoder.OperatorsEncoder e = trailer.operatorsCount(access.operators().size());
            for (String o : access.operators()) e.next().name(o);
            trailer.operatorName(operator).owner(access.owner());
            return out.toBytes();
        }

        static Acting decode(DirectBuffer buf, int offset, int length) {
            OperatorTrailerDecoder r = new KernelCodec.Incoming().wrap(buf, offset, length, new OperatorTrailerDecoder());
            long rdc = r.rdc();
            OperatorTrailerDecoder.OperatorsDecoder group = r.operators();
            int n = group.count();
            if (n > 1024) throw new OperationException("a request's operator trailer is malformed");
            String[] ops = new String[n];
            for (int i = 0; i < n; i++) ops[i] = group.next().name();
            String operator = KernelCodec.orNull(r.operatorName()), owner = KernelCodec.orNull(r.owner());
            if (operator == null || owner == null) throw new OperationException("a request's operator trailer is malformed");
            return new Acting(operator, rdc, new Access(owner, List.of(ops)));
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

    /** The trailer bytes for a request made on this thread (empty: no operator). */
    static byte[] trailerOfThisThread() {
        Acting a = ACTING.get();
        return a == null ? NONE : a.encode();
    }

    private static final byte[] NONE = new byte[0];

    // ---- the node's side

    private final int nodeId;
    /** RDCs' access as learnt from requests of sessions acting in them. Written and read by the kernel thread (concurrent for tests and views that read it from elsewhere). */
    private final ConcurrentHashMap<Long, Access> known = new ConcurrentHashMap<>();

    Authority(int nodeId) {
        this.nodeId = nodeId;
    }

    /** A session acting in an RDC tells the node that RDC's owner and list (the latest it knows). */
    void learn(Acting acting) {
        if (acting != null) known.put(acting.rdc(), acting.access());
    }

    /** An RDC's owner as this node has learnt it from operators' requests, or null. */
    String ownerOf(long rdc) {
        Access a = known.get(rdc);
        return a == null ? null : a.owner();
    }

    /** True when {@code acting} (null: no operator) may act in RDC {@code rdc}. */
    boolean allows(Acting acting, long rdc) {
        if (acting == null || acting.rdc() == rdc) return true;
        Access a = known.get(rdc);
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
