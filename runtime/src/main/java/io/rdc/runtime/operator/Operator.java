package io.rdc.runtime.operator;

import io.rdc.runtime.kernel.Authority;
import io.rdc.runtime.security.OperatorTokens;
import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.kernel.Event;
import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.Message;
import io.rdc.runtime.kernel.ModuleStore;
import io.rdc.runtime.kernel.NodeAllocation;
import io.rdc.runtime.kernel.NodeStatus;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.kernel.Port;
import io.rdc.runtime.kernel.Status;
import io.rdc.runtime.kernel.Stream;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.ref.ReferenceException;
import io.rdc.runtime.ref.ReferenceTable;
import io.rdc.runtime.ref.Rights;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The operator session: a pseudo-incarnation (the launch program of §3.3) with its own reference
 * table, through which the interpreter, the shell and Java tests do everything an incarnation can.
 * Each session is the root of one RDC: what it creates belongs to its RDC and shares its stream space.
 *
 * <p>Message heads and bodies are plain Java values (maps, lists, strings, numbers, booleans) and
 * travel as JSON text.
 */
public final class Operator {
    /**
     * Propagation flags (§4.6) for a reference sent in a message. RETAIN keeps a unicast port's queue
     * at the original, which goes on queueing until the new port is received; RETAIN_HOLD keeps the
     * queue too but holds senders pending meanwhile, their messages going to the new port (§6.2.4).
     */
    public static final int DESTROY_ORIGINAL = 1, NO_FURTHER = 2, REDUCED_RIGHTS = 4, RETAIN = 8, RETAIN_HOLD = 8 | 16;

    private final Kernel kernel;
    private final Incarnation session;
    /** The RDC as the control plane knows it; null in a pool without one. */
    private final ControlPlane.Opened rdc;
    /** Where warnings for the operator go (a restore of changed module code): its error stream unless set. */
    private volatile java.util.function.Consumer<String> warnings = line -> System.err.println("rdc: warning: " + line);

    /** Who this session acts as (docs/security.md, "Operators and authority"). */
    private final String identity;
    /** The control plane as this session's identity: a session of its own that proved it (null: a pool without a plane). */
    private final ControlPlane control;
    /** The session's RDC's owner and the other operators allowed in it, as this session knows them. */
    private volatile Authority.Access access;
    /**
     * This session's token from the control plane and the key it signs requests with (null: the
     * plane signs no tokens, or there is none): nodes take the session's identity from the token
     * (docs/security.md, "Operator tokens"). Renewed before it runs out.
     */
    private volatile OperatorTokens.Credentials credentials;
    /** How long a token is asked for ({@code rdc.operatorToken.lifeSeconds}; the plane caps it at an hour). */
    static final long TOKEN_LIFE_MS = Long.getLong("rdc.operatorToken.lifeSeconds", 3600) * 1000;

    /**
     * The identity of an operator session on this machine: the {@code --user} option (system
     * property {@code rdc.user}), else {@code $RDC_USER}, else the OS user, who on a single-user pool
     * owns its key.
     */
    public static String defaultIdentity() {
        String user = System.getProperty("rdc.user");
        if (user == null || user.isBlank()) user = System.getenv("RDC_USER");
        if (user == null || user.isBlank()) user = System.getProperty("user.name", "operator");
        return user;
    }

    /**
     * The operator's own key, when the pool users file gives them one (docs/security.md): the file
     * named by {@code --user-key} (system property {@code rdc.userKey}), else {@code $RDC_USER_KEY};
     * null: the pool's key proves the operator. Read as a key file is (owner-only, 64 hex digits).
     */
    public static byte[] defaultOwnKey() {
        String file = System.getProperty("rdc.userKey");
        if (file == null || file.isBlank()) file = System.getenv("RDC_USER_KEY");
        return file == null || file.isBlank() ? null : io.rdc.runtime.security.PoolKey.read(Path.of(file)).bytes();
    }

    /** A session rooting a new RDC. */
    public Operator(Kernel kernel, String name) {
        this(kernel, name, null, defaultIdentity(), false);
    }

