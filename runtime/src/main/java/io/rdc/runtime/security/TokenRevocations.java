package io.rdc.runtime.security;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Operator-token revocations (docs/security.md, "Revoking tokens"): per operator, and per RDC or for
 * every RDC (0), the cluster time (ms) at or before which its tokens were issued are refused.
 *
 * <p>One class for both sides: the control service keeps one, changed by its thread only in log
 * order (sorted maps, so every member writes the same snapshot and answers); a node holds a copy
 * made from the plane's answer and never changed after it is published, so the kernel thread reads
 * it without a lock. A node's lookup finds nothing for an operator with no revocation, which is
 * the common case: one lookup in a sorted map, no allocation.
 *
 * <p>Entries older than a token's longest life are dropped: every token issued before them has
 * expired anyway ({@link #prune}).
 */
public final class TokenRevocations {
    /** No revocation: a node's table until it reads the plane's. */
    public static final TokenRevocations NONE = new TokenRevocations();

    /** operator → RDC (0: every RDC) → revoked at (cluster ms). */
    private final TreeMap<String, TreeMap<Long, Long>> revoked = new TreeMap<>();
    /** Revocations recorded so far (never decreases, survives snapshots): a node reads the table again when it moved. */
    private long version;

    /** Tokens of {@code operator} for RDC {@code rdc} (0: every RDC) issued at or before {@code at} are refused from now on. */
    public void revoke(String operator, long rdc, long at) {
        checkNotShared();
        revoked.computeIfAbsent(operator, k -> new TreeMap<>()).merge(rdc, at, Math::max);
        version++;
    }

    /** Restores an entry (a snapshot, or a node's copy of the plane's table). */
    public void restore(String operator, long rdc, long at) {
        checkNotShared();
        revoked.computeIfAbsent(operator, k -> new TreeMap<>()).put(rdc, at);
    }

    /** {@link #NONE} is every node's table until it reads the plane's: it never changes. */
    private void checkNotShared() {
        if (this == NONE) throw new IllegalStateException("the empty revocation table is shared and never changes");
    }

    public long version() {
        return version;
    }

    public void version(long version) {
        checkNotShared();
        this.version = version;
    }

    /**
     * When the tokens of {@code operator} acting in RDC {@code rdc} were last revoked (cluster ms),
     * or {@link Long#MIN_VALUE}: a token issued at or before it is refused.
     */
    public long revokedAt(String operator, long rdc) {
        TreeMap<Long, Long> of = revoked.get(operator);
        if (of == null) return Long.MIN_VALUE;
        Long all = of.get(0L), one = rdc == 0 ? null : of.get(rdc);
        return Math.max(all == null ? Long.MIN_VALUE : all, one == null ? Long.MIN_VALUE : one);
    }

    /** True when a token of {@code operator} for {@code rdc} issued at {@code issuedAtMillis} is revoked. */
    public boolean revokes(String operator, long rdc, long issuedAtMillis) {
        return issuedAtMillis <= revokedAt(operator, rdc);
    }

    /**
     * When a token issued now ({@code now}, cluster ms) is stamped as issued: after the operator's
     * latest revocation, so that a token the plane issues in the same millisecond as a revocation,
     * but after it in the log, is not refused with the ones before it.
     */
    public long issueTime(String operator, long rdc, long now) {
        long at = revokedAt(operator, rdc);
        return at == Long.MIN_VALUE ? now : Math.max(now, at + 1);
    }

    /** Drops entries older than {@code now - maxTokenLife}: every token issued before them has expired. */
    public void prune(long now, long maxTokenLifeMillis) {
        for (Iterator<TreeMap<Long, Long>> ops = revoked.values().iterator(); ops.hasNext(); ) {
            TreeMap<Long, Long> of = ops.next();
            of.values().removeIf(at -> at < now - maxTokenLifeMillis);
            if (of.isEmpty()) ops.remove();
        }
    }

    /** Every entry, in a fixed order: (operator, rdc, revoked at). */
    public void forEach(Entry visitor) {
        for (Map.Entry<String, TreeMap<Long, Long>> op : revoked.entrySet())
            for (Map.Entry<Long, Long> r : op.getValue().entrySet()) visitor.accept(op.getKey(), r.getKey(), r.getValue());
    }

    /** The table as the plane answers it (Query op 3): key {@code operator\trdc}, value the revocation's time. */
    public java.util.LinkedHashMap<String, String> lines() {
        java.util.LinkedHashMap<String, String> out = new java.util.LinkedHashMap<>();
        forEach((operator, rdc, at) -> out.put(operator + "\t" + rdc, Long.toString(at)));
        return out;
    }

    /** A node's copy of the plane's table, from its answer ({@link #lines}); {@code version}: the count it was read at. */
    public static TokenRevocations fromLines(Map<String, String> lines, long version) {
        TokenRevocations t = new TokenRevocations();
        for (Map.Entry<String, String> e : lines.entrySet()) {
            int tab = e.getKey().lastIndexOf('\t');
            t.restore(e.getKey().substring(0, tab), Long.parseLong(e.getKey().substring(tab + 1)), Long.parseLong(e.getValue()));
        }
        t.version = version;
        return t;
    }

    public interface Entry {
        void accept(String operator, long rdc, long revokedAt);
    }

    public boolean isEmpty() {
        return revoked.isEmpty();
    }
}
