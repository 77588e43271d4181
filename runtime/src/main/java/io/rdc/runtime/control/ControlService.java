package io.rdc.runtime.control;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.logbuffer.Header;
import io.rdc.runtime.control.codecs.*;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.ref.RefDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.IdleStrategy;

/**
 * The pool's control plane as an Aeron Cluster service (docs/control-plane.md, DESIGN §9.1): a
 * deterministic state machine over the Raft log. It holds pool membership and liveness, id blocks,
 * RDCs and the names scripts gave, every RDC's stream space ({@link SpaceTable}) and the name
 * service. No wall clock (cluster time only) and insertion- or key-ordered maps only, so every
 * member computes the same state and the same answers.
 *
 * <p>Exactly once: each request carries (clientId, seq). The service remembers per client the
 * answers it gave (the last {@value #RESPONSES_KEPT}), so a request retried after a leader change
 * is answered again, not applied twice. A get still waiting is remembered as pending: its retry
 * only moves the answer to the client's current session.
 */
public final class ControlService implements ClusteredService {

    /** Ids a hello or idBlock hands out at once: counters [start, start + size). */
    public static final long ID_BLOCK_SIZE = 1L << 20;
    /** RDC ids are Ids.make(RDC_NODE, n): node 0 is no node's id (nodes are 1..65535), so they never collide with node-made gids. */
    public static final int RDC_NODE = 0;
    public static final long DEFAULT_UNREACHABLE_AFTER_MS = 3_000;
    static final int RESPONSES_KEPT = 1024;
    /** A client whose session closed is forgotten (its remembered answers too) this long after. */
    static final long CLIENT_FORGET_MS = 60_000;
    static final String RUNNING = "RUNNING", TERMINATED = "TERMINATED";
    private static final long COUNTER_LIMIT = (1L << 39) - 1;

    static final class MemberState {
        NodeInfo info;
        boolean operator, reachable;
        long lastHeartbeat;
        double load;
        int incarnations;
    }

    static final class RdcState {
        long id, openerClient;
        String name, owner;
        boolean attached, terminated;
        final Map<String, String> names = new LinkedHashMap<>();
    }

    static final class ClientState {
        long session, closedAt, forgottenUpTo; // answers of seq <= forgottenUpTo are no longer kept
        /** seq → the encoded answer; null while a get waits. */
        final TreeMap<Long, byte[]> answers = new TreeMap<>();
    }

    final long unreachableAfterMs;
    final TreeMap<Integer, MemberState> members = new TreeMap<>();
    final TreeMap<Integer, Long> blockNext = new TreeMap<>();
    final LinkedHashMap<Long, RdcState> rdcs = new LinkedHashMap<>();
    final LinkedHashMap<Long, SpaceTable> spaces = new LinkedHashMap<>();
    /** The name service: names belong to the RDC that registered them; RDCs shown with their names. */
    final io.rdc.runtime.kernel.NameService registry = new io.rdc.runtime.kernel.NameService(this::showRdc);
    final LinkedHashMap<Long, ClientState> clients = new LinkedHashMap<>();
    /** The pool users file and which nodes each RDC is allocated (docs/pool.md). */
    final Allocations allocations = new Allocations(this);
    final TreeMap<Long, Long> sessionClients = new TreeMap<>();
    long nextRdc = 1;
    /** Nodes RDCs asked for and what became of them (SR's srx; a member's NodeCoordinator starts them). */
    final OnDemandNodes onDemand = new OnDemandNodes();
    /** Operators' tokens revoked (docs/security.md, "Revoking tokens"): nodes read them when a heartbeat's answer says they moved. */
    final io.rdc.runtime.security.TokenRevocations revocations = new io.rdc.runtime.security.TokenRevocations();

    private Cluster cluster;
    private IdleStrategy idle;
    private long now;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerOut = new MessageHeaderEncoder();
    private final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(512);
    private final ExpandableDirectByteBuffer handOut = new ExpandableDirectByteBuffer(256);
    private final SpaceTable.Handout handout = this::onHandout;

    public ControlService() {
        this(DEFAULT_UNREACHABLE_AFTER_MS);
    }

    /** @param unreachableAfterMs a node silent for longer than this is shown unreachable (the same on every member) */
    public ControlService(long unreachableAfterMs) {
        this.unreachableAfterMs = unreachableAfterMs;
    }

    /**
     * Requests applied since the last snapshot (or since the one this member started from): the
     * member's {@link PeriodicSnapshots} reads it from another thread. Not part of the state.
     */
    private final java.util.concurrent.atomic.AtomicLong entriesSinceSnapshot = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean startedFromSnapshot;