    /**
     * A session in the RDC named {@code rdcName}: with a control plane, the first session of that
     * name creates the RDC and later ones attach to it (null: a new RDC with a name of its own).
     * Without a control plane every session roots a new RDC.
     */
    public Operator(Kernel kernel, String name, String rdcName, String owner, boolean attached) {
        this(kernel, name, rdcName, owner, attached, owner != null && owner.equals(defaultIdentity()) ? defaultOwnKey() : null);
    }

    /**
     * As above, proving {@code owner} to the control plane with {@code ownKey}, the key the pool
     * users file gives them (null: the pool's key).
     */
    public Operator(Kernel kernel, String name, String rdcName, String owner, boolean attached, byte[] ownKey) {
        if (owner == null || owner.isBlank()) throw new OperationException("an operator session needs an identity (--user or RDC_USER)");
        this.kernel = kernel;
        this.identity = owner;
        ControlPlane cp = kernel.pool().control() == null ? null : kernel.pool().control().as(owner, ownKey);
        this.control = cp;
        if (cp == null) {
            this.rdc = null;
            this.session = kernel.newOperatorSession(name);
            this.access = new Authority.Access(owner, List.of());
        } else {
            // Attaching to another operator's RDC is refused by the control plane unless it lists this one.
            this.rdc = cp.openRdc(rdcName != null ? rdcName : name + "-" + Ids.show(kernel.newGid()), owner, attached);
            this.session = kernel.newOperatorSession(name, rdc.rdc().id());
            String listed = cp.names(rdc.rdc().id()).get(Authority.OPERATORS_NAME);
            this.access = new Authority.Access(rdc.rdc().owner(), listed == null || listed.isEmpty() ? List.of() : List.of(listed.split("\n")));
            this.credentials = newCredentials();
        }
    }

    /** A new session key and the plane's token for it, as this session's proven identity; null when the plane signs no tokens. */
    private OperatorTokens.Credentials newCredentials() {
        if (control == null || kernel.pool().operatorTokenKey() == null) return null;
        java.security.KeyPair sessionKey = OperatorTokens.newSessionKeyPair();
        return new OperatorTokens.Credentials(control.issueOperatorToken(session.rdcId, sessionKey.getPublic().getEncoded(), TOKEN_LIFE_MS), sessionKey.getPrivate());
    }

    /**
     * This session's credentials, renewed first when less than a quarter of the token's life is
     * left, or when the plane's revocations (as this process last read them) revoke its token.
     */
    public OperatorTokens.Credentials credentials() {
        OperatorTokens.Credentials c = credentials;
        if (c == null || c.fresh(TOKEN_LIFE_MS) && !kernel.pool().tokenRevocations().revokes(identity, c.token().rdc(), c.token().issuedAtMillis()))
            return c;
        return renew(c);
    }

    /** A new token in place of {@code stale} (unless another thread renewed it already). */
    private OperatorTokens.Credentials renew(OperatorTokens.Credentials stale) {
        synchronized (this) {
            if (credentials == stale) credentials = newCredentials();
            return credentials;
        }
    }

    /** Who this session's requests say makes them, with the credentials that prove it. */
    public Authority.Acting actingNow() {
        return new Authority.Acting(identity, session.rdcId, access, credentials());
    }

    /** Who this session acts as. */
    public String identity() {
        return identity;
    }

    /** The owner of this session's RDC and the other operators allowed in it. */
    public Authority.Access access() {
        return access;
    }

    /**
     * Lets {@code operator} act in this session's RDC too (list, status, snapshot, create, freeze,
     * destroy, migrate, checkpoint; with a control plane, open sessions in it). Only the RDC's owner may.
     */
    public void allow(String operator) {
        if (operator == null || operator.isBlank() || operator.contains("\n")) throw new OperationException("allow: an operator's name must be one non-empty line");
        if (!identity.equals(access.owner()))
            throw new OperationException("allow '" + operator + "': only the RDC's owner '" + access.owner() + "' may, not '" + identity + "'");
        List<String> ops = new java.util.ArrayList<>(access.operators());
        if (!ops.contains(operator)) ops.add(operator);
        changeList(ops);
    }

