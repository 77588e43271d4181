package io.rdc.runtime.kernel;

import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.ref.RefDescriptor;
import java.util.List;
import java.util.Map;

/**
 * What a kernel asks of the pool's control plane (DESIGN §6, dissertation §3.3, §5.4–5.5): the
 * replicated pool state that outlives any one node or operator. The implementation is
 * {@code io.rdc.runtime.control.ControlClient}, a client of an Aeron Cluster service; every call is
 * thread-safe, fails with an {@link OperationException} naming the operation and the reason, and
 * never waits longer than its timeout (an unreachable control plane is reported, not hung on).
 */
public interface ControlPlane extends AutoCloseable {

    /** What a stream-space get hands out: the reference, whether the entry is limited (so a copy is out) and whether the getter may cache it (§5.5.3). */
    record SpaceGot(RefDescriptor ref, boolean limited, boolean cacheable) {}

    /** A node as the control plane knows it: from its hello, kept alive by heartbeats. */
    record Member(NodeInfo info, boolean reachable, long lastHeartbeatAgeMs, double load, int incarnations, boolean operator) {}

    /** An RDC as the control plane knows it. */
    record RdcRecord(long id, String name, String owner, String state, boolean attached) {}

    // ---- membership (the SR coordinator's hello, §3.3)

    /**
     * A node (or an operator's session kernel, {@code operator = true}) joins: returns the first
     * counter of a block of ids it alone may use, never handed out before (ids survive restarts).
     */
    long hello(NodeInfo node, boolean operator);

    /**
     * Liveness and load; a node silent for longer than the pool's bound is shown unreachable.
     * Returns the pool's allocation epoch: when it moved, the node reads its allocation again
     * ({@link #nodeAllocation}, docs/pool.md).
     */
    long heartbeat(int node, double load, int incarnations);

    /** A further block of ids for {@code node} (the previous one is nearly used up). */
    long idBlock(int node);

    /** The number of ids in one block handed out by {@link #hello} and {@link #idBlock}. */
    long idBlockSize();

    void goodbye(int node);

    List<Member> members();

    // ---- RDCs (§3.3: launch, rdcExit), and the names scripts gave to what they made

    /** The RDC named {@code name}, created if there is none (a new id, never reused); {@code created} tells which. */
    record Opened(RdcRecord rdc, boolean created) {}

    Opened openRdc(String name, String owner, boolean attached);

    /**
     * This plane as operator {@code identity} sees it: with a keyed plane, a session of its own that
     * proved {@code identity} with {@code ownKey} (the user's own key, docs/security.md), or with the
     * pool's key when null. The plane takes RDC owners, and who may change an RDC's names, from the
     * identity a session proved. Kept open with this plane (one per identity and key). This default:
     * the plane itself.
     */
    default ControlPlane as(String identity, byte[] ownKey) {
        return this;
    }

    // ---- operator tokens (docs/security.md, "Operator tokens")

    /** The public key (X.509 encoding) with which this plane signs operator tokens; null when it signs none. */
    default byte[] operatorTokenKey() {
        return null;
    }

    /**
     * A token binding the identity this session proved, acting in RDC {@code rdc} (with that RDC's
     * owner and other operators now), to {@code sessionKey} (the X.509 encoding of an Ed25519 public
     * key the operator made), for at most {@code ttlMillis}; throws when this plane signs none, the
     * session proved no operator, or that operator may not act in the RDC.
     */
    default io.rdc.runtime.security.OperatorTokens.Token issueOperatorToken(long rdc, byte[] sessionKey, long ttlMillis) {
        throw new OperationException("operator token: this control plane issues none");
    }

    /**
     * Revokes every token of {@code operator} issued until now, in every RDC (docs/security.md,
     * "Revoking tokens"): allowed to that operator and to pool processes (the pool key's holder).
     * Returns the revocation's time (cluster ms).
     */
    default long revokeOperatorTokens(String operator) {
        throw new OperationException("revoke tokens of '" + operator + "': this control plane issues no tokens");
    }

    /** How many token revocations the plane had recorded at this client's latest heartbeat: when it moved, nodes read {@link #tokenRevocations} again. */
    default long revocationsVersion() {
        return 0;
    }

    /** The plane's token revocations now (what nodes refuse). */
    default io.rdc.runtime.security.TokenRevocations tokenRevocations() {
        return io.rdc.runtime.security.TokenRevocations.NONE;
    }

    List<RdcRecord> rdcs();

    void terminateRdc(long rdc);