    @Override
    public void onStart(Cluster cluster, Image snapshotImage) {
        this.cluster = cluster;
        this.idle = cluster.idleStrategy();
        if (snapshotImage != null) ControlSnapshot.load(this, snapshotImage, idle);
        startedFromSnapshot = snapshotImage != null;
    }

    @Override
    public void onTakeSnapshot(ExclusivePublication snapshot) {
        ControlSnapshot.write(this, snapshot, idle);
        entriesSinceSnapshot.lazySet(0);
    }

    /** Requests applied (or replayed) since the last snapshot this member took or started from. */
    public long entriesSinceSnapshot() {
        return entriesSinceSnapshot.get();
    }

    /** True when this member's state was loaded from a snapshot as it started (the log replayed after it). */
    public boolean startedFromSnapshot() {
        return startedFromSnapshot;
    }

    @Override
    public void onSessionOpen(ClientSession session, long timestamp) {
        now = timestamp;
        forgetOldClients();
    }

    @Override
    public void onSessionClose(ClientSession session, long timestamp, CloseReason reason) {
        now = timestamp;
        Long clientId = sessionClients.remove(session.id());
        ClientState c = clientId == null ? null : clients.get(clientId);
        if (c == null || c.session != session.id()) return;
        c.closedAt = now;
        // Its waiting getters go (nobody reads their answers), and so do their pending marks, so a
        // retry of the same get from a new session is queued again.
        for (SpaceTable s : spaces.values())
            s.removeGetters(g -> {
                if (g.client() != clientId) return false;
                c.answers.remove(g.seq());
                return true;
            });
        // An RDC launched attached depends on its operator's session (dissertation §3.3).
        for (RdcState r : rdcs.values())
            if (r.attached && !r.terminated && r.openerClient == clientId) terminate(r);
        forgetOldClients();
    }

    @Override
    public void onTimerEvent(long correlationId, long timestamp) {
        now = timestamp;
        MemberState m = members.get((int) correlationId);
        if (m != null && m.reachable && now - m.lastHeartbeat >= unreachableAfterMs) {
            m.reachable = false;
            allocations.onUnreachable(m); // it leaves its RDCs' allocations (docs/pool.md, Failure)
        }
    }

    /**
     * A new leadership term (after an election, or at start; in the log, so every member applies it
     * at the same point). Nobody could heartbeat while the election ran, which is no node's fault:
     * each node that was alive gets a whole liveness bound from the term's start, or the first
     * request after a long election would find every node UNREACHABLE at once (seen when the leader
     * was killed during a reconfiguration script).
     */
    @Override
    public void onNewLeadershipTermEvent(long leadershipTermId, long logPosition, long timestamp, long termBaseLogPosition,
                                         int leaderMemberId, int logSessionId, java.util.concurrent.TimeUnit timeUnit, int appVersion) {
        now = timestamp;
        for (MemberState m : members.values()) {
            if (!m.reachable || m.lastHeartbeat >= timestamp) continue;
            m.lastHeartbeat = timestamp;
            while (!cluster.scheduleTimer(m.info.id(), timestamp + unreachableAfterMs)) idle.idle();
        }
    }

    /** System property: print this member's role changes (set by a member process's main). */
    static final String LOG_ROLES = "rdc.control.logRoles";

    @Override
    public void onRoleChange(Cluster.Role newRole) {
        // A member process's log says who leads (operators read it; tests use it to kill the leader).
        // An embedded member stays quiet: its process's output is the operator's.
        if (!Boolean.getBoolean(LOG_ROLES)) return;
        System.out.println("control member " + cluster.memberId() + " is " + newRole);
        System.out.flush();
    }

    @Override
    public void onTerminate(Cluster cluster) {}

    // ---------------------------------------------------------------- requests

    @Override
    public void onSessionMessage(ClientSession session, long timestamp, DirectBuffer buf, int offset, int length, Header hdr) {
        now = timestamp;
        entriesSinceSnapshot.lazySet(entriesSinceSnapshot.get() + 1); // one writer: this thread
        header.wrap(buf, offset);
        if (header.schemaId() != MessageHeaderDecoder.SCHEMA_ID) return; // not ours: nothing to answer
        int template = header.templateId();
        long clientId = ControlCodec.requestClient(buf, offset);
        long seq = ControlCodec.requestSeq(buf, offset);
        if (template == EchoDecoder.TEMPLATE_ID) { // the bench's raw round trip: no bookkeeping
            int len = new EchoReplyEncoder().wrapAndApplyHeader(out, 0, headerOut).seq(seq).status(Status.OK).encodedLength();
            offer(session, out, MessageHeaderEncoder.ENCODED_LENGTH + len);
            return;
        }
        ClientState c = clients.computeIfAbsent(clientId, k -> new ClientState());
        if (c.session != session.id()) {
            sessionClients.put(session.id(), clientId);
            c.session = session.id();
        }
        c.closedAt = 0;
        if (c.answers.containsKey(seq)) { // a retry: answer again (a waiting get: its answer will follow)
            byte[] again = c.answers.get(seq);
            if (again != null) offer(session, again);
            return;
        }
        if (seq <= c.forgottenUpTo) {
            answer(c, seq, error(seq, "request " + seq + " was applied long ago and its answer is no longer kept"));
            return;
        }
        int len;
        current = session;
        try {
            len = apply(template, buf, offset, clientId, seq);
        } catch (OperationException | IllegalArgumentException e) {
            len = error(seq, e.getMessage());
        }
        if (len >= 0) answer(c, seq, len);
        else c.answers.put(seq, null); // a get waits
    }