    /**
     * Stops {@code operator} acting in this session's RDC (the owner only; the owner itself cannot be
     * removed). With a control plane the plane also revokes the tokens that operator holds for this
     * RDC (docs/security.md, "Revoking tokens"), and its sessions here can get no new one. Every node
     * learns the shorter list at once, and refuses the operator from then on, even in a session it
     * opened in this RDC while it was listed.
     */
    public void disallow(String operator) {
        if (operator == null || operator.isBlank() || operator.contains("\n")) throw new OperationException("disallow: an operator's name must be one non-empty line");
        if (!identity.equals(access.owner()))
            throw new OperationException("disallow '" + operator + "': only the RDC's owner '" + access.owner() + "' may, not '" + identity + "'");
        if (operator.equals(access.owner()))
            throw new OperationException("disallow '" + operator + "': '" + operator + "' owns the RDC, and its owner cannot be removed");
        List<String> ops = new java.util.ArrayList<>(access.operators());
        if (!ops.remove(operator))
            throw new OperationException("disallow '" + operator + "': '" + operator + "' is not allowed in this RDC"
                    + (ops.isEmpty() ? " (no operator is, besides its owner '" + access.owner() + "')" : " (allowed: " + String.join(", ", ops) + ")"));
        changeList(ops);
    }

    /** Keeps the RDC's new list with the plane, then sends it to every node (allow and disallow). */
    private void changeList(List<String> ops) {
        ControlPlane cp = control();
        if (cp != null) {
            if (ops.isEmpty()) cp.unbindName(session.rdcId, Authority.OPERATORS_NAME);
            else cp.bindName(session.rdcId, Authority.OPERATORS_NAME, String.join("\n", ops));
        }
        access = new Authority.Access(access.owner(), ops);
        if (credentials != null) credentials = newCredentials(); // a token that carries the new list
        acting(() -> kernel.nodes(null)); // a request to every node: each learns the new list from its trailer (its token, with a plane)
    }

    /**
     * Revokes every token the control plane issued to {@code operator} until now, in every RDC
     * (docs/security.md, "Revoking tokens"): this session's own operator may (a leaked session key),
     * and so may the pool's administrator (through a pool process's session). Nodes refuse those
     * tokens within a heartbeat; the operator's sessions ask for new ones at their next request.
     * Returns the revocation's time (the plane's clock, ms).
     */
    public long revokeTokens(String operator) {
        ControlPlane cp = control();
        if (cp == null) throw new OperationException("revoke tokens of '" + operator + "': this pool has no control plane, so no tokens");
        long at = cp.revokeOperatorTokens(operator);
        if (operator.equals(identity) && credentials != null) renew(credentials);
        return at;
    }

    /**
     * States this session's RDC's own bounds (docs/containment.md §Per-RDC bounds): its handlers'
     * CPU bound and its incarnations' memory at each node. With a control plane they are kept with
     * the RDC (every node where one of its incarnations runs reads them, within 10 s of a change); the
     * nodes of this process know them at once. Stated at launch, before its first create, they hold
     * for every incarnation from its start.
     */
    public void limits(io.rdc.runtime.kernel.RdcLimits limits) {
        ControlPlane cp = control();
        if (cp != null) cp.bindName(session.rdcId, io.rdc.runtime.kernel.RdcLimits.BINDING, limits.encode());
        kernel.pool().rdcLimits().set(session.rdcId, limits);
    }

    /** This session's RDC's own bounds (the control plane's copy when there is one); zeros: the nodes' own. */
    public io.rdc.runtime.kernel.RdcLimits limits() {
        ControlPlane cp = control();
        if (cp != null) return io.rdc.runtime.kernel.RdcLimits.decode(cp.names(session.rdcId).get(io.rdc.runtime.kernel.RdcLimits.BINDING));
        return kernel.pool().rdcLimits().of(session.rdcId).limits();
    }

    /**
     * Runs a control request as this session's operator (the nodes check its authority over the RDC
     * it targets). A node that refused it for a revoked token acted on nothing: the session asks the
     * plane for a new token and runs the request once more with it (the plane refuses the token when
     * this operator may no longer act in the RDC).
     */
    private <T> T acting(java.util.function.Supplier<T> call) {
        OperatorTokens.Credentials used = credentials();
        try {
            return Authority.as(actingNow(), call);
        } catch (OperationException e) {
            if (used == null || !Authority.isRevocation(e.getMessage())) throw e;
            renew(used);
            return Authority.as(actingNow(), call);
        }
    }

