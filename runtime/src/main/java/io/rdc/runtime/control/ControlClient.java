package io.rdc.runtime.control;

import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import io.aeron.security.AuthenticationException;
import io.rdc.runtime.control.codecs.*;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.ref.RefDescriptor;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A kernel's (or an operator's) handle on the control plane: {@link ControlPlane} over an Aeron
 * Cluster client session. Thread-safe: calls from many threads share one session under one lock.
 * (Just over 800 lines on purpose: one short method per {@link ControlPlane} request, each beside the
 * decoding of its answer; the session, retry and egress handling they share is what the rest is.)
 *
 * <p>Each request carries this client's random id and a sequence number; the service applies each
 * (id, seq) once, so a request is simply sent again, with the same seq, whenever its answer may
 * have been lost: after a new leader is elected, after the session is re-established, or when no
 * answer came within {@link #RESEND_NS}. A caller waits for its answer by polling the egress itself
 * (whoever holds the lock polls for everyone), so a round trip costs no thread hand-off; a
 * background thread polls when nobody waits, keeps the session alive and reconnects.
 */
public final class ControlClient implements ControlPlane {
    static final long RESEND_NS = TimeUnit.SECONDS.toNanos(1);
    static final long KEEPALIVE_NS = TimeUnit.SECONDS.toNanos(1);
    /** How long a background request (a cancel, a return of a copy nobody waits for) keeps being retried. */
    static final long ASYNC_LIMIT_NS = TimeUnit.SECONDS.toNanos(60);

    private static final class Call {
        final long seq;
        final byte[] request;
        final Thread waiter; // null for a background request
        final Consumer<byte[]> then; // a background request's continuation (on the polling thread)
        final long deadline;
        volatile byte[] answer;
        long sentAt; // 0: not (yet) sent on the current session

        Call(long seq, byte[] request, Thread waiter, Consumer<byte[]> then, long deadline) {
            this.seq = seq;
            this.request = request;
            this.waiter = waiter;
            this.then = then;
            this.deadline = deadline;
        }
    }

    private final ControlClientConfig config;
    private final long clientId = new SecureRandom().nextLong();
    private final long timeoutNs;
    private final AtomicLong seqs = new AtomicLong();
    private final ConcurrentSkipListMap<Long, Call> calls = new ConcurrentSkipListMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final MediaDriver driver; // ours, when no driver directory was given
    private final String aeronDir;
    private final Thread poller;
    private volatile boolean closed;
    private AeronCluster cluster; // under lock
    private long lastSent; // under lock
    private final MessageHeaderEncoder header = new MessageHeaderEncoder(); // under lock
    private final ExpandableArrayBuffer reqBuf = new ExpandableArrayBuffer(256); // under lock
    /**
     * When the plane last said anything to this client (an answer, a new leader): a get that waits
     * for a copy hears nothing for as long as it waits, so it probes, and this tells it whether the
     * plane itself has gone silent (see {@link #awaitGet}).
     */
    private volatile long lastHeardNs = System.nanoTime();
    /** How each calling thread waits for its answer (one strategy per thread: they keep state). */
    private final ThreadLocal<IdleStrategy> waitIdle;

    private final EgressListener egress = new EgressListener() {
        @Override
        public void onMessage(long sessionId, long timestamp, DirectBuffer buf, int offset, int length, Header h) {
            lastHeardNs = System.nanoTime();
            Call c = calls.get(ControlCodec.responseSeq(buf, offset));
            if (c == null) return; // given up on (its cancel takes care of a copy handed out)
            byte[] bytes = new byte[length];
            buf.getBytes(offset, bytes);
            c.answer = bytes;
            if (c.waiter != null) LockSupport.unpark(c.waiter);
            else if (calls.remove(c.seq, c)) c.then.accept(bytes);
        }

        @Override
        public void onNewLeader(long sessionId, long termId, int leader, String ingress) {
            lastHeardNs = System.nanoTime();
            for (Call c : calls.values()) c.sentAt = 0; // what the old leader had not committed is lost: send again
        }
    };

    private ControlClient(ControlClientConfig config) {
        this.config = config;
        this.timeoutNs = config.timeout().toNanos();
        this.waitIdle = ThreadLocal.withInitial(config.idle()::newStrategy);
        if (config.aeronDirectoryName() == null) {
            String dir = io.aeron.CommonContext.getAeronDirectoryName() + "-rdc-control-client-" + UUID.randomUUID();
            driver = MediaDriver.launchEmbedded(new MediaDriver.Context().aeronDirectoryName(dir).threadingMode(ThreadingMode.SHARED)
                    .dirDeleteOnStart(true).dirDeleteOnShutdown(true).termBufferSparseFile(true)
                    .sharedIdleStrategy(config.idle().newStrategy()));
            aeronDir = driver.aeronDirectoryName();
        } else {
            driver = null;
            aeronDir = config.aeronDirectoryName();
        }
        try {
            lock.lock();
            try {
                cluster = connectCluster();
            } finally {
                lock.unlock();
            }
        } catch (RuntimeException e) {
            CloseHelper.quietClose(driver);
            throw e;
        }
        poller = Thread.ofPlatform().daemon().name("rdc-control-client").start(this::pollLoop);
    }

    /** Connects (bounded by the config's timeout); fails with an OperationException naming the plane. */
    public static ControlClient connect(ControlClientConfig config) {
        return new ControlClient(config);
    }

    /** Sessions of other identities made by {@link #as}, closed with this one; under their own lock (connecting blocks). */
    private final Map<String, ControlClient> operatorSessions = new HashMap<>();

    /**
     * A session of this client's plane that proved {@code identity} (with {@code ownKey}, else the
     * pool's key). Without a key the plane cannot tell identities apart, and this client serves.
     */
    @Override
    public ControlPlane as(String identity, byte[] ownKey) {
        if (config.poolKey() == null || ownKey == null && identity.equals(config.principal())) return this;
        String which = identity + "\n" + (ownKey == null ? "" : io.rdc.runtime.security.PoolKey.of(ownKey).fingerprint());
        synchronized (operatorSessions) {
            if (closed) throw new OperationException("control plane client is closed");
            ControlClient c = operatorSessions.get(which);
            if (c == null) {
                c = connect(config.withPrincipal(identity).withPoolKey(ownKey != null ? ownKey : config.poolKey()).withOwnKey(ownKey != null));
                operatorSessions.put(which, c);
            }
            return c;
        }
    }

    /** The member this client believes leads (-1 while it has no session). */
    public int leaderMemberId() {
        lock.lock();
        try {
            return cluster == null || cluster.isClosed() ? -1 : cluster.leaderMemberId();
        } finally {
            lock.unlock();
        }
    }

    public ControlClientConfig config() {
        return config;
    }

    /** Egress stream ids for IPC clients in this JVM, one each, away from Aeron Cluster's own (100-110). */
    private static final java.util.concurrent.atomic.AtomicInteger IPC_EGRESS_STREAMS = new java.util.concurrent.atomic.AtomicInteger(0x52440000);
    /** This client's egress stream over IPC (kept across reconnections), 0 over UDP. */
    private int ipcEgressStream;

    /** The stream this client's answers come on over IPC (0 when it uses UDP): for tests that look at the driver's counters. */
    int ipcEgressStream() {
        return ipcEgressStream;
    }

    private AeronCluster.Context clusterContext() {
        AeronCluster.Context ctx = new AeronCluster.Context().aeronDirectoryName(aeronDir);
        if (config.threads().ipc()) {
            // On the member's own driver (the config insists): no UDP hop and no driver duty cycle on the round trip.
            // Its egress on a stream of its own: IPC subscribers on one stream all read every session's answers, and the
            // slowest of them holds every IPC publication on it back.
            if (ipcEgressStream == 0) ipcEgressStream = IPC_EGRESS_STREAMS.getAndIncrement();
            ctx.ingressChannel("aeron:ipc?term-length=256k").ingressEndpoints(null).egressChannel("aeron:ipc?term-length=256k")
                    .egressStreamId(ipcEgressStream);
        } else {
            ctx.ingressChannel("aeron:udp?term-length=256k").ingressEndpoints(config.clusterIngressEndpoints())
                    .egressChannel("aeron:udp?endpoint=" + config.egressHost() + ":0|term-length=256k");
        }
        return ctx.messageTimeoutNs(timeoutNs).egressListener(egress)
                .credentialsSupplier(PoolKeyAuth.credentials(config.poolKey(), config.principal()));
    }

    private AeronCluster connectCluster() {
        AeronCluster.Context ctx = clusterContext();
        try {
            return AeronCluster.connect(ctx);
        } catch (AuthenticationException e) {
            ctx.close();
            throw new OperationException("control plane at " + config.where() + " refused this client"
                    + (config.principal().isEmpty() ? "" : " ('" + config.principal() + "')") + ": "
                    + (config.poolKey() == null ? "it needs the pool's key and none was given"
                    : config.ownKey() ? "the key given as " + config.principal() + "'s own is not the one the pool users file gives them"
                    : "the pool key is wrong, or the pool users file gives '" + config.principal() + "' a key of their own (--user-key)"), e);
        } catch (RuntimeException e) {
            ctx.close();
            throw new OperationException("control plane at " + config.where() + " did not answer within " + human(timeoutNs)
                    + " (connect: " + e.getClass().getSimpleName() + ")", e);
        }
    }

    // ------------------------------------------------------------------ transport

    private interface Body {
        int encode(ExpandableArrayBuffer b, long seq);
    }

    /** Sends a request and waits for its answer (bounded); the caller polls the egress while it waits. */
    private DirectBuffer call(String op, long waitNs, Body body) {
        Call c = submit(body, Thread.currentThread(), null, System.nanoTime() + waitNs);
        byte[] a = await(c);
        if (a == null) throw new OperationException(op + ": control plane at " + config.where() + " did not answer within " + human(waitNs));
        return checked(op, a);
    }

    private Call submit(Body body, Thread waiter, Consumer<byte[]> then, long deadline) {
        if (closed) throw new OperationException("control plane client is closed");
        lock.lock(); // the encoders are shared, and seq order is send order
        try {
            Call c = encode(body, waiter, then, deadline);
            send(c);
            return c;
        } finally {
            lock.unlock();
        }
    }

    /** Encodes a request under a new seq and records it (under lock). */
    private Call encode(Body body, Thread waiter, Consumer<byte[]> then, long deadline) {
        long seq = seqs.incrementAndGet();
        int len = body.encode(reqBuf, seq);
        byte[] request = new byte[len];
        reqBuf.getBytes(0, request);
        Call c = new Call(seq, request, waiter, then, deadline);
        calls.put(seq, c);
        return c;
    }

    /** Waits until the answer comes or the deadline passes (then the call is dropped and null returned). */
    private byte[] await(Call c) {
        return await(c, 0);
    }

    /**
     * Waits for a get's answer, which may rightly take as long as the get allows (no copy yet), but
     * not for a plane that has stopped answering: once nothing has been heard from it for a second,
     * an echo goes through its log each second, and after the client's timeout without a word the
     * wait ends. Returns the answer, or null with {@code silent[0]} set when the plane went silent.
     * (Before, a script's get on a plane killed under it waited out its whole 30 s and then said
     * "no copy became available (or the control plane is unreachable)"; issue 13 wants the
     * statement to fail within a bounded time, naming what is unreachable.)
     */
    private byte[] awaitGet(Call c, boolean[] silent) {
        long start = System.nanoTime();
        byte[] a = await(c, start);
        silent[0] = a == null && System.nanoTime() - c.deadline < 0 && !closed && !Thread.currentThread().isInterrupted();
        return a;
    }

    /** As {@link #await(Call)}; with {@code probingSince} non-zero, also probes a silent plane and gives up on one (awaitGet). */
    private byte[] await(Call c, long probingSince) {
        IdleStrategy idle = waitIdle.get();
        idle.reset();
        long probedAt = 0;
        while (c.answer == null) {
            long now = System.nanoTime();
            if (now - c.deadline >= 0 || closed || Thread.currentThread().isInterrupted()) break;
            if (probingSince != 0) {
                long quiet = now - Math.max(lastHeardNs, probingSince);
                if (quiet > timeoutNs) break;
                if (quiet > RESEND_NS && now - probedAt > RESEND_NS) {
                    probedAt = now;
                    submit((b, seq) -> new EchoEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).encodedLength() + at(),
                            null, answer -> {}, now + timeoutNs);
                }
            }
            if (lock.tryLock()) {
                try {
                    if (c.sentAt == 0 || now - c.sentAt > RESEND_NS) send(c);
                    if (cluster != null && !cluster.isClosed() && cluster.pollEgress() > 0) idle.reset();
                } finally {
                    lock.unlock();
                }
            }
            if (c.answer != null) break;
            idle.idle(); // the poller unparks a parked caller when it takes the answer in

        }
        calls.remove(c.seq, c);
        return c.answer;
    }

    /** Offers a request on the current session (under lock); unsent ones are retried by the next poll. */
    private void send(Call c) {
        if (cluster == null || cluster.isClosed()) return;
        if (cluster.offer(new UnsafeBuffer(c.request), 0, c.request.length) > 0) {
            c.sentAt = System.nanoTime();
            lastSent = c.sentAt;
        }
    }

    private void pollLoop() {
        // Callers poll for their own answers; with fewer threads (a bench option) the poller stays out of their way.
        IdleStrategy idle = (config.threads().pollerBacksOff() ? ControlIdle.BACKOFF : config.idle()).newStrategy();
        long reconnectAfter = 0;
        AeronCluster.AsyncConnect connecting = null;
        while (!closed) {
            int work = 0;
            long now = System.nanoTime();
            lock.lock();
            try {
                if (cluster == null || cluster.isClosed()) {
                    // The session ended (leader lost for too long, session timed out): a new one, same
                    // client id, connected step by step so that the lock is never held for long.
                    if (connecting == null && now - reconnectAfter >= 0) {
                        CloseHelper.quietClose(cluster);
                        cluster = null;
                        connecting = AeronCluster.asyncConnect(clusterContext());
                    }
                    if (connecting != null) {
                        try {
                            AeronCluster fresh = connecting.poll();
                            if (fresh != null) {
                                connecting = null;
                                cluster = fresh;
                                for (Call c : calls.values()) c.sentAt = 0;
                            }
                        } catch (RuntimeException e) {
                            CloseHelper.quietClose(connecting);
                            connecting = null;
                            reconnectAfter = now + TimeUnit.MILLISECONDS.toNanos(200);
                        }
                    }
                } else {
                    work += cluster.pollEgress();
                    work += cluster.pollStateChanges();
                    for (Call c : calls.values()) { // in seq order
                        if (c.waiter == null && now - c.deadline >= 0) calls.remove(c.seq, c);
                        else if (c.sentAt == 0 || now - c.sentAt > RESEND_NS) send(c);
                    }
                    if (now - lastSent > KEEPALIVE_NS && cluster.sendKeepAlive()) lastSent = now;
                }
            } catch (RuntimeException e) {
                // A failed poll (the session broke under us): reconnect on the next round.
                CloseHelper.quietClose(cluster);
                cluster = null;
            } finally {
                lock.unlock();
            }
            idle.idle(work);
        }
        CloseHelper.quietClose(connecting);
    }

    private DirectBuffer checked(String op, byte[] a) {
        UnsafeBuffer b = new UnsafeBuffer(a);
        MessageHeaderDecoder headerIn = new MessageHeaderDecoder().wrap(b, 0);
        if (headerIn.templateId() == AckDecoder.TEMPLATE_ID) {
            AckDecoder d = new AckDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, headerIn.blockLength(), headerIn.version());
            long revocations = d.revocations(); // an older plane's answer has none
            if (revocations != AckDecoder.revocationsNullValue()) revocationsSeen = revocations;
            if (d.status() == Status.ERROR) throw new OperationException(op + ": " + d.text());
        }
        return b;
    }

    private static int at() {
        return MessageHeaderEncoder.ENCODED_LENGTH;
    }

    private long ackValue(DirectBuffer b) {
        MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
        return new AckDecoder().wrap(b, at(), h.blockLength(), h.version()).value();
    }

    private static String human(long ns) {
        long ms = TimeUnit.NANOSECONDS.toMillis(ns);
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    // ------------------------------------------------------------------ membership

    @Override
    public long hello(NodeInfo node, boolean operator) {
        return ackValue(call("hello (node " + node.id() + ")", timeoutNs, (b, seq) -> new HelloEncoder().wrapAndApplyHeader(b, 0, header)
                .clientId(clientId).seq(seq).node(node.id()).isOperator(ControlCodec.flag(operator)).name(node.name())
                .nodeType(node.type() == null ? "" : node.type()).groups(ControlCodec.lines(node.groups()))
                .attributes(ControlCodec.pairs(node.attributes())).encodedLength() + at()));
    }

    @Override
    public long heartbeat(int node, double load, int incarnations) {
        return ackValue(call("heartbeat (node " + node + ")", timeoutNs, (b, seq) -> new HeartbeatEncoder().wrapAndApplyHeader(b, 0, header)
                .clientId(clientId).seq(seq).node(node).load(load).incarnations(incarnations).encodedLength() + at()));
    }

    /** How many token revocations the plane had recorded at its latest Ack to this client (a heartbeat's, every 500 ms in a pool process). */
    private volatile long revocationsSeen;

    @Override
    public long revocationsVersion() {
        return revocationsSeen;
    }

    @Override
    public io.rdc.runtime.security.TokenRevocations tokenRevocations() {
        long version = revocationsSeen; // read before the table, so a revocation made meanwhile is read again next time
        return io.rdc.runtime.security.TokenRevocations.fromLines(textMap(call("operator token revocations", timeoutNs, query(3))), version);
    }

    @Override
    public long revokeOperatorTokens(String operator) {
        return ackValue(call("revoke tokens of '" + operator + "'", timeoutNs, (b, seq) -> new RevokeTokensEncoder().wrapAndApplyHeader(b, 0, header)
                .clientId(clientId).seq(seq).operatorName(operator).encodedLength() + at()));
    }

    @Override
    public long idBlock(int node) {
        return ackValue(call("id block (node " + node + ")", timeoutNs, nodeOp(node, 0)));
    }

    @Override
    public long idBlockSize() {
        return ControlService.ID_BLOCK_SIZE;
    }

    @Override
    public void goodbye(int node) {
        call("goodbye (node " + node + ")", timeoutNs, nodeOp(node, 1));
    }

    private Body nodeOp(int node, int op) {
        return (b, seq) -> new NodeOpEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).node(node).op((short) op).encodedLength() + at();
    }

    @Override
    public List<Member> members() {
        DirectBuffer b = call("members", timeoutNs, query(0));
        MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
        MembersListDecoder d = new MembersListDecoder().wrap(b, at(), h.blockLength(), h.version());
        List<Member> out = new ArrayList<>();
        for (MembersListDecoder.MembersDecoder m : d.members()) {
            int node = m.node();
            boolean operator = m.isOperator() != 0, reachable = m.reachable() != 0;
            int incs = m.incarnations();
            long age = m.heartbeatAgeMs();
            double load = m.load();
            String name = m.name(), type = m.nodeType(), groups = m.groups(), attrs = m.attributes();
            out.add(new Member(new NodeInfo(node, name, ControlCodec.lines(groups), type, ControlCodec.pairs(attrs)), reachable, age, load, incs, operator));
        }
        return out;
    }

    @Override
    public byte[] operatorTokenKey() {
        DirectBuffer b = call("operator token key", timeoutNs, query(2));
        if (new MessageHeaderDecoder().wrap(b, 0).templateId() != SignedDecoder.TEMPLATE_ID) {
            // A plane older than schema version 5 answers another query: it signs no tokens, and nodes believe stated operators as before.
            System.err.println("rdc: the control plane at " + config.where() + " issues no operator tokens (an older version): nodes believe the operator a request names");
            return null;
        }
        Signed answer = signed(b);
        return answer.body().length == 0 ? null : answer.body();
    }

    @Override
    public io.rdc.runtime.security.OperatorTokens.Token issueOperatorToken(long rdc, byte[] sessionKey, long ttlMillis) {
        Signed answer = signed(call("operator token", timeoutNs, (b, seq) -> new IssueTokenEncoder().wrapAndApplyHeader(b, 0, header)
                .clientId(clientId).seq(seq).ttlMillis(ttlMillis).rdc(rdc).putSessionKey(sessionKey, 0, sessionKey.length).encodedLength() + at()));
        io.rdc.runtime.security.OperatorTokens.Token t = io.rdc.runtime.security.OperatorTokens.Token.decode(answer.body(), answer.signature());
        if (t == null) throw new OperationException("operator token: the control plane at " + config.where() + " answered with something that is not a token");
        return t;
    }

    private record Signed(byte[] body, byte[] signature) {}

    private static Signed signed(DirectBuffer b) {
        MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
        if (h.templateId() != SignedDecoder.TEMPLATE_ID) throw new OperationException("the control plane answered template " + h.templateId() + ", not Signed");
        SignedDecoder d = new SignedDecoder().wrap(b, at(), h.blockLength(), h.version());
        byte[] body = new byte[d.bodyLength()];
        d.getBody(body, 0, body.length);
        byte[] signature = new byte[d.signatureLength()];
        d.getSignature(signature, 0, signature.length);
        return new Signed(body, signature);
    }

    private Body query(int op) {
        return (b, seq) -> new QueryEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).op((short) op).encodedLength() + at();
    }

    // ------------------------------------------------------------------ RDCs

    @Override
    public Opened openRdc(String name, String owner, boolean attached) {
        DirectBuffer b = call("open RDC '" + name + "'", timeoutNs, (buf, seq) -> new OpenRdcEncoder().wrapAndApplyHeader(buf, 0, header)
                .clientId(clientId).seq(seq).attached(ControlCodec.flag(attached)).name(name).owner(owner == null ? "" : owner).encodedLength() + at());
        MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
        RdcListDecoder d = new RdcListDecoder().wrap(b, at(), h.blockLength(), h.version());
        boolean created = d.created() != 0;
        return new Opened(rdcList(d).getFirst(), created);
    }

    @Override
    public List<RdcRecord> rdcs() {
        DirectBuffer b = call("rdcs", timeoutNs, query(1));
        MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
        return rdcList(new RdcListDecoder().wrap(b, at(), h.blockLength(), h.version()));
    }

    private static List<RdcRecord> rdcList(RdcListDecoder d) {
        List<RdcRecord> out = new ArrayList<>();
        for (RdcListDecoder.RdcsDecoder r : d.rdcs()) {
            long id = r.id();
            boolean attached = r.attached() != 0;
            String name = r.name(), owner = r.owner(), state = r.state();
            out.add(new RdcRecord(id, name, owner, state, attached));
        }
        return out;
    }

    @Override
    public void terminateRdc(long rdc) {
        call("terminate RDC " + Ids.show(rdc), timeoutNs, rdcOp(rdc, 0));
    }

    private Body rdcOp(long rdc, int op) {
        return (b, seq) -> new RdcOpEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).rdc(rdc).op((short) op).encodedLength() + at();
    }

    @Override
    public void bindName(long rdc, String name, String value) {
        call("bind name '" + name + "'", timeoutNs, bind(rdc, 0, name, value));
    }

    @Override
    public void unbindName(long rdc, String name) {
        call("unbind name '" + name + "'", timeoutNs, bind(rdc, 1, name, ""));
    }

    private Body bind(long rdc, int op, String name, String value) {
        return (b, seq) -> new BindNameEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).rdc(rdc).op((short) op)
                .name(name).value(value).encodedLength() + at();
    }

    @Override
    public Map<String, String> names(long rdc) {
        return textMap(call("names of RDC " + Ids.show(rdc), timeoutNs, rdcOp(rdc, 1)));
    }

    /** A TextList answer's entries, in order. */
    private static Map<String, String> textMap(DirectBuffer b) {
        Map<String, String> out = new LinkedHashMap<>();
        for (TextListDecoder.EntriesDecoder e : textList(b)) {
            String k = e.key();
            out.put(k, e.value());
        }
        return out;
    }

    private static TextListDecoder.EntriesDecoder textList(DirectBuffer b) {
        MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
        return new TextListDecoder().wrap(b, at(), h.blockLength(), h.version()).entries();
    }

    // ------------------------------------------------------------------ stream space

    // ------------------------------------------------------------------ node allocation

    @Override
    public int setUsers(String source, String text) {
        return (int) ackValue(call("load the pool users file " + source, timeoutNs, (b, seq) -> new SetUsersEncoder().wrapAndApplyHeader(b, 0, header)
                .clientId(clientId).seq(seq).source(source).text(text).encodedLength() + at()));
    }

    @Override
    public Allocation allocate(long rdc, int count, String group) {
        return allocation("allocate " + count + " from '" + group + "'", allocOp(rdc, 0, count, 0, group));
    }

    @Override
    public Allocation release(long rdc, int node) {
        return allocation("release node " + node, allocOp(rdc, node, 0, 1, ""));
    }

    @Override
    public Allocation allocation(long rdc) {
        return allocation("allocation of RDC " + Ids.show(rdc), allocOp(rdc, 0, 0, 2, ""));
    }

    @Override
    public Allocation nodeAllocation(int node) {
        return allocation("allocation of node " + node, allocOp(0, node, 0, 3, ""));
    }

    private Body allocOp(long rdc, int node, int count, int op, String group) {
        return (b, seq) -> new AllocOpEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).rdc(rdc).node(node).count(count)
                .op((short) op).group(group).encodedLength() + at();
    }

    private Allocation allocation(String op, Body body) {
        DirectBuffer b = call(op, timeoutNs, body);
        MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
        AllocationDecoder d = new AllocationDecoder().wrap(b, at(), h.blockLength(), h.version());
        long epoch = d.epoch();
        boolean open = d.open() != 0;
        int pending = d.pending();
        List<AllocatedNode> nodes = new ArrayList<>();
        for (AllocationDecoder.EntriesDecoder e : d.entries()) {
            int node = e.node();
            long rdc = e.rdc();
            boolean exclusive = e.exclusive() != 0, justGiven = e.justGiven() != 0;
            String owner = e.owner(), groups = e.groups();
            nodes.add(new AllocatedNode(node, rdc, owner, ControlCodec.lines(groups), exclusive, justGiven));
        }
        return new Allocation(epoch, open, pending, nodes);
    }

    @Override
    public void spacePut(long rdc, String label, RefDescriptor ref, int copies) {
        call("stream space put '" + label + "'", timeoutNs, (b, seq) -> {
            SpacePutEncoder e = new SpacePutEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).rdc(rdc).copies(copies);
            ControlCodec.put(e.desc(), ref);
            return e.label(label).encodedLength() + at();
        });
    }

    @Override
    public SpaceGot spaceGet(long rdc, String label, long holder, long timeoutNs) {
        String op = "stream space get '" + label + "'";
        long wait = timeoutNs < 0 ? TimeUnit.DAYS.toNanos(365) : timeoutNs;
        Call c = submit((b, seq) -> new SpaceGetEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).rdc(rdc).holder(holder)
                .label(label).encodedLength() + at(), Thread.currentThread(), null, System.nanoTime() + wait);
        boolean[] silent = new boolean[1];
        byte[] a = awaitGet(c, silent);
        if (a == null) {
            // Given up: the service drops the waiting getter; if a copy was handed out meanwhile, the
            // cancel's answer carries it and it goes back (a unicast port as the descriptor it got).
            long getSeq = c.seq;
            submit((b, seq) -> new CancelGetEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).getSeq(getSeq).encodedLength() + at(),
                    null, answer -> giveBackIfHanded(rdc, label, holder, answer), System.nanoTime() + ASYNC_LIMIT_NS);
            if (silent[0])
                throw new OperationException(op + ": the control plane at " + config.where() + " is unreachable: it answered nothing, not even a probe, for "
                        + human(this.timeoutNs) + " (the get is cancelled; a copy it was handed goes back when the plane answers again)");
            throw new OperationException(op + " did not answer within " + human(wait) + ": no copy of '" + label + "' became available"
                    + " (or the control plane at " + config.where() + " is unreachable)");
        }
        DirectBuffer b = checked(op, a);
        MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
        GotDecoder d = new GotDecoder().wrap(b, at(), h.blockLength(), h.version());
        return new SpaceGot(ControlCodec.get(d.desc()), d.limited() != 0, d.cacheable() != 0);
    }

    /** On the polling thread: a copy handed to a get that gave up goes back, as a background request. */
    private void giveBackIfHanded(long rdc, String label, long holder, byte[] answer) {
        UnsafeBuffer b = new UnsafeBuffer(answer);
        MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
        if (h.templateId() != GotDecoder.TEMPLATE_ID) return; // cancelled in time (or failed): nothing is out
        GotDecoder d = new GotDecoder().wrap(b, at(), h.blockLength(), h.version());
        if (d.limited() == 0) return;
        RefDescriptor got = ControlCodec.get(d.desc());
        // The polling thread holds the lock here.
        send(encode(returnBody(rdc, label, SpaceTable.unicastPort(got) ? got : null, holder), null, x -> {}, System.nanoTime() + ASYNC_LIMIT_NS));
    }

    @Override
    public void spaceReturn(long rdc, String label, RefDescriptor port, long holder) {
        call("stream space return '" + label + "'", timeoutNs, returnBody(rdc, label, port, holder));
    }

    private Body returnBody(long rdc, String label, RefDescriptor port, long holder) {
        return (b, seq) -> {
            SpaceReturnEncoder e = new SpaceReturnEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).rdc(rdc).holder(holder)
                    .hasPort(ControlCodec.flag(port != null));
            if (port != null) ControlCodec.put(e.port(), port);
            return e.label(label).encodedLength() + at();
        };
    }

    @Override
    public boolean spaceDelete(long rdc, String label) {
        return ackValue(call("stream space delete '" + label + "'", timeoutNs, (b, seq) -> new SpaceDeleteEncoder().wrapAndApplyHeader(b, 0, header)
                .clientId(clientId).seq(seq).rdc(rdc).label(label).encodedLength() + at())) != 0;
    }

    @Override
    public List<String> spacePrint(long rdc) {
        List<String> out = new ArrayList<>();
        for (TextListDecoder.EntriesDecoder e : textList(call("stream space print", timeoutNs, rdcOp(rdc, 2)))) {
            e.skipKey();
            out.add(e.value());
        }
        return out;
    }

    // ------------------------------------------------------------------ name service

    @Override
    public void register(String name, RefDescriptor ref, long ownerRdc, List<String> readers) {
        call("register '" + name + "'", timeoutNs, (b, seq) -> {
            RegisterEncoder e = new RegisterEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).ownerRdc(ownerRdc).op((short) 0);
            ControlCodec.put(e.desc(), ref);
            return e.name(name).readers(ControlCodec.lines(readers)).encodedLength() + at();
        });
    }

    @Override
    public boolean unregister(String name, long ownerRdc) {
        return ackValue(call("delete name '" + name + "'", timeoutNs, (b, seq) -> {
            RegisterEncoder e = new RegisterEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).ownerRdc(ownerRdc).op((short) 1);
            ControlCodec.put(e.desc(), new RefDescriptor(io.rdc.runtime.ref.RefKind.STREAM, 0, 0, 0, 0, false, 0)); // unused by a delete
            return e.name(name).readers("").encodedLength() + at();
        })) != 0;
    }

    @Override
    public RefDescriptor lookup(String name, long requesterRdc) {
        DirectBuffer b = call("lookup '" + name + "'", timeoutNs, (buf, seq) -> new LookupEncoder().wrapAndApplyHeader(buf, 0, header)
                .clientId(clientId).seq(seq).requesterRdc(requesterRdc).name(name).encodedLength() + at());
        MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
        return ControlCodec.get(new GotDecoder().wrap(b, at(), h.blockLength(), h.version()).desc());
    }

    // ------------------------------------------------------------------ on-demand nodes

    @Override
    public List<OnDemandNode> createNodes(long rdc, String group, String host, int count) {
        return nodeList(call("create " + count + " node(s)", timeoutNs, (b, seq) -> new NodeCreateEncoder().wrapAndApplyHeader(b, 0, header)
                .clientId(clientId).seq(seq).rdc(rdc).count(count).group(group == null ? "" : group).host(host == null ? "" : host).encodedLength() + at()));
    }

    @Override
    public List<OnDemandNode> findNodes(long rdc) {
        return nodeList(call("find nodes", timeoutNs, (b, seq) -> new NodeFindEncoder().wrapAndApplyHeader(b, 0, header)
                .clientId(clientId).seq(seq).rdc(rdc).encodedLength() + at()));
    }

    @Override
    public boolean destroyNode(int node) {
        return ackValue(call("destroy node " + node, timeoutNs, (b, seq) -> new NodeDestroyEncoder().wrapAndApplyHeader(b, 0, header)
                .clientId(clientId).seq(seq).node(node).encodedLength() + at())) != 0;
    }

    @Override
    public int stopNodes(long rdc) {
        return (int) ackValue(call("stop nodes", timeoutNs, (b, seq) -> new NodeStopEncoder().wrapAndApplyHeader(b, 0, header)
                .clientId(clientId).seq(seq).rdc(rdc).encodedLength() + at()));
    }

    /**
     * A coordinator's report on node {@code node} (state as {@link OnDemandNodes.State}); for a claim
     * (STARTING, pid 0) true when it was granted.
     */
    boolean reportNode(int node, OnDemandNodes.State state, int member, long pid, String host, String error) {
        return ackValue(call("report on node " + node, timeoutNs, (b, seq) -> new NodeReportEncoder().wrapAndApplyHeader(b, 0, header)
                .clientId(clientId).seq(seq).node(node).state((short) state.ordinal()).member(member).pid(pid).host(host).reason(error)
                .encodedLength() + at())) != 0;
    }

    private static List<OnDemandNode> nodeList(DirectBuffer b) {
        MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
        List<OnDemandNode> out = new ArrayList<>();
        for (NodeListDecoder.NodesDecoder n : new NodeListDecoder().wrap(b, at(), h.blockLength(), h.version()).nodes()) {
            int node = n.node(), member = n.member();
            long rdc = n.rdc(), pid = n.pid(), since = n.since();
            String state = OnDemandNodes.State.of(n.state()).name(), group = n.group(), host = n.host(), error = n.reason();
            out.add(new OnDemandNode(node, rdc, group, host, state, member, pid, since, error));
        }
        return out;
    }

    /** A raw round trip through the cluster log (no state touched): the bench's baseline. */
    public void echo() {
        call("echo", timeoutNs, (b, seq) -> new EchoEncoder().wrapAndApplyHeader(b, 0, header).clientId(clientId).seq(seq).encodedLength() + at());
    }

    @Override
    public void close() {
        if (closed) return;
        synchronized (operatorSessions) {
            closed = true;
            for (ControlClient c : operatorSessions.values()) c.close();
            operatorSessions.clear();
        }
        try {
            poller.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            CloseHelper.quietClose(cluster);
            cluster = null;
        } finally {
            lock.unlock();
        }
        CloseHelper.quietClose(driver);
    }
}