    /** Applies one request; returns the length of its answer in {@link #out}, or -1 when a get waits. */
    private int apply(int template, DirectBuffer buf, int offset, long clientId, long seq) {
        int at = offset + MessageHeaderDecoder.ENCODED_LENGTH, bl = header.blockLength(), v = header.version();
        switch (template) {
            case HelloDecoder.TEMPLATE_ID -> {
                HelloDecoder d = new HelloDecoder().wrap(buf, at, bl, v);
                int node = d.node();
                boolean operator = d.isOperator() != 0;
                String name = d.name(), type = d.nodeType(), groups = d.groups(), attrs = d.attributes();
                if (node <= 0) throw new OperationException("hello: node id must be positive, not " + node);
                MemberState m = members.computeIfAbsent(node, k -> new MemberState());
                m.info = new NodeInfo(node, name, ControlCodec.lines(groups), type, ControlCodec.pairs(attrs));
                m.operator = operator;
                boolean back = alive(node, m); // new, or unreachable until now
                long start = block(node);
                if (back) allocations.onJoin(m);
                onDemand.onHello(node, now);
                return ack(seq, start);
            }
            case HeartbeatDecoder.TEMPLATE_ID -> {
                HeartbeatDecoder d = new HeartbeatDecoder().wrap(buf, at, bl, v);
                MemberState m = members.get(d.node());
                if (m == null) throw new OperationException("heartbeat: node " + d.node() + " has not said hello (or said goodbye)");
                m.load = d.load();
                m.incarnations = d.incarnations();
                if (alive(d.node(), m)) allocations.onJoin(m); // it was unreachable: its allocation comes back
                return ack(seq, allocations.epoch); // the node reads its allocation again when this moved (docs/pool.md)
            }
            case NodeOpDecoder.TEMPLATE_ID -> {
                NodeOpDecoder d = new NodeOpDecoder().wrap(buf, at, bl, v);
                if (d.op() == 0) return ack(seq, block(d.node()));
                if (members.remove(d.node()) != null) cluster.cancelTimer(d.node());
                return ack(seq, 0);
            }
            case QueryDecoder.TEMPLATE_ID -> {
                int op = new QueryDecoder().wrap(buf, at, bl, v).op();
                if (op == 2) return signed(seq, tokenKey == null ? new byte[0] : tokenKey.publicKey(), new byte[0]);
                if (op == 3) return revocationList(seq);
                return op == 0 ? membersList(seq) : rdcList(seq, rdcs.values(), false);
            }
            case IssueTokenDecoder.TEMPLATE_ID -> {
                IssueTokenDecoder d = new IssueTokenDecoder().wrap(buf, at, bl, v);
                long ttl = d.ttlMillis();
                int keyLength = d.sessionKeyLength();
                if (keyLength > 256) throw new OperationException("operator token: a session key of " + keyLength + " bytes is no Ed25519 public key");
                byte[] sessionKey = new byte[keyLength];
                d.getSessionKey(sessionKey, 0, keyLength);
                return issueToken(seq, d.rdc(), sessionKey, ttl);
            }
            case RevokeTokensDecoder.TEMPLATE_ID -> {
                return revokeTokens(seq, new RevokeTokensDecoder().wrap(buf, at, bl, v).operatorName());
            }
            case OpenRdcDecoder.TEMPLATE_ID -> {
                OpenRdcDecoder d = new OpenRdcDecoder().wrap(buf, at, bl, v);
                boolean attached = d.attached() != 0;
                String name = d.name(), owner = d.owner();
                checkProvenOwner(name, owner);
                allocations.checkUser(owner, name);
                if (!name.isBlank())
                    for (RdcState r : rdcs.values())
                        if (!r.terminated && r.name.equals(name)) {
                            // A session in an RDC may act in it (Authority): only its owner and the operators it lists may open one.
                            checkAuthority(r, owner, "opening a session in it");
                            return rdcList(seq, List.of(r), false);
                        }
                if (nextRdc > COUNTER_LIMIT) throw new OperationException("open RDC '" + name + "': every RDC id has been used");
                RdcState r = new RdcState();
                r.id = Ids.make(RDC_NODE, nextRdc++);
                r.name = name;
                r.owner = owner;
                r.attached = attached;
                r.openerClient = clientId;
                rdcs.put(r.id, r);
                allocations.onLaunch(r);
                return rdcList(seq, List.of(r), true);
            }
            case RdcOpDecoder.TEMPLATE_ID -> {
                RdcOpDecoder d = new RdcOpDecoder().wrap(buf, at, bl, v);
                long rdc = d.rdc();
                switch (d.op()) {
                    case 0 -> {
                        RdcState r = rdc(rdc, "terminate RDC");
                        String proven = proven();
                        if (proven != null) checkAuthority(r, proven, "terminate");
                        terminate(r);
                        return ack(seq, 0);
                    }
                    case 1 -> {
                        return textList(seq, rdc(rdc, "names").names, true);
                    }
                    default -> {
                        List<String> lines = spaceOf(rdc).print();
                        Map<String, String> m = new LinkedHashMap<>();
                        for (int i = 0; i < lines.size(); i++) m.put(Integer.toString(i), lines.get(i));
                        return textList(seq, m, false);
                    }
                }
            }
            case BindNameDecoder.TEMPLATE_ID -> {
                BindNameDecoder d = new BindNameDecoder().wrap(buf, at, bl, v);
                short op = d.op();
                String name = d.name(), value = d.value();
                RdcState r = rdc(d.rdc(), op == 0 ? "bind name" : "unbind name");
                if (r.terminated) throw new OperationException("RDC " + Ids.show(r.id) + " ('" + r.name + "') is terminated");
                checkMayBind(r, name, op == 0 ? "bind" : "unbind");
                if (name.equals(io.rdc.runtime.kernel.Authority.OPERATORS_NAME)) revokeDropped(r, op == 0 ? value : "");
                if (op == 0) r.names.put(name, value);
                else r.names.remove(name);
                return ack(seq, 0);
            }
            case SpacePutDecoder.TEMPLATE_ID -> {
                SpacePutDecoder d = new SpacePutDecoder().wrap(buf, at, bl, v);
                long rdc = d.rdc();
                int copies = d.copies();
                RefDescriptor ref = ControlCodec.get(d.desc());
                spaceOf(rdc).put(d.label(), ref, copies, handout);
                return ack(seq, 0);
            }
            case SpaceGetDecoder.TEMPLATE_ID -> {
                SpaceGetDecoder d = new SpaceGetDecoder().wrap(buf, at, bl, v);
                long rdc = d.rdc(), holder = d.holder();
                handed = -1;
                spaceOf(rdc).get(d.label(), new SpaceTable.Getter(clientId, seq, holder), handout);
                return handed; // at once, or -1: it waits
            }
            case SpaceReturnDecoder.TEMPLATE_ID -> {
                SpaceReturnDecoder d = new SpaceReturnDecoder().wrap(buf, at, bl, v);
                long rdc = d.rdc(), holder = d.holder();
                RefDescriptor port = d.hasPort() != 0 ? ControlCodec.get(d.port()) : null;
                spaceOf(rdc).giveBack(d.label(), port, holder, handout);
                return ack(seq, 0);
            }
            case SpaceDeleteDecoder.TEMPLATE_ID -> {
                SpaceDeleteDecoder d = new SpaceDeleteDecoder().wrap(buf, at, bl, v);
                long rdc = d.rdc();
                return ack(seq, spaceOf(rdc).delete(d.label()) ? 1 : 0);
            }
            case RegisterDecoder.TEMPLATE_ID -> {
                RegisterDecoder d = new RegisterDecoder().wrap(buf, at, bl, v);
                long owner = d.ownerRdc();
                RefDescriptor ref = ControlCodec.get(d.desc());
                boolean delete = v >= 3 && d.op() == 1;
                String name = d.name(), readers = d.readers(); // a version-2 client sends no readers: public
                if (delete) return ack(seq, registry.unregister(name, owner) ? 1 : 0);
                registry.register(name, ref, owner, ControlCodec.lines(readers));
                return ack(seq, 0);
            }
            case LookupDecoder.TEMPLATE_ID -> {
                LookupDecoder d = new LookupDecoder().wrap(buf, at, bl, v);
                long requester = v >= 3 ? d.requesterRdc() : 0; // a version-2 client's lookups see public names only
                String name = d.name();
                RdcState asking = rdcs.get(requester);
                return got(out, seq, registry.lookup(name, requester, asking == null ? null : asking.name), false, false);
            }
            case CancelGetDecoder.TEMPLATE_ID -> {
                long getSeq = new CancelGetDecoder().wrap(buf, at, bl, v).getSeq();
                ClientState c = clients.get(clientId);
                if (c.answers.containsKey(getSeq) && c.answers.get(getSeq) == null) {
                    for (SpaceTable s : spaces.values()) s.cancel(clientId, getSeq);
                    c.answers.put(getSeq, encoded(out, cancelled(getSeq))); // a late retry of the get is told, not queued
                    return cancelled(seq);
                }
                byte[] handedOut = c.answers.get(getSeq);
                if (handedOut == null) return cancelled(seq); // never seen (or forgotten): nothing was handed out
                // Already handed out: the answer tells the client what to give back.
                out.putBytes(0, handedOut); // the same answer, under the cancel's seq
                out.putLong(ControlCodec.RESPONSE_SEQ_OFFSET, seq, java.nio.ByteOrder.LITTLE_ENDIAN);
                return handedOut.length;
            }
            case SetUsersDecoder.TEMPLATE_ID -> {
                SetUsersDecoder d = new SetUsersDecoder().wrap(buf, at, bl, v);
                String source = d.source();
                allocations.setUsers(source, d.text());
                return ack(seq, allocations.users == null ? 0 : allocations.users.rules().size());
            }
            case AllocOpDecoder.TEMPLATE_ID -> {
                AllocOpDecoder d = new AllocOpDecoder().wrap(buf, at, bl, v);
                long rdc = d.rdc();
                int node = d.node(), count = d.count();
                short op = d.op();
                String group = d.group();
                return allocation(seq, switch (op) {
                    case 0 -> allocations.allocate(running(rdc, "allocate"), count, group);
                    case 1 -> allocations.release(running(rdc, "release node " + node), node);
                    case 2 -> allocations.rdcView(rdc(rdc, "allocation"), null);
                    default -> allocations.nodeView(node);
                });
            }
            case NodeCreateDecoder.TEMPLATE_ID, NodeFindDecoder.TEMPLATE_ID, NodeDestroyDecoder.TEMPLATE_ID, NodeStopDecoder.TEMPLATE_ID,
                 NodeReportDecoder.TEMPLATE_ID -> {
                return onDemand.apply(template, buf, at, bl, v, seq, now, members::containsKey, out, headerOut, this::ack);
            }
            default -> throw new OperationException("unknown control request (template " + template + ", schema version " + v + ")");
        }
    }