    private void acting(Runnable call) {
        acting(() -> {
            call.run();
            return null;
        });
    }

    /** An incarnation's status by id (views, and incarnations named in an earlier session), as this session's operator. */
    public Status statusOf(long gid) {
        return acting(() -> kernel.status(gid));
    }

    /** The incarnations of every RDC this session's operator has authority over (0), or of one RDC (refused without authority). */
    public List<Kernel.Listed> list(long rdc) {
        return acting(() -> kernel.list(rdc));
    }

    /** Sends this session's warnings to {@code sink} instead of the error stream (the shell's output, a test). */
    public void onWarning(java.util.function.Consumer<String> sink) {
        this.warnings = java.util.Objects.requireNonNull(sink);
    }

    /** The RDC this session acts in, as the control plane knows it; null without a control plane. */
    public ControlPlane.Opened rdc() {
        return rdc;
    }

    /** The control plane as this session's operator (its own proven session), or null in a pool without one. */
    public ControlPlane control() {
        return control;
    }

    public Kernel kernel() {
        return kernel;
    }

    public Incarnation session() {
        return session;
    }

    public ReferenceTable refs() {
        return session.refs;
    }

    /** A received message, or a reply. */
    public record Received(Object head, Object body, Ref ref, String from, Message message) {}

    // ---- modules and creation

    public ModuleStore.Module module(String name, String code) {
        ModuleStore.Module m = kernel.modules().add(name, code);
        kernel.modules().declare(session.rdcId, name, m);
        ControlPlane cp = control();
        if (cp != null) cp.bindName(session.rdcId, Kernel.MODULE_NAME_PREFIX + name, Json.write(code));
        return m;
    }

    public ModuleStore.Module module(Path file) {
        try {
            String name = file.getFileName().toString().replaceFirst("\\.m?js$", "");
            return module(name, io.rdc.runtime.util.BoundedFiles.readSource(file));
        } catch (IOException e) {
            throw new OperationException("cannot read module " + file + ": " + e.getMessage(), e);
        }
    }

    public ModuleStore.Module module(String name) {
        return kernel.moduleByName(session, name);
    }

    /** Creates an incarnation; returns an incarnation handle with all rights. */
    public Ref create(ModuleStore.Module m, int node, Object args, List<Iface> ifaces, boolean inchoate, String name) {
        long gid = acting(() -> kernel.create(session, node, m, Json.write(args), ifaces, inchoate, name));
        return session.refs.add(RefKind.INCARNATION, kernel.incarnationHandle(gid), Rights.ALL, false);
    }

    /** A handle with all rights on an incarnation of this session's RDC that an earlier session created. */
    public Ref adopt(long gid) {
        return session.refs.add(RefKind.INCARNATION, kernel.incarnationHandle(gid), Rights.ALL, false);
    }

    /**
     * Migrates an incarnation to another node and waits until it runs there (§7.4); a handler
     * running meanwhile is waited for up to {@code within}. Throws, with the reason, if it stayed.
     */
    /**
     * Hot code replacement (issue 19): from its next handler boundary (waited for up to
     * {@code within}), {@code inc} runs {@code module}'s code on its state, which the module's
     * {@code upgrade(ctx, fromVersion, state)} may transform. Ports, streams, queue, references,
     * parents and interests stay. If the new code fails to load or its upgrade throws, this throws
     * (with what it threw) and the old code runs on untouched.
     */
    public void replace(Ref inc, ModuleStore.Module module, Duration within) {
        acting(() -> {
            kernel.replace(incarnationId(inc), module, within.toNanos());
            return null;
        });
    }

    public Kernel.Migration migrate(Ref inc, int node, Duration within) {
        return acting(() -> kernel.migrate(incarnationId(inc), node, within.toNanos(), true));
    }