    /** Binds a script name ({@code w[2]}, {@code sched}, a channel's name) in an RDC to a value the interpreter understands (JSON text). */
    void bindName(long rdc, String name, String value);

    void unbindName(long rdc, String name);

    Map<String, String> names(long rdc);

    // ---- node allocation (§3.4, inc_nodeAlloc; docs/pool.md)

    /** One node of an RDC's allocation (or one RDC of a node's), its groups, and whether this request just gave it. */
    record AllocatedNode(int node, long rdc, String owner, List<String> groups, boolean exclusive, boolean justGiven) {}

    /**
     * An allocation: {@code open} when the pool has no users file (every RDC may use every node and
     * nothing is listed); {@code pending}, nodes asked for and not given yet; {@code epoch}, the
     * pool's allocation epoch it was read at.
     */
    record Allocation(long epoch, boolean open, int pending, List<AllocatedNode> nodes) {}

    /** Loads the pool users file (fig. 3.4; empty text: none, an open pool); {@code source} names it in refusals. Returns its number of users. */
    int setUsers(String source, String text);

    /** inc_nodeAlloc: {@code count} more nodes of {@code group} for RDC {@code rdc}: the free ones now, the rest as they come free. */
    Allocation allocate(long rdc, int count, String group);

    /** Gives a node back to the pool. */
    Allocation release(long rdc, int node);

    /** The nodes RDC {@code rdc} is allocated. */
    Allocation allocation(long rdc);

    /** The RDCs node {@code node} is allocated to (what its loader checks). */
    Allocation nodeAllocation(int node);

    // ---- stream space (§5.5), one per RDC

    void spacePut(long rdc, String label, RefDescriptor ref, int copies);

    /**
     * Blocks until the label has an available copy or the timeout passes (then throws). A copy
     * handed out to a getter that has given up is returned, never lost. {@code holder} is the
     * getting incarnation's id.
     */
    SpaceGot spaceGet(long rdc, String label, long holder, long timeoutNs);

    /** Gives a limited copy back; {@code port} is the returner's port when the entry is a unicast port, else null. */
    void spaceReturn(long rdc, String label, RefDescriptor port, long holder);

    boolean spaceDelete(long rdc, String label);

    List<String> spacePrint(long rdc);

    // ---- name service (§5.4)

    /**
     * Binds {@code name} to {@code ref}, owned by RDC {@code ownerRdc}; {@code readers} are the RDCs
     * (names or ids) that may look it up, empty for every RDC. Refused when another RDC owns the name.
     */
    void register(String name, RefDescriptor ref, long ownerRdc, List<String> readers);

    /** Deletes a name RDC {@code ownerRdc} owns (refused when another RDC owns it); false when none is registered. */
    boolean unregister(String name, long ownerRdc);

    /** The reference registered for an incarnation of RDC {@code requesterRdc}; throws with a did-you-mean when there is none, and when the registrant did not list that RDC. */
    RefDescriptor lookup(String name, long requesterRdc);

    // ---- on-demand nodes (SR's srx coordinator: create, find, destroy, stop; docs/pool-ondemand.md)

    /**
     * A node an RDC asked the coordinator for: its state (WANTED, STARTING, UP, FAILED, STOPPING,
     * STOPPED), the host it was started on, the control-plane member whose coordinator started it
     * and that process's id there (0 until known), when it last changed (cluster time, ms), and why
     * it failed.
     */
    record OnDemandNode(int node, long rdc, String group, String host, String state, int member, long pid, long sinceMs, String error) {}

    /** RDC {@code rdc} (0: the pool's own) wants {@code count} more nodes of {@code group} on {@code host} ("" = any): returns them, WANTED. */
    default List<OnDemandNode> createNodes(long rdc, String group, String host, int count) {
        throw new OperationException("create nodes: this control plane has no coordinator");
    }

    /** The nodes the coordinator was asked for, of RDC {@code rdc} (0: all). */
    default List<OnDemandNode> findNodes(long rdc) {
        throw new OperationException("find nodes: this control plane has no coordinator");
    }

    /** Ends one on-demand node; false when it had ended already. */
    default boolean destroyNode(int node) {
        throw new OperationException("destroy node " + node + ": this control plane has no coordinator");
    }

    /** Ends every on-demand node of RDC {@code rdc} (0: all); returns how many were live. */
    default int stopNodes(long rdc) {
        throw new OperationException("stop nodes: this control plane has no coordinator");
    }

    @Override
    void close();
}