    // ---------------------------------------------------------------- identities (docs/security.md)

    /** The session whose request is being applied (its proven principal decides owners and who may bind names). */
    private ClientSession current;

    /**
     * The identity the current session proved to the authenticator ({@link PoolKeyAuth}): replicated
     * with the session's open in the log, so every member reads the same. Null on a plane without a
     * key: then the owner a request names is believed, as the plane cannot tell.
     */
    private String proven() {
        byte[] p = current == null ? null : current.encodedPrincipal();
        return p == null || p.length == 0 ? null : new String(p, java.nio.charset.StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- operator tokens (docs/security.md, "Operator tokens")

    /** The longest life of an operator token: an operator session asks for a new one before its token has a quarter left. */
    public static final long MAX_TOKEN_MILLIS = 3_600_000;

    /** The key this plane signs operator tokens with (every member holds the same); null: it signs none. */
    private io.rdc.runtime.security.OperatorTokens.SigningKey tokenKey;

    /** Set before the member starts. */
    void signTokensWith(io.rdc.runtime.security.OperatorTokens.SigningKey key) {
        this.tokenKey = key;
    }

    /**
     * A token binding the identity the current session proved, and RDC {@code rdc} with its owner
     * and other operators now, to {@code sessionKey}, until the cluster's time plus {@code
     * ttlMillis} (at most {@link #MAX_TOKEN_MILLIS}). Times come from the log's timestamp and
     * Ed25519 signatures are deterministic, so every member makes the same answer. Only a session
     * that proved an operator's identity gets one, and only for an RDC it may act in (as for
     * opening a session in it).
     */
    private int issueToken(long seq, long rdc, byte[] sessionKey, long ttlMillis) {
        if (tokenKey == null) throw new OperationException("operator token: this control plane signs no tokens (it was started without a signing key)");
        String proven = proven();
        if (proven == null) throw new OperationException("operator token: this control plane has no pool key, so it cannot tell who asks");
        if (proven.startsWith(PoolKeyAuth.NODE_PRINCIPAL))
            throw new OperationException("operator token: this control-plane session is " + proven + ", a pool process, not an operator");
        if (ttlMillis <= 0) throw new OperationException("operator token: a life of " + ttlMillis + " ms");
        if (io.rdc.runtime.security.OperatorMacs.publicKeyOrNull(sessionKey) == null)
            throw new OperationException("operator token: the session key is not an X25519 public key (X.509 encoding; sessions of rdc's versions"
                    + " before 6 sent Ed25519 keys: upgrade the operator's rdc)");
        RdcState r = running(rdc, "operator token");
        checkAuthority(r, proven, "a token to act in it");
        List<String> operators = ControlCodec.lines(r.names.getOrDefault(io.rdc.runtime.kernel.Authority.OPERATORS_NAME, ""));
        long issued = revocations.issueTime(proven, rdc, now); // after a revocation in the same millisecond
        byte[] body = io.rdc.runtime.security.OperatorTokens.Token.body(proven, rdc, r.owner, operators, sessionKey, issued,
                issued + Math.min(ttlMillis, MAX_TOKEN_MILLIS));
        return signed(seq, body, tokenKey.sign(body));
    }

    /**
     * Revokes every token of {@code operator} issued until now, in every RDC: nodes refuse them once
     * they have read the plane's revocations (within a heartbeat), and the operator's sessions ask
     * for new ones. Asked by the operator itself (a leaked session key), or by a pool process: a
     * {@code node:} session, which proved the pool's key, the pool administrator's (an {@code rdc
     * pool} command). A plane without a key cannot tell who asks and believes it, as it does owners.
     */
    private int revokeTokens(long seq, String operator) {
        if (operator == null || operator.isBlank() || operator.contains("\n") || operator.contains("\t") || operator.startsWith(PoolKeyAuth.NODE_PRINCIPAL))
            throw new OperationException("revoke tokens: '" + operator + "' is no operator's name");
        String proven = proven();
        if (proven != null && !proven.equals(operator) && !proven.startsWith(PoolKeyAuth.NODE_PRINCIPAL))
            throw new OperationException("revoke tokens of '" + operator + "' refused: only '" + operator
                    + "' itself or the pool's administrator (a pool process, proven by the pool's key) may, not '" + proven + "'");
        revocations.prune(now, MAX_TOKEN_MILLIS);
        revocations.revoke(operator, 0, now);
        return ack(seq, now);
    }

    /** The operators an RDC's owner drops from its list lose the tokens they hold for that RDC. */
    private void revokeDropped(RdcState r, String newList) {
        List<String> kept = ControlCodec.lines(newList);
        for (String was : ControlCodec.lines(r.names.getOrDefault(io.rdc.runtime.kernel.Authority.OPERATORS_NAME, "")))
            if (!kept.contains(was)) {
                revocations.prune(now, MAX_TOKEN_MILLIS);
                revocations.revoke(was, r.id, now);
            }
    }

    private int revocationList(long seq) {
        return textList(seq, revocations.lines(), true);
    }

    private int signed(long seq, byte[] body, byte[] signature) {
        SignedEncoder e = new SignedEncoder().wrapAndApplyHeader(out, 0, headerOut);
        e.seq(seq).status(Status.OK).putBody(body, 0, body.length).putSignature(signature, 0, signature.length);
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }

    /** An RDC's owner is the operator whose session proved it, never one a request merely names. */
    private void checkProvenOwner(String rdcName, String owner) {
        String proven = proven();
        if (proven == null) return;
        if (proven.startsWith(PoolKeyAuth.NODE_PRINCIPAL))
            throw new OperationException("open RDC '" + rdcName + "': this control-plane session is " + proven
                    + "'s, a pool process's, not an operator's; an operator opens RDCs from a session of its own identity");
        if (!proven.equals(owner))
            throw new OperationException("open RDC '" + rdcName + "' as operator '" + owner + "' refused: this session proved operator '" + proven
                    + "' (the owner is the identity the session's key proved, not the one a request names)");
    }

    /** Refused unless {@code operator} owns the RDC or is on its list (Authority.OPERATORS_NAME). */
    private void checkAuthority(RdcState r, String operator, String what) {
        String listed = r.names.getOrDefault(io.rdc.runtime.kernel.Authority.OPERATORS_NAME, "");
        if (!r.owner.equals(operator) && !ControlCodec.lines(listed).contains(operator))
            throw new OperationException("operator '" + operator + "' has no authority over RDC '" + r.name + "' (owner '" + r.owner + "'"
                    + (listed.isEmpty() ? "" : ", also " + listed.replace('\n', ',')) + "): " + what + " refused");
    }

    /** An RDC's names are its sessions' to change; who else may act in it ({@code access:operators}) is its owner's alone. */
    private void checkMayBind(RdcState r, String name, String what) {
        String proven = proven();
        if (proven == null) return;
        if (name.equals(io.rdc.runtime.kernel.Authority.OPERATORS_NAME)) {
            if (!proven.equals(r.owner))
                throw new OperationException(what + " name '" + name + "' of RDC '" + r.name + "' refused: only its owner '" + r.owner
                        + "' may change who else acts in it, not '" + proven + "'");
            return;
        }
        checkAuthority(r, proven, what + " name '" + name + "'");
    }

    /** A user's own key (the pool users file's {@code key=FILE}), read when one of their sessions connects; null: the pool's key. */
    byte[] ownKeyOf(String user) {
        PoolUsers users = allocations.users;
        java.nio.file.Path file = users == null ? null : users.keyFileOf(user);
        return file == null ? null : io.rdc.runtime.security.PoolKey.read(file).bytes();
    }

    private RdcState running(long id, String op) {
        RdcState r = rdc(id, op);
        if (r.terminated) throw new OperationException(op + ": RDC " + Ids.show(r.id) + " ('" + r.name + "') is terminated");
        return r;
    }

    /** Returns whether the node was unreachable (or new) until now. */
    private boolean alive(int node, MemberState m) {
        boolean back = !m.reachable;
        m.lastHeartbeat = now;
        m.reachable = true;
        // One liveness timer per node (correlation id = node id), pushed back by every heartbeat.
        while (!cluster.scheduleTimer(node, now + unreachableAfterMs)) idle.idle();
        return back;
    }

    private long block(int node) {
        long start = blockNext.getOrDefault(node, 1L); // counter 0 stays unused: gid 0 means none
        if (start + ID_BLOCK_SIZE - 1 > COUNTER_LIMIT) throw new OperationException("id block: node " + node + " has used every id");
        blockNext.put(node, start + ID_BLOCK_SIZE);
        return start;
    }

    /** An RDC in the name service's refusals: "RDC 0.3 ('shop')". */
    private String showRdc(long id) {
        RdcState r = rdcs.get(id);
        return "RDC " + Ids.show(id) + (r == null || r.name.isEmpty() ? "" : " ('" + r.name + "')");
    }

    private RdcState rdc(long id, String op) {
        RdcState r = rdcs.get(id);
        if (r == null) throw new OperationException(op + ": no RDC has id " + Ids.show(id));
        return r;
    }

    /** An RDC's stream space, made on first use (kernels may use one before any openRdc names it). */
    private SpaceTable spaceOf(long rdc) {
        RdcState r = rdcs.get(rdc);
        if (r != null && r.terminated) throw new OperationException("RDC " + Ids.show(rdc) + " ('" + r.name + "') is terminated");
        return spaces.computeIfAbsent(rdc, SpaceTable::new);
    }

    /** TERMINATED: its stream space (waiting getters are told), names and registrations go. */
    private void terminate(RdcState r) {
        if (r.terminated) return;
        r.terminated = true;
        r.names.clear();
        SpaceTable s = spaces.remove(r.id);
        if (s != null)
            for (var q : s.waiting.values())
                for (SpaceTable.Getter g : q) {
                    ClientState c = clients.get(g.client());
                    if (c != null) answer(c, g.seq(), error(handOut, g.seq(), "RDC " + Ids.show(r.id) + " was terminated"), handOut);
                }
        registry.removeOwnedBy(r.id);
        allocations.onTerminate(r);
        onDemand.onRdcTerminated(r.id, now);
    }

    private void forgetOldClients() {
        for (Iterator<Map.Entry<Long, ClientState>> it = clients.entrySet().iterator(); it.hasNext(); ) {
            ClientState c = it.next().getValue();
            if (c.closedAt != 0 && now - c.closedAt > CLIENT_FORGET_MS) it.remove();
        }
    }

    // ---------------------------------------------------------------- answers

    private int handed;

    /** A copy goes to a getter: at once (answered by apply) or later (answered here, on its session). */
    private void onHandout(SpaceTable.Getter g, String label, RefDescriptor ref, boolean limited, boolean cacheable) {
        ClientState c = clients.get(g.client());
        if (c != null && c.answers.containsKey(g.seq())) { // it waited: answer now, on its current session
            answer(c, g.seq(), got(handOut, g.seq(), ref, limited, cacheable), handOut);
        } else {
            handed = got(out, g.seq(), ref, limited, cacheable);
        }
    }

    private void answer(ClientState c, long seq, int len) {
        answer(c, seq, len, out);
    }

    private void answer(ClientState c, long seq, int len, ExpandableDirectByteBuffer from) {
        byte[] bytes = new byte[len];
        from.getBytes(0, bytes);
        c.answers.put(seq, bytes);
        // Bounded: the oldest answers go first (a waiting get's mark stays).
        for (Iterator<Map.Entry<Long, byte[]>> it = c.answers.entrySet().iterator(); c.answers.size() > RESPONSES_KEPT && it.hasNext(); ) {
            Map.Entry<Long, byte[]> e = it.next();
            if (e.getValue() == null) continue;
            c.forgottenUpTo = Math.max(c.forgottenUpTo, e.getKey());
            it.remove();
        }
        ClientSession s = cluster.getClientSession(c.session);
        if (s != null) offer(s, bytes);
    }

    private static byte[] encoded(ExpandableDirectByteBuffer b, int len) {
        byte[] bytes = new byte[len];
        b.getBytes(0, bytes);
        return bytes;
    }

    private void offer(ClientSession s, byte[] bytes) {
        offer(s, new org.agrona.concurrent.UnsafeBuffer(bytes), bytes.length);
    }

    /** Egress is best effort: an answer lost here is sent again when the client retries. */
    private void offer(ClientSession s, DirectBuffer b, int len) {
        for (int i = 0; i < 3; i++) {
            if (s.offer(b, 0, len) > 0) return;
            idle.idle();
        }
    }

    private int ack(long seq, long value) {
        return ack(out, seq, Status.OK, value, "");
    }

    private int error(long seq, String text) {
        return error(out, seq, text);
    }

    private int error(ExpandableDirectByteBuffer b, long seq, String text) {
        return ack(b, seq, Status.ERROR, 0, text == null ? "failed" : text);
    }

    private int cancelled(long seq) {
        return ack(out, seq, Status.CANCELLED, 0, "");
    }

    private int ack(ExpandableDirectByteBuffer b, long seq, Status status, long value, String text) {
        AckEncoder e = new AckEncoder().wrapAndApplyHeader(b, 0, headerOut);
        e.seq(seq).status(status).value(value).revocations(revocations.version()).text(text);
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }

    private int got(ExpandableDirectByteBuffer b, long seq, RefDescriptor ref, boolean limited, boolean cacheable) {
        GotEncoder e = new GotEncoder().wrapAndApplyHeader(b, 0, headerOut);
        e.seq(seq).status(Status.OK).limited(ControlCodec.flag(limited)).cacheable(ControlCodec.flag(cacheable));
        ControlCodec.put(e.desc(), ref);
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }

    private int membersList(long seq) {
        MembersListEncoder e = new MembersListEncoder().wrapAndApplyHeader(out, 0, headerOut);
        e.seq(seq).status(Status.OK);
        MembersListEncoder.MembersEncoder g = e.membersCount(members.size());
        for (MemberState m : members.values()) {
            long age = now - m.lastHeartbeat;
            g.next().node(m.info.id()).isOperator(ControlCodec.flag(m.operator)).reachable(ControlCodec.flag(m.reachable && age <= unreachableAfterMs))
                    .incarnations(m.incarnations).heartbeatAgeMs(age).load(m.load)
                    .name(m.info.name()).nodeType(m.info.type()).groups(ControlCodec.lines(m.info.groups())).attributes(ControlCodec.pairs(m.info.attributes()));
        }
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }

    private int rdcList(long seq, java.util.Collection<RdcState> list, boolean created) {
        RdcListEncoder e = new RdcListEncoder().wrapAndApplyHeader(out, 0, headerOut);
        e.seq(seq).status(Status.OK).created(ControlCodec.flag(created));
        RdcListEncoder.RdcsEncoder g = e.rdcsCount(list.size());
        for (RdcState r : list)
            g.next().id(r.id).attached(ControlCodec.flag(r.attached)).name(r.name).owner(r.owner).state(r.terminated ? TERMINATED : RUNNING);
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }

    private int textList(long seq, Map<String, String> entries, boolean keyed) {
        TextListEncoder e = new TextListEncoder().wrapAndApplyHeader(out, 0, headerOut);
        e.seq(seq).status(Status.OK);
        TextListEncoder.EntriesEncoder g = e.entriesCount(entries.size());
        for (Map.Entry<String, String> me : entries.entrySet()) g.next().key(keyed ? me.getKey() : "").value(me.getValue());
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }

    private int allocation(long seq, Allocations.View view) {
        AllocationEncoder e = new AllocationEncoder().wrapAndApplyHeader(out, 0, headerOut);
        e.seq(seq).status(Status.OK).epoch(view.epoch()).open(ControlCodec.flag(view.open())).pending(view.pending());
        AllocationEncoder.EntriesEncoder g = e.entriesCount(view.entries().size());
        for (Allocations.Entry a : view.entries())
            g.next().node(a.node()).rdc(a.rdc()).exclusive(ControlCodec.flag(a.exclusive())).justGiven(ControlCodec.flag(a.justGiven()))
                    .owner(a.owner()).groups(ControlCodec.lines(a.groups()));
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }

    /** What the on-demand nodes are now, for this member's {@link NodeCoordinator} (read on its own thread). */
    List<OnDemandNodes.Node> onDemandView() {
        return onDemand.view();
    }

    /** For tests and the snapshot: the RDCs as records. */
    List<RdcState> rdcStates() {
        return new ArrayList<>(rdcs.values());
    }
}