    /** copyFrom through a buffer handle (§4.5): bytes of a buffer owned by some incarnation, wherever it now runs. */
    public byte[] copyFrom(Ref bufferHandle, int offset, int length) {
        RefDescriptor handle = (RefDescriptor) session.refs.check(bufferHandle, RefKind.BUFFER_HANDLE).target();
        return acting(() -> kernel.copyFrom(handle, offset, length));
    }

    /** copyTo through a buffer handle. */
    public void copyTo(Ref bufferHandle, int offset, byte[] data) {
        RefDescriptor handle = (RefDescriptor) session.refs.check(bufferHandle, RefKind.BUFFER_HANDLE).target();
        acting(() -> kernel.copyTo(handle, offset, data));
    }

    /** checkpoint (§9.2): the incarnation's record written to {@code file} at its node; with {@code destroy} it then goes, its ports parked. */
    public long checkpoint(Ref inc, String file, boolean destroy, Duration within) {
        return acting(() -> kernel.checkpoint(incarnationId(inc), file, destroy, within.toNanos()));
    }

    /** restore: a checkpoint re-made as a new incarnation at {@code node}; its ports take over the parked originals. */
    public Ref restore(Path file, int node, String name) {
        long gid = acting(() -> kernel.restore(session, file, node, name, warnings));
        return session.refs.add(RefKind.INCARNATION, kernel.incarnationHandle(gid), Rights.ALL, false);
    }

    /** What fork gives the operator: the child's handle and a stream to each listed unicast port's copy. */
    public record Forked(Ref child, Map<String, Ref> streams) {}

    /** fork (§5.3) of an incarnation, done by it at its next handler boundary. */
    public Forked fork(Ref inc, int node, List<String> ports, String name, Duration within) {
        Kernel.Forked f = acting(() -> kernel.fork(incarnationId(inc), node, ports, name, within.toNanos()));
        Map<String, Ref> streams = new java.util.LinkedHashMap<>();
        for (var e : f.streams().entrySet()) streams.put(e.getKey(), kernel.materialize(session, e.getValue()));
        return new Forked(session.refs.add(RefKind.INCARNATION, kernel.incarnationHandle(f.child()), Rights.ALL, false), streams);
    }

    /** Opens or closes a node to new incarnations (creation and migration): a closed node refuses them. */
    /**
     * Withdraws a node (§3.4, inc_nodeWithdraw): it takes no new incarnations, its guests get a
     * WITHDRAWING event and are migrated to other nodes within {@code notice}; what is left then is
     * destroyed when {@code destroyRest}, else left there. See {@link Withdrawal}.
     */
    public Withdrawal.Outcome withdraw(int node, Duration notice, boolean destroyRest) {
        return Withdrawal.withdraw(kernel, node, notice, destroyRest);
    }

    public void setAccepting(int node, boolean accepting) {
        acting(() -> kernel.setAccepting(node, accepting));
    }

    /** A snapshot of an incarnation's state, taken between its handlers. */
    public byte[] snapshot(Ref inc, Duration timeout) {
        return acting(() -> kernel.snapshot(incarnationId(inc), timeout.toNanos()));
    }

    /** Creates an incarnation that starts from a state snapshot instead of running init. */
    public Ref restore(ModuleStore.Module m, int node, byte[] state, List<Iface> ifaces, String name) {
        long gid = acting(() -> kernel.create(session, node, m, "null", ifaces, false, name, state));
        return session.refs.add(RefKind.INCARNATION, kernel.incarnationHandle(gid), Rights.ALL, false);
    }

    /** Creates an incarnation from an INCHOATE one (§3.2.1), which serves as its blueprint. */
    public Ref createFrom(Ref blueprint, int node, Object args, List<Iface> ifaces, boolean inchoate, String name) {
        long b = ((RefDescriptor) session.refs.check(blueprint, RefKind.INCARNATION).target()).gid();
        long gid = acting(() -> kernel.createFrom(session, b, node, Json.write(args), ifaces, inchoate, name));
        return session.refs.add(RefKind.INCARNATION, kernel.incarnationHandle(gid), Rights.ALL, false);
    }

    public Ref create(ModuleStore.Module m, int node, Object args, List<Iface> ifaces) {
        return create(m, node, args, ifaces, false, null);
    }

    // ---- channels, ports, streams, handles

    /**
     * A channel; its stream is deposited under label. Returns {stream, port}: a unicast channel has a
     * port of the operator's own, a multicast group none (port null; members join it with ports on it).
     */
    public Ref[] channel(String label, boolean multicast) {
        return kernel.chanCreate(session, label, multicast);
    }

    public Ref portCreate(Ref channelStream) {
        return kernel.portCreate(session, channelStream);
    }

    /** Attaches one of the operator's ports to the channel of a stream as well (messages merge in arrival order). */
    public void joinChannel(Ref port, Ref channelStream) {
        kernel.joinChannel(session, port, channelStream);
    }

    public Ref handleOf(Ref streamOrPort) {
        RefDescriptor d = kernel.handleFor(session.refs.check(streamOrPort, RefKind.STREAM, RefKind.PORT));
        return session.refs.add(d.kind(), d, 0, false);
    }

    public void close(Ref r) {
        kernel.release(session, r);
    }

    public Ref ref(int id) {
        return session.refs.get(id);
    }

    // ---- communications

    public void send(Ref stream, Object head, Object body) {
        send(stream, Frames.KIND_SEND, head, body, null, 0);
    }

    public void asinvoke(Ref stream, Object head, Object body) {
        send(stream, Frames.KIND_ASINVOKE, head, body, null, 0);
    }

    public void dgram(Ref stream, Object head, Object body) {
        send(stream, Frames.KIND_DGRAM, head, body, null, 0);
    }

    /** Sends with a propagated reference and flags (DESTROY_ORIGINAL | NO_FURTHER | REDUCED_RIGHTS). */
    public void send(Ref stream, int kind, Object head, Object body, Ref propagate, int flags) {
        Stream s = stream(stream);
        RefDescriptor d = propagate == null ? null : kernel.propagate(session, propagate, flags, -1);
        kernel.send(session, s, kind, json(head), json(body), d);
        if (propagate != null) kernel.afterPropagate(session, propagate, flags);
    }

    /** Waits until everything sent on the stream is queued at its destination (acknowledged), or fails. */
    public void flush(Ref stream) {
        kernel.flush(stream(stream));
    }

    /** Sends raw bytes (benchmarks: no JSON on the path). */
    public void sendBytes(Ref stream, byte[] head, byte[] body) {
        kernel.send(session, stream(stream), Frames.KIND_SEND, head, body, null);
    }

    public Received invoke(Ref stream, Object head, Object body, Duration timeout) {
        Kernel.Reply r = kernel.invoke(session, stream(stream), json(head), json(body), null, timeout.toNanos());
        return new Received(parse(r.head()), parse(r.body()), r.ref() == null ? null : kernel.materialize(session, r.ref()), null, null);
    }

    /** Invoke with raw bytes (benchmarks). */
    public Kernel.Reply invokeBytes(Ref stream, byte[] head, byte[] body, Duration timeout) {
        return kernel.invoke(session, stream(stream), head, body, null, timeout.toNanos());
    }

    /** Receives at one of the operator's ports; null on timeout. */
    public Received receive(Ref port, Duration timeout) {
        return receive(port, 0, timeout);
    }

    public Received receive(Ref port, long fromStream, Duration timeout) {
        Port p = (Port) session.refs.check(port, RefKind.PORT).target();
        Message m = kernel.receive(session, p, fromStream, timeout == null ? -1 : timeout.toNanos());
        if (m == null) return null;
        Ref ref = m.ref == null ? null : kernel.materialize(session, m.ref);
        return new Received(parse(m.head), parse(m.body), ref, Ids.show(m.streamGid), m);
    }

    /** Takes a raw message (benchmarks). */
    public Message receiveRaw(Ref port, Duration timeout) {
        Port p = (Port) session.refs.check(port, RefKind.PORT).target();
        return kernel.receive(session, p, 0, timeout == null ? -1 : timeout.toNanos());
    }

    public void reply(Received to, Object head, Object body) {
        if (to.message() == null) throw new OperationException("only a received invocation can be replied to");
        kernel.reply(session, to.message(), json(head), json(body), null);
    }

    public Map<String, Object> testPort(Ref port) {
        return kernel.testPort(session, (Port) session.refs.check(port, RefKind.PORT).target(), 0);
    }

    // ---- reconfiguration (ch. 6)

    /**
     * Port attachment (§6.2.2): attaches {@code newPort} (a port or port handle) to the channel of
     * {@code oldPort}, which is detached; with moveQueue its messages from that channel move too.
     */
    public void attach(Ref newPort, Ref oldPort, boolean moveQueue) {
        kernel.attach(kernel.portOf(session, newPort), kernel.portOf(session, oldPort), 0, moveQueue);
    }

    /** As above, naming the channel (that of {@code channelStream}) when the old port is attached to several. */
    public void attach(Ref newPort, Ref oldPort, Ref channelStream, boolean moveQueue) {
        kernel.attach(kernel.portOf(session, newPort), kernel.portOf(session, oldPort), kernel.channelOf(session, channelStream), moveQueue);
    }

    /** Attaches a port to the channel of a stream, detaching nothing (a multicast group, or a unicast channel without port). */
    public void attachToChannel(Ref newPort, Ref channelStream) {
        kernel.attach(kernel.portOf(session, newPort), null, kernel.channelOf(session, channelStream), false);
    }

    /**
     * Stream rebinding (§6.2.3): the stream of {@code stream} (a stream or stream handle) sends to
     * the channel of {@code channelStream} from now on; with {@code fromPort} (a port or port
     * handle) its messages queued there move first; null rebinds under failure.
     */
    public void rebind(Ref stream, Ref channelStream, Ref fromPort) {
        kernel.rebind(kernel.streamOf(session, stream), kernel.channelOf(session, channelStream),
                fromPort == null ? null : kernel.portOf(session, fromPort));
    }

    public void freezeStream(Ref stream, boolean frozen) {
        kernel.freezeStream(kernel.streamOf(session, stream), frozen);
    }

    // ---- control

    public void destroy(Ref inc) {
        long gid = handle(inc, Rights.DESTROY);
        acting(() -> kernel.destroy(gid));
    }

    /**
     * makeDependent (§7.3.1): {@code child} is terminated when {@code parent} (an incarnation, or
     * null for this session) terminates or is unreachable; {@code mode} is absolute, group or none.
     */
    public void makeDependent(Ref child, Ref parent, String mode) {
        kernel.makeDependent(handle(child, Rights.DESTROY), parent == null ? session.gid : handle(parent, Rights.STATUS), mode);
    }

    public void freeze(Ref inc) {
        long gid = handle(inc, Rights.FREEZE);
        acting(() -> kernel.freeze(gid));
    }

    public void unfreeze(Ref inc, int priority) {
        long gid = handle(inc, Rights.FREEZE);
        acting(() -> kernel.unfreeze(gid, priority));
    }

    public Status status(Ref inc) {
        long gid = handle(inc, Rights.STATUS);
        return acting(() -> kernel.status(gid));
    }

    public void setInterest(Ref inc, String... events) {
        long subject = handle(inc, Rights.EVENTS);
        acting(() -> kernel.setInterest(session, subject, Event.Type.maskOf(List.of(events))));
    }

    /** The next event the operator registered interest in; null on timeout. */
    public Event nextEvent(Duration timeout) {
        Object o = kernel.nextEvent(session, timeout.toNanos());
        return (Event) o;
    }

    public long incarnationId(Ref inc) {
        return ((RefDescriptor) session.refs.check(inc, RefKind.INCARNATION).target()).gid();
    }

    // ---- stream space and name service

    public void spacePut(String label, Ref ref, int copies) {
        kernel.spacePut(session, label, kernel.propagate(session, ref, 0, -1), copies);
    }

    public Ref spaceGet(String label, Duration timeout) {
        return kernel.spaceGet(session, label, timeout == null ? -1 : timeout.toNanos());
    }

    public void spaceReturn(String label) {
        kernel.spaceReturn(session, label);
    }

    public boolean spaceDelete(String label) {
        return kernel.spaceDelete(session, label);
    }

    public List<String> spacePrint() {
        return kernel.spacePrint(session);
    }

    /** Registers a service under {@code name} for every RDC to look up. */
    public void register(String name, Ref stream) {
        register(name, stream, List.of());
    }

    /** Registers a service under {@code name}, owned by this session's RDC; {@code readers} (RDC names or ids) may look it up, empty for every RDC. */
    public void register(String name, Ref stream, List<String> readers) {
        kernel.register(session, name, kernel.propagate(session, session.refs.check(stream, RefKind.STREAM), 0, -1), readers);
    }

    /** Deletes a name this session's RDC registered; false when none is registered. */
    public boolean unregister(String name) {
        return kernel.unregister(session, name);
    }

    public Ref lookup(String name) {
        return kernel.materialize(session, kernel.lookup(session, name));
    }

    public List<NodeStatus> nodes() {
        return kernel.nodes(null);
    }

    // ---- node allocation (§3.4, inc_nodeAlloc; docs/pool.md)

    /** Where notices of nodes given later go (nodes asked for that were not free at once): the operator's error stream unless set. */
    private volatile java.util.function.Consumer<String> allocationNotices = line -> System.err.println("rdc: " + line);
    private final java.util.concurrent.atomic.AtomicBoolean watchingAllocation = new java.util.concurrent.atomic.AtomicBoolean();

    public void onAllocation(java.util.function.Consumer<String> sink) {
        allocationNotices = sink;
    }

    /** {@code count} more nodes of {@code group} for this session's RDC: the free ones now, the rest with a notice as they come. */
    public ControlPlane.Allocation allocate(int count, String group) {
        return allocate(count, group, Duration.ZERO);
    }

    /** As above, waiting up to {@code wait} for nodes not free at once (a notice follows for those that come later still). */
    public ControlPlane.Allocation allocate(int count, String group, Duration wait) {
        ControlPlane.Allocation a = NodeAllocation.allocate(kernel.pool(), session.rdcId, count, group, wait);
        if (a.pending() > 0) watchAllocation(a);
        return a;
    }

    public ControlPlane.Allocation release(int node) {
        return NodeAllocation.release(kernel.pool(), session.rdcId, node);
    }

    public ControlPlane.Allocation allocation() {
        return NodeAllocation.of(kernel.pool(), session.rdcId);
    }

    /** The notification of §3.4, 5]: one thread per session while nodes it asked for are still to come. */
    private void watchAllocation(ControlPlane.Allocation from) {
        if (!watchingAllocation.compareAndSet(false, true)) return;
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        for (var n : from.nodes()) seen.add(n.node());
        Thread.ofPlatform().daemon(true).name("rdc-allocation-" + Ids.show(session.rdcId)).start(() -> {
            try {
                ControlPlane.Allocation a = from;
                while (a.pending() > 0) {
                    Thread.sleep(250);
                    a = NodeAllocation.of(kernel.pool(), session.rdcId);
                    for (var n : a.nodes())
                        if (seen.add(n.node()))
                            allocationNotices.accept("node " + n.node() + " (" + String.join(", ", n.groups()) + ") is now allocated to RDC "
                                    + Ids.show(session.rdcId) + ", as asked" + (a.pending() == 0 ? "" : "; " + a.pending() + " more still asked for"));
                }
            } catch (InterruptedException | RuntimeException e) {
                // the session's RDC or the pool has gone: nothing more will come
            } finally {
                watchingAllocation.set(false);
            }
        });
    }

    public List<NodeStatus> nodes(String group) {
        return kernel.nodes(group);
    }

    // ---- helpers

    private Stream stream(Ref r) {
        return (Stream) session.refs.check(r, RefKind.STREAM).target();
    }

    private long handle(Ref r, int right) {
        session.refs.check(r, RefKind.INCARNATION);
        if ((r.rights() & right) == 0)
            throw new ReferenceException("this incarnation handle lacks the " + Rights.describe(right) + " right");
        return ((RefDescriptor) r.target()).gid();
    }

    private static byte[] json(Object v) {
        return v == null ? null : Json.write(v).getBytes(StandardCharsets.UTF_8);
    }

    private static Object parse(byte[] b) {
        return b == null || b.length == 0 ? null : Json.parse(new String(b, StandardCharsets.UTF_8));
    }
}
