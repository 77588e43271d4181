package io.rdc.runtime.kernel;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.ref.Rights;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Transport;
import io.rdc.runtime.transport.Wire;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * A node's kernel (ch. 8): one Agrona agent whose duty cycle polls the node's Aeron subscription,
 * runs commands handed to it by local threads, flushes batched acknowledgements and fires timers.
 * It holds the routing database (§8.4.2: local ports by kernel port address and by channel,
 * redirection entries), the loader (§8.3: incarnation creation), the ghost operations on local
 * incarnations (destroy, freeze, status, events), and — at the nodes that host them — the stream
 * spaces of RDCs and the name service.
 *
 * <p>Threads: the kernel thread owns the maps below. Incarnation and operator threads encode and
 * offer their data messages themselves (no hop through the kernel thread on the send path) and
 * block on {@link Waiter}s that the kernel thread completes.
 *
 * <p>Why one file of this size: routing, loader, ghosts and acknowledgement batching share the kernel
 * thread's tables without locks. Issue 16 splits it into one class per concept behind an adapter and
 * publisher; until then this file is the known exception.
 */
public final class Kernel implements Agent {
    // ---- request operation codes
    static final int OP_CREATE = 1, OP_DESTROY = 2, OP_FREEZE = 3, OP_UNFREEZE = 4, OP_STATUS = 5,
            OP_INTEREST = 6, OP_LOCATE = 7, OP_SPACE_PUT = 8, OP_SPACE_GET = 9, OP_SPACE_RETURN = 10,
            OP_SPACE_DELETE = 11, OP_SPACE_PRINT = 12, OP_NAME_REGISTER = 13, OP_NAME_LOOKUP = 14,
            OP_BUFFER_READ = 15, OP_BUFFER_WRITE = 16, OP_NODE_STATUS = 17, OP_MODULE_FETCH = 18, OP_BLUEPRINT = 19, OP_IFACE = 20, OP_LIST = 21, OP_SNAPSHOT = 22,
            OP_ACTIVATE = 23, OP_ATTACH = 24, OP_DETACH = 25, OP_REBIND_AT_RECEIVER = 26, OP_REBIND_STREAM = 27,
            OP_FREEZE_STREAM = 28, OP_IFACE_HANDLE = 29, OP_ROUTE_BARRIER = 30, OP_CHANNEL_INFO = 31,
            OP_MIGRATE = 32, OP_MIGRATE_PREPARE = 33, OP_MIGRATE_CHUNK = 34, OP_MIGRATE_INSTALL = 35, OP_MIGRATE_COMMIT = 36,
            OP_MIGRATE_ABORT = 37, OP_NODE_ACCEPT = 38, OP_CHECKPOINT = 39, OP_FORK = 40;
    static final int ST_MODULE_NEEDED = 4;
    /** ACK status: the port's queue is over its quota (Limits.portMessages, portBytes); the message was dropped. */
    static final int ST_QUEUE_FULL = 64;

    /** Marks a propagated unicast port whose queue stays with the original (flag 8 of propagate). */
    static final long RETAIN = 1;
    /** Propagation flags: retain the queue (8); retain and hold senders pending until the new port is received (16, §6.2.4). */
    public static final int FLAG_RETAIN = 8, FLAG_HOLD = 16;

    /** Stream space copy modes (§5.5.2). */
    public static final int UNLIMITED = -1, DONTCACHE = -2;

    /** Largest send/dgram (one frame, §4.3) and head (§4.2's small header, as JSON text). */
    public static final int MAX_FRAME = 4096, MAX_HEAD = 512;
    /** Messages a stream may have unacknowledged before send blocks (flow control). */
    static final int WINDOW = 65_536;
    /** asinvoke's per-stream buffer limit in bytes. */
    public static final long BULK_LIMIT = 4L << 20;
    static final long REQUEST_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    static final long ACK_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    final NodeInfo info;
    final int nodeId;
    final Pool pool;
    final Transport transport;
    final ModuleStore modules = new ModuleStore();
    volatile Launcher launcher;
    final IdBlocks ids = new IdBlocks();
    final java.util.HashMap<Long, StreamSpace> spaces = new java.util.HashMap<>();
    final NameService names = new NameService();
    /** Migration (ch. 7.4): moving incarnations away from and to this node, and forwarding requests after them. */
    final Migrator migrator = new Migrator(this);
    final PriorityQueue<Timer> timers = new PriorityQueue<>();

    // ---- shared with local threads
    final ConcurrentHashMap<Long, Incarnation> incarnations = new ConcurrentHashMap<>();
    final ManyToOneConcurrentArrayQueue<Runnable> commands = new ManyToOneConcurrentArrayQueue<>(16_384);
    final java.util.Set<String> modulesKnownAt = ConcurrentHashMap.newKeySet();
    /** Whole messages that passed authentication: the transport reassembles and checks them. */
    final FragmentHandler assembler = this::onFragment;
    /**
     * Whoever holds this runs the duty cycle: the agent thread, or a thread waiting on this kernel
     * (an invoker for its reply, an incarnation for its next message) that does the work itself
     * instead of waiting for the agent thread to be scheduled — on a 2-core machine that is the
     * difference between a microsecond and a scheduling quantum.
     */
    final java.util.concurrent.locks.ReentrantLock duty = new java.util.concurrent.locks.ReentrantLock();

    // ---- the kernel's parts, each on the kernel thread unless it says otherwise
    final KernelPublisher publisher;
    final Requests requests;
    final AckBatch acks;
    final Router router;
    final Sender sender;
    final Receiver receiver;

    public Kernel(NodeInfo info, Pool pool, Transport transport) {
        this.info = info;
        this.nodeId = info.id();
        this.pool = pool;
        this.transport = transport;
        this.publisher = new KernelPublisher(this);
        this.requests = new Requests(this);
        this.acks = new AckBatch(this);
        this.router = new Router(this);
        this.sender = new Sender(this);
        this.receiver = new Receiver(this);
    }

    public void launcher(Launcher l) {
        this.launcher = l;
    }

    public Launcher launcher() {
        return launcher;
    }

    public int nodeId() {
        return nodeId;
    }

    public NodeInfo info() {
        return info;
    }

    public Pool pool() {
        return pool;
    }

    /** How many incarnations live at this node (arrivals count once committed). */
    public int incarnationCount() {
        return incarnations.size();
    }

    /** How many arrivals (migrations to this node) are under way, not yet committed or abandoned. A plain read: for tests and inspection. */
    public int arrivalsInProgress() {
        return migrator.arrivalsInProgress();
    }

    /** How many records this node has sent (migration, checkpoint, fork) that carried module code. */
    public long recordsWithCode() {
        return migrator.codeShipped.get();
    }

    /** How many arrays for receiving large migrating records this node keeps for reuse. */
    public int receiveBuffersKept() {
        return migrator.recordBuffers.kept();
    }

    public ModuleStore modules() {
        return modules;
    }

    /** With a control plane: this node's ids come from blocks it hands out, never reused (see IdBlocks). */
    public void useIds(ControlPlane control, long firstOfBlock) {
        ids.use(control, nodeId, firstOfBlock);
    }

    public long newGid() {
        return Ids.make(nodeId, ids.next());
    }

    @Override
    public String roleName() {
        return "rdc-kernel-" + nodeId;
    }

    // =====================================================================================
    // Duty cycle

    @Override
    public int doWork() {
        return cycle();
    }

    /** When a waiting thread last ran this kernel's duty cycle (the agent thread then need not). */
    volatile long lastAssistNanos;

    /** Runs one duty cycle for a thread that waits on this kernel, unless another thread is running one. */
    public int assist() {
        int w = cycle();
        lastAssistNanos = System.nanoTime();
        return w;
    }

    /** Whether a waiting thread has been driving this kernel within the last {@code nanos}. */
    public boolean assistedWithin(long nanos) {
        return System.nanoTime() - lastAssistNanos < nanos;
    }

    /**
     * Whether this node takes new incarnations, by creation or migration (§7.4.2: a node that is not
     * allocated to the computation refuses them). Set by {@link #setAccepting}.
     */
    volatile boolean acceptingIncarnations = true;

    /** Opens or closes a node to new incarnations (created or migrated there). */
    public void setAccepting(int node, boolean accepting) {
        Response r = request(node, OP_NODE_ACCEPT, new Wire.Writer().bool(accepting), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException(r.error());
    }

    /** Set when the node shuts down: no more duty cycles (its transport is about to close). */
    volatile boolean stopped;

    int cycle() {
        if (stopped || !duty.tryLock()) return 0;
        try {
            int work = commands.drain(Runnable::run, 256);
            work += transport.poll(assembler, 256);
            if (acks.ackCount > 0) work += acks.flushAcks();
            if (!timers.isEmpty()) work += runTimers();
            return work;
        } finally {
            duty.unlock();
        }
    }

    boolean onKernelThread() {
        return duty.isHeldByCurrentThread();
    }

    /** Runs an action on the kernel thread, asynchronously. */
    void onKernel(Runnable r) {
        if (onKernelThread()) {
            r.run();
            return;
        }
        while (!commands.offer(r)) Thread.onSpinWait();
    }

    /** Runs an action on the kernel thread and waits for its result. */
    <T> T callOnKernel(Supplier<T> s) {
        if (onKernelThread()) return s.get();
        Waiter w = new Waiter();
        onKernel(() -> {
            try {
                w.complete(Frames.OK, null, s.get());
            } catch (RuntimeException e) {
                w.complete(Frames.FAILED, null, e);
            }
        });
        if (!w.await(REQUEST_TIMEOUT_NS, this)) throw new OperationException("node " + nodeId + ": kernel did not respond");
        if (w.value instanceof RuntimeException e && w.status == Frames.FAILED) throw e;
        @SuppressWarnings("unchecked") T t = (T) w.value;
        return t;
    }

    /** A timer; cancelling drops its action at once (what it holds can be collected), the entry goes when due. */
    static final class Timer implements Comparable<Timer> {
        final long deadline;
        volatile Runnable action;

        Timer(long deadline, Runnable action) {
            this.deadline = deadline;
            this.action = action;
        }

        void cancel() {
            action = null;
        }

        public int compareTo(Timer o) {
            return Long.compare(deadline, o.deadline);
        }
    }

    Timer schedule(long delayNanos, Runnable action) {
        Timer t = new Timer(System.nanoTime() + delayNanos, action);
        onKernel(() -> timers.add(t));
        return t;
    }

    int runTimers() {
        int n = 0;
        long now = System.nanoTime();
        while (!timers.isEmpty() && timers.peek().deadline - now <= 0) {
            Runnable a = timers.poll().action;
            if (a != null) a.run();
            n++;
        }
        return n;
    }

    // =====================================================================================
    // Local objects: channels, ports, streams

    public long newChannel(boolean multicast) {
        return Ids.channel(nodeId, ids.next(), multicast);
    }

    /** What an invoker gets back. */
    public record Reply(byte[] head, byte[] body, RefDescriptor ref, long port) {
        public String headText() {
            return head == null || head.length == 0 ? "null" : new String(head, StandardCharsets.UTF_8);
        }
    }

    volatile java.util.function.Consumer<String> logSink = System.out::println;

    /** Where ctx.log lines go (stdout unless the pool redirects them). */
    public void logSink(java.util.function.Consumer<String> sink) {
        logSink = sink;
    }

    public void log(Incarnation inc, String text) {
        logSink.accept("[" + inc.name + "@" + nodeId + "] " + text);
    }

    // =====================================================================================
    // Receiving (kernel thread)

    private void onFragment(DirectBuffer buf, int off, int len, Header header) {
        String bad = Frames.malformed(buf, off, len);
        if (bad != null) {
            malformed(bad);
            return;
        }
        byte type = buf.getByte(off + Frames.TYPE);
        try {
            switch (type) {
                case Frames.DATA -> router.onData(buf, off, len);
                case Frames.ACK -> onAck(buf, off);
                case Frames.REPLY -> onReply(buf, off, len);
                case Frames.REQUEST -> onRequest(buf, off, len);
                case Frames.RESPONSE -> requests.onResponse(buf, off, len);
                case Frames.EVENT -> onEvent(buf, off, len);
                default -> malformed("unknown frame type " + type);
            }
        } catch (RuntimeException | Error e) {
            // A malformed or unexpected frame must not stop the kernel, nor an Error from it (issue 21): report and carry on.
            malformed("error handling a " + Frames.typeName(type) + " frame: " + e);
        }
    }

    long malformedFrames;

    /** Frames this kernel could not decode or handle, since it started (kernel thread). */
    public long malformedFrames() {
        return malformedFrames;
    }

    /** Counts a frame it could not take; says so for the first ten, then once in 10,000 (a flood must not flood stderr). */
    private void malformed(String why) {
        long n = ++malformedFrames;
        if (n <= 10 || n % 10_000 == 0) System.err.println("node " + nodeId + ": dropped frame " + n + ": " + why);
    }

    /** Tests only (the frame fuzz test): one frame through the decoder, as if it arrived; call on the kernel thread. */
    void receiveForTest(DirectBuffer buf, int off, int len) {
        onFragment(buf, off, len, null);
    }

    private void onAck(DirectBuffer buf, int off) {
        int status = buf.getShort(off + Frames.SHORT_FIELD);
        long gid = buf.getLong(off + Frames.A_STREAM);
        long seq = buf.getLong(off + Frames.A_SEQ);
        long port = buf.getLong(off + Frames.A_PORT);
        long ackedChannel = buf.getLong(off + Frames.A_CHANNEL);
        Stream st = router.streams.get(gid);
        if (st == null) return;
        if (status == Frames.OK) {
            // Learn the final address (§8.4.3), applied by the sender once nothing is in flight.
            // Acknowledgements of messages sent before the last switch are stale news.
            if (!st.multicast && port != 0 && port != st.destAddr && st.retarget == null && seq > st.switchedAt)
                st.retarget = new Stream.Retarget(ackedChannel != 0 ? ackedChannel : st.channel, port, 0);
            if (seq > st.ackedSeq) st.ackedSeq = seq;
        } else if (status == ST_QUEUE_FULL) {
            st.failure = "message " + seq + " refused: the receiving port's queue at node " + buf.getInt(off + Frames.SRC_NODE)
                    + " is full (rdc.limit.portMessages, rdc.limit.portBytes)";
            st.ackedSeq = Math.max(st.ackedSeq, seq);
            raise(st.owner, Event.Type.STREAM_CLOSED, st.failure);
        } else {
            st.failure = "message " + seq + " refused: no port is attached to channel " + Ids.show(st.channel);
            st.ackedSeq = Math.max(st.ackedSeq, seq);
            raise(st.owner, Event.Type.STREAM_CLOSED, st.failure);
        }
    }

    private void onReply(DirectBuffer buf, int off, int len) {
        int status = buf.getShort(off + Frames.SHORT_FIELD);
        long id = buf.getLong(off + Frames.R_INVOKE);
        Waiter w = requests.calls.get(id);
        Probe.stamp(4);
        if (w == null) return; // the invoker gave up
        int bl = buf.getInt(off + Frames.R_BODY_LEN);
        int rl = buf.getInt(off + Frames.R_REF_LEN);
        int pos = off + Frames.R_HEADER;
        int hl = buf.getInt(pos);
        pos += 4;
        byte[] head = hl == 0 ? null : new byte[hl];
        if (hl > 0) buf.getBytes(pos, head);
        pos += hl;
        if (status != Frames.OK) {
            w.complete(status, null, head == null ? "refused" : new String(head, StandardCharsets.UTF_8));
            return;
        }
        byte[] body = bl == 0 ? null : new byte[bl];
        if (bl > 0) buf.getBytes(pos, body);
        pos += bl;
        RefDescriptor ref = rl > 0 ? RefDescriptor.read(new Wire.Reader(buf, pos, rl)) : null;
        w.complete(Frames.OK, null, new Reply(head, body, ref, buf.getLong(off + Frames.R_PORT)));
    }

    // =====================================================================================
    // Requests between kernels (loader, ghosts, stream space, name service)

    /** A response to a request: a status and a payload in Wire format (or an error message). */
    public record Response(int status, byte[] payload) {
        public Wire.Reader reader() {
            return new Wire.Reader(payload == null ? new byte[0] : payload);
        }

        public String error() {
            return payload == null ? "failed" : new Wire.Reader(payload).str();
        }
    }

    void onRequest(DirectBuffer buf, int off, int len) {
        int src = buf.getInt(off + Frames.SRC_NODE);
        long call = buf.getLong(off + Frames.Q_CALL);
        int op = buf.getInt(off + Frames.Q_OP);
        Wire.Reader r = new Wire.Reader(buf, off + Frames.Q_HEADER, len - Frames.Q_HEADER);
        try {
            // Requests for an incarnation (or its streams and ports) that is moving or has moved
            // are held until it has, or forwarded to where it is now (§7.4.3).
            if (migrator.intercept(src, call, op, buf, off, len)) return;
            switch (op) {
                case OP_CREATE -> onCreate(src, call, r);
                case OP_DESTROY, OP_FREEZE, OP_UNFREEZE -> onControl(src, call, op, r);
                case OP_STATUS -> onStatus(src, call, r);
                case OP_INTEREST -> onInterest(src, call, r);
                case OP_LOCATE -> router.onLocate(src, call, r);
                case OP_SPACE_PUT, OP_SPACE_GET, OP_SPACE_RETURN, OP_SPACE_DELETE, OP_SPACE_PRINT -> onSpace(src, call, op, r);
                case OP_NAME_REGISTER, OP_NAME_LOOKUP -> onName(src, call, op, r);
                case OP_BUFFER_READ, OP_BUFFER_WRITE -> onBuffer(src, call, op, r);
                case OP_MODULE_FETCH -> {
                    String wanted = r.str();
                    ModuleStore.Module m = r.hasMore() ? modules.byName(r.i64(), wanted) : modules.byName(wanted);
                    if (m == null) publisher.respondError(src, call, "no module of that name is known to the RDC");
                    else publisher.respond(src, call, Frames.OK, publisher.kw.reset().str(m.name()).str(m.code()));
                }
                case OP_BLUEPRINT -> {
                    Incarnation b = local(r.i64());
                    if (b.state != Incarnation.State.INCHOATE)
                        throw new OperationException(b.name + " is " + b.state + "; only an INCHOATE incarnation serves as a blueprint");
                    publisher.respond(src, call, Frames.OK, publisher.kw.reset().str(b.module.name()).str(b.module.code()));
                }
                case OP_IFACE -> onIface(src, call, r);
                case OP_ACTIVATE -> onActivate(src, call, r);
                case OP_ATTACH -> onAttach(src, call, r);
                case OP_DETACH -> onDetach(src, call, r);
                case OP_REBIND_AT_RECEIVER -> onRebindAtReceiver(src, call, r);
                case OP_REBIND_STREAM -> onRebindStream(src, call, r);
                case OP_MIGRATE -> migrator.onMigrate(src, call, r);
                case OP_MIGRATE_PREPARE -> migrator.onPrepare(src, call, r);
                case OP_MIGRATE_CHUNK -> migrator.onChunk(r);
                case OP_MIGRATE_INSTALL -> migrator.onInstall(src, call, r);
                case OP_MIGRATE_COMMIT -> migrator.onCommit(src, call, r);
                case OP_MIGRATE_ABORT -> migrator.onAbort(src, call, r);
                case OP_CHECKPOINT -> migrator.onCheckpoint(src, call, r);
                case OP_FORK -> migrator.onFork(src, call, r);
                case OP_NODE_ACCEPT -> {
                    acceptingIncarnations = r.bool();
                    publisher.respond(src, call, Frames.OK, null);
                }
                case OP_CHANNEL_INFO -> {
                    long ch = r.i64();
                    List<String> out = new ArrayList<>();
                    ArrayList<Port> l = router.channelPorts.get(ch);
                    if (l != null) for (Port p : l) out.add("port " + p.owner.name + (p.name != null ? "." + p.name : "") + " (" + Ids.show(p.gid) + ") at " + nodeId);
                    for (Stream st : router.streams.values())
                        if (st.channel == ch && !st.closed && !st.owner.destroyed)
                            out.add("stream " + st.owner.name + (st.name != null ? "." + st.name : "") + " (" + Ids.show(st.gid) + ") at " + nodeId);
                    Wire.Writer w = publisher.kw.reset().i32(out.size());
                    for (String x : out) w.str(x);
                    publisher.respond(src, call, Frames.OK, w);
                }
                // Answered in order after whatever the requester sent here before it: when a rebinding
                // has moved a stream's messages here, they have all arrived once this is answered.
                case OP_ROUTE_BARRIER -> publisher.respond(src, call, Frames.OK, null);
                case OP_IFACE_HANDLE -> {
                    Incarnation inc = local(r.i64());
                    String name = r.str();
                    RefDescriptor d = null;
                    for (Port p : inc.ports()) if (name.equals(p.name)) d = new RefDescriptor(RefKind.PORT_HANDLE, p.gid, p.firstChannel(), nodeId, 0, false, 0);
                    for (Stream st : inc.streams()) if (d == null && name.equals(st.name)) d = new RefDescriptor(RefKind.STREAM_HANDLE, st.gid, st.channel, nodeId, 0, false, 0);
                    if (d == null) throw new OperationException(inc.name + " has no port or stream named " + name);
                    Wire.Writer w = publisher.kw.reset();
                    d.write(w);
                    publisher.respond(src, call, Frames.OK, w);
                }
                case OP_FREEZE_STREAM -> {
                    Stream st = router.streams.get(r.i64());
                    if (st == null) throw new OperationException("no such stream at node " + nodeId);
                    st.frozen = r.bool();
                    publisher.respond(src, call, Frames.OK, null);
                }
                case OP_SNAPSHOT -> {
                    Incarnation inc = local(r.i64());
                    Launcher l = launcher;
                    if (l == null || inc.pseudo) throw new OperationException(inc.name + " has no state to snapshot");
                    l.snapshot(inc, (bytes, error) -> onKernel(() -> {
                        if (error != null) publisher.respondError(src, call, error);
                        else publisher.respond(src, call, Frames.OK, new Wire.Writer(bytes.length + 8).bytes(bytes));
                    }));
                }
                case OP_LIST -> {
                    long rdc = r.i64();
                    Wire.Writer w = publisher.kw.reset();
                    List<Incarnation> list = new ArrayList<>();
                    for (Incarnation i : incarnations.values()) if (!i.pseudo && !i.destroyed && (rdc == 0 || i.rdcId == rdc)) list.add(i);
                    w.i32(list.size());
                    for (Incarnation i : list)
                        w.i64(i.gid).str(i.name).str(i.moduleName()).i8(i.shownState().ordinal()).i32(i.inbox.messageCount())
                                .i64(i.handlerNanos / 1000).i64(i.rdcId);
                    publisher.respond(src, call, Frames.OK, w);
                }
                case OP_NODE_STATUS -> publisher.respond(src, call, Frames.OK, publisher.kw.reset().i32(liveIncarnations()).i64(Double.doubleToLongBits(load()))
                        .i64(transport.refusedFrames()));
                default -> publisher.respondError(src, call, "unknown kernel operation " + op);
            }
        } catch (RuntimeException e) {
            publisher.respondError(src, call, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    // ---- loader (§8.3): create an incarnation here

    /** Creations each RDC may still start from this node this second: {tokens, second}; guarded by itself. */
    final java.util.HashMap<Long, long[]> creationTokens = new java.util.HashMap<>();

    /** A fork bomb meets this before memory runs out: each RDC creates at most Limits.creationsPerSecond a second from here. */
    private void takeCreationToken(long rdc) {
        int rate = limits.creationsPerSecond;
        long second = System.nanoTime() / 1_000_000_000L;
        synchronized (creationTokens) {
            long[] b = creationTokens.computeIfAbsent(rdc, k -> new long[] {rate, second});
            if (b[1] != second) {
                b[0] = rate;
                b[1] = second;
            }
            if (b[0] <= 0)
                throw new OperationException("RDC " + Ids.show(rdc) + " started " + rate + " creations at node " + nodeId
                        + " within a second, its quota (rdc.limit.creationsPerSecond)");
            b[0]--;
        }
    }

    /** Why an RDC may not have one more incarnation here (Limits.incarnationsPerRdc), or null. Kernel thread. */
    String overIncarnationQuota(long rdc) {
        int quota = limits.incarnationsPerRdc, n = 0;
        for (Incarnation i : incarnations.values()) if (i.rdcId == rdc && !i.pseudo) n++;
        return n < quota ? null : "RDC " + Ids.show(rdc) + " has " + n + " incarnations at node " + nodeId
                + ", its quota (rdc.limit.incarnationsPerRdc)";
    }

    private void onCreate(int src, long call, Wire.Reader r) {
        CreateProbe.stamp(CreateProbe.NODE_RECEIVED);
        long rdc = r.i64();
        long parent = r.i64();
        String hash = r.str();
        String moduleName = r.str();
        String code = r.str();
        String args = r.str();
        boolean inchoate = r.bool();
        String name = r.str();
        int n = r.i32();
        List<Iface> ifaces = new ArrayList<>();
        for (int i = 0; i < n; i++) ifaces.add(new Iface(Iface.Kind.values()[r.i8()], r.str(), r.str(), r.str()));
        byte[] state = r.hasMore() ? r.bytes() : null;
        ModuleStore.Module mod = code != null ? modules.add(moduleName, code) : modules.get(hash);
        if (mod == null) {
            publisher.respond(src, call, ST_MODULE_NEEDED, null);
            return;
        }
        Launcher l = launcher;
        if (l == null) {
            publisher.respondError(src, call, "node " + nodeId + " has no incarnation host");
            return;
        }
        if (!acceptingIncarnations) {
            publisher.respondError(src, call, "node " + nodeId + " is not allocated to new incarnations");
            return;
        }
        String over = overIncarnationQuota(rdc);
        if (over != null) {
            publisher.respondError(src, call, over);
            return;
        }
        long gid = newGid();
        String incName = name == null || name.isEmpty() ? mod.name() + "#" + Ids.show(gid) : name;
        Incarnation inc = new Incarnation(this, gid, rdc, incName, false, parent, mod, args,
                inchoate ? Incarnation.State.INCHOATE : Incarnation.State.EXECUTING);
        if (inchoate) inc.frozenRequested = true;
        inc.initialState = state;
        incarnations.put(gid, inc);
        l.launch(inc, ifaces,
                () -> {
                    CreateProbe.stamp(CreateProbe.READY);
                    publisher.respondFromAnyThread(src, call, Frames.OK, new Wire.Writer().i64(gid));
                },
                why -> {
                    incarnations.remove(gid);
                    inc.destroyed = true;
                    inc.state = Incarnation.State.DEAD;
                    onKernel(() -> publisher.respondError(src, call, why));
                });
    }

    /**
     * Creates an incarnation of a module at a node on behalf of {@code creator}, shipping the
     * module's code only when that node does not have it. Returns the new incarnation's id.
     */
    public long create(Incarnation creator, int node, ModuleStore.Module mod, String argsJson, List<Iface> ifaces,
                       boolean inchoate, String name) {
        return create(creator, node, mod, argsJson, ifaces, inchoate, name, null);
    }

    /**
     * As above; with {@code state}, the new incarnation starts from that snapshot (its references
     * re-made at the new node) instead of running init.
     */
    public long create(Incarnation creator, int node, ModuleStore.Module mod, String argsJson, List<Iface> ifaces,
                       boolean inchoate, String name, byte[] state) {
        if (pool.node(node) == null)
            throw new OperationException("node " + node + " is not in the pool (nodes: " + pool.nodeIds() + ")");
        takeCreationToken(creator.rdcId);
        boolean sendCode = !modulesKnownAt.contains(node + "/" + mod.hash());
        for (int attempt = 0; attempt < 2; attempt++) {
            Wire.Writer w = new Wire.Writer(256 + (sendCode ? mod.code().length() * 3 : 0))
                    .i64(creator.rdcId).i64(creator.gid).str(mod.hash()).str(mod.name()).str(sendCode ? mod.code() : null)
                    .str(argsJson).bool(inchoate).str(name).i32(ifaces.size());
            for (Iface f : ifaces) w.i8(f.kind().ordinal()).str(f.name()).str(f.label()).str(f.handleLabel());
            if (state != null) w.bytes(state);
            CreateProbe.stamp(CreateProbe.SENT);
            Response resp = request(node, OP_CREATE, w, TimeUnit.SECONDS.toNanos(30));
            CreateProbe.stamp(CreateProbe.ANSWERED);
            if (resp.status == ST_MODULE_NEEDED) {
                sendCode = true;
                continue;
            }
            if (resp.status != Frames.OK) throw new OperationException(resp.error());
            modulesKnownAt.add(node + "/" + mod.hash());
            return resp.reader().i64();
        }
        throw new OperationException("node " + node + " did not accept module " + mod.name());
    }

    /**
     * Creation from an INCHOATE incarnation (§3.2.1): a new incarnation of the blueprint's module,
     * its code taken from the blueprint's node (already in memory there) rather than the creator.
     */
    public long createFrom(Incarnation creator, long blueprint, int node, String argsJson, List<Iface> ifaces,
                           boolean inchoate, String name) {
        Response r = request(Ids.node(blueprint), OP_BLUEPRINT, new Wire.Writer().i64(blueprint), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException("create from " + Ids.show(blueprint) + ": " + r.error());
        Wire.Reader rd = r.reader();
        ModuleStore.Module m = modules.add(rd.str(), rd.str());
        return create(creator, node, m, argsJson, ifaces, inchoate, name);
    }

    /** How a migration went: total time from the request to the switch, and how long the incarnation was stopped. */
    public record Migration(long elapsedNanos, long frozenNanos) {
        public double elapsedMs() {
            return elapsedNanos / 1e6;
        }

        public double frozenMs() {
            return frozenNanos / 1e6;
        }
    }

    /**
     * Migrates an incarnation to {@code node} (§7.4). A handler running when it is asked is waited
     * for up to {@code withinNs}. With {@code waitForEnd} this returns when the incarnation runs at
     * the destination (or throws why it stayed where it was); without, as soon as the destination
     * has committed resources — the end is then told by a MIGRATEDONE or MIGRATEFAILED event. An
     * incarnation migrating itself must not wait (it moves when its handler returns).
     */
    public Migration migrate(long gid, int node, long withinNs, boolean waitForEnd) {
        Response r = request(Ids.node(gid), OP_MIGRATE, new Wire.Writer().i64(gid).i32(node).i64(withinNs).bool(waitForEnd),
                withinNs + Migrator.INSTALL_TIMEOUT_NS + REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException(r.error());
        Wire.Reader rd = r.reader();
        return new Migration(rd.i64(), rd.i64());
    }

    /**
     * checkpoint (§9.2): at its next handler boundary (waited for up to {@code withinNs}) the
     * incarnation's record is written to {@code file} at the node where it runs; with
     * {@code destroy} it is then destroyed, its ports parked for a restore. Returns the file's size.
     */
    public long checkpoint(long gid, String file, boolean destroy, long withinNs) {
        Response r = request(Ids.node(gid), OP_CHECKPOINT, new Wire.Writer().i64(gid).i64(withinNs).bool(destroy).str(file),
                withinNs + Migrator.INSTALL_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException(r.error());
        return r.reader().i64();
    }

    /**
     * restore: a checkpoint file (read here, from the pool's checkpoint directory; its MAC checked
     * with the pool's key) re-made as a new incarnation at {@code node}; returns its id.
     */
    public long restore(java.nio.file.Path file, int node, String name) {
        byte[] record = CheckpointFile.read(pool.checkpoints().forReading(file.toString(), "restore"), pool.key());
        if (pool.node(node) == null) throw new OperationException("node " + node + " is not in the pool (nodes: " + pool.nodeIds() + ")");
        return migrator.restore(record, node, name);
    }

    /** What fork gives its caller: the child's id, and a stream to each listed unicast port's copy, by port name. */
    public record Forked(long child, java.util.Map<String, RefDescriptor> streams) {}

    /** fork by a holder of the incarnation's handle: done by the incarnation at its next handler boundary. */
    public Forked fork(long gid, int node, List<String> ports, String name, long withinNs) {
        Wire.Writer w = new Wire.Writer().i64(gid).i32(node).i64(withinNs).str(name).i32(ports.size());
        for (String p : ports) w.str(p);
        Response r = request(Ids.node(gid), OP_FORK, w, withinNs + Migrator.INSTALL_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException(r.error());
        Wire.Reader rd = r.reader();
        long child = rd.i64();
        java.util.Map<String, RefDescriptor> streams = new java.util.LinkedHashMap<>();
        for (int i = rd.i32(); i > 0; i--) streams.put(rd.str(), RefDescriptor.read(rd));
        return new Forked(child, streams);
    }

    /** ctx.fork, on the calling incarnation's own thread: returns the child's id and the parent's new streams (already in its table). */
    public java.util.Map.Entry<Long, java.util.Map<String, Ref>> forkSelf(Incarnation inc, int node, List<Ref> ports, String name) {
        List<Port> listed = new ArrayList<>();
        for (Ref p : ports) listed.add((Port) inc.refs.check(p, RefKind.PORT).target());
        if (pool.node(node) == null) throw new OperationException("node " + node + " is not in the pool (nodes: " + pool.nodeIds() + ")");
        Migrator.Fork f = migrator.fork(inc, node, listed, name);
        java.util.Map<String, Ref> streams = new java.util.LinkedHashMap<>();
        for (var e : f.channels().entrySet()) streams.put(e.getKey(), inc.refs.add(RefKind.STREAM, newStream(inc, e.getValue(), 0), 0, false));
        return java.util.Map.entry(f.child(), streams);
    }

    /** A snapshot of an incarnation's state (§5 of DESIGN): taken between its handlers, at its node. */
    public byte[] snapshot(long gid, long timeoutNs) {
        Response r = request(Ids.node(gid), OP_SNAPSHOT, new Wire.Writer().i64(gid), timeoutNs);
        if (r.status != Frames.OK) throw new OperationException("snapshot of " + Ids.show(gid) + ": " + r.error());
        return r.reader().bytes();
    }

    /** One incarnation as {@code list} reports it. */
    public record Listed(long gid, String name, String module, Incarnation.State state, int node, int queued, long handlerMicros, long rdc) {}

    /** The incarnations of an RDC (0: all) on every reachable node. */
    public List<Listed> list(long rdc) {
        List<Listed> out = new ArrayList<>();
        for (NodeInfo n : pool.nodes()) {
            Response r;
            try {
                r = request(n.id(), OP_LIST, new Wire.Writer().i64(rdc), TimeUnit.SECONDS.toNanos(2));
            } catch (OperationException e) {
                continue;
            }
            if (r.status != Frames.OK) continue;
            Wire.Reader rd = r.reader();
            for (int i = rd.i32(); i > 0; i--)
                out.add(new Listed(rd.i64(), rd.str(), rd.str(), Incarnation.State.values()[rd.i8()], n.id(), rd.i32(), rd.i64(), rd.i64()));
        }
        return out;
    }

    /**
     * Gives a running incarnation a new interface (Conic's link, §2.3.1): a reference materialized at
     * its node, installed between two of its handlers; a null descriptor removes the interface.
     */
    public void giveInterface(long gid, String name, RefDescriptor d) {
        Wire.Writer w = new Wire.Writer().i64(gid).str(name).bool(d != null);
        if (d != null) d.write(w);
        Response r = request(Ids.node(gid), OP_IFACE, w, REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException(r.error());
    }

    private void onIface(int src, long call, Wire.Reader r) {
        Incarnation inc = local(r.i64());
        String name = r.str();
        boolean add = r.bool();
        RefDescriptor d = add ? RefDescriptor.read(r) : null;
        Launcher l = launcher;
        if (l == null || inc.pseudo) throw new OperationException(inc.name + " has no code to give an interface to");
        if (d == null) {
            l.setInterface(inc, name, null);
            publisher.respond(src, call, Frames.OK, null);
            return;
        }
        // Materializing registers a stream with this kernel: do it off the kernel thread's current cycle.
        ControlThreads.run(() -> {
            try {
                Ref ref = materialize(inc, d);
                if (ref.target() instanceof Stream s) s.name = name;
                l.setInterface(inc, name, ref);
                publisher.respondFromAnyThread(src, call, Frames.OK, null);
            } catch (RuntimeException e) {
                onKernel(() -> publisher.respondError(src, call, String.valueOf(e.getMessage())));
            }
        });
    }

    /** Runs an action on an incarnation's own thread, between its handlers. */
    public void runOnIncarnation(Incarnation inc, Runnable action) {
        inc.inbox.put(action);
    }

    // =====================================================================================
    // Reconfiguration (ch. 6, §8.5): port propagation, port attachment, stream rebinding.
    //
    // Equus needed "moving" ports and "pending" messages because its forwarding could be interleaved
    // with arrivals. Here the node that gives a port up does so in one step on its kernel thread:
    // the routing entries go, the redirection comes, the queue is forwarded (drained under the
    // inbox lock, so reception cannot interleave) — arrivals are processed before or after, never
    // during. What arrives later follows the redirection, in order. Senders switch to the new
    // address only once nothing they sent is in flight (Stream.retarget). Stream redirections are
    // scoped by binding epoch (Frames.D_EPOCH): they catch the frames of earlier bindings, however
    // those travelled, and never a frame of the new one, so none has to be taken back
    // (docs/reconfiguration.md, "Binding epochs").

    /** Debug trace of deliveries (-Drdc.trace=true), for finding ordering bugs. */
    public static final java.util.List<String> TRACE = Boolean.getBoolean("rdc.trace") ? java.util.Collections.synchronizedList(new ArrayList<>()) : null;

    // ---- port propagation (§6.2.1, figures 8.4 and 8.5)

    /**
     * The receiving side of a propagated unicast port (figure 8.4): a new port here on the same
     * channels, activated by the node that held it, which forwards the queue (unless retained)
     * and leaves redirection entries; then this node enters the port in its routing database.
     */
    Port receivePort(Incarnation inc, RefDescriptor d, boolean moveQueue) {
        Port p = new Port(newGid(), inc, d.channel());
        synchronized (inc) {
            inc.ports.add(p);
        }
        callOnKernel(() -> router.ports.put(p.gid, p)); // reachable by address (forwarded queue) before the channel entry
        Response r = request(Ids.node(d.gid()), OP_ACTIVATE, new Wire.Writer().i64(d.gid()).i64(p.gid).bool(moveQueue), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) {
            callOnKernel(() -> router.ports.remove(p.gid));
            synchronized (inc) {
                inc.ports.remove(p);
            }
            throw new OperationException("receiving port " + Ids.show(d.gid()) + ": " + r.error());
        }
        Wire.Reader rd = r.reader();
        int n = rd.i32();
        long[] chans = new long[n];
        for (int i = 0; i < n; i++) chans[i] = rd.i64();
        callOnKernel(() -> {
            p.channels.clear();
            for (long c : chans) router.route(p, c);
            return null;
        });
        return p;
    }

    /** Figure 8.5 at the node giving the port up, in one step on the kernel thread. */
    private void onActivate(int src, long call, Wire.Reader r) {
        long old = r.i64();
        long to = r.i64();
        boolean moveQueue = r.bool();
        int restoring = r.hasMore() ? r.i8() : 0; // 1: only say whether it is parked; 2: take it only if parked
        Port p = router.ports.get(old);
        if (restoring != 0 && (p == null || p.closed)) {
            publisher.respond(src, call, Frames.OK, publisher.kw.reset().i32(-1)); // gone: the restored port takes the channel afresh
            return;
        }
        if (p == null || p.closed) throw new OperationException("port " + Ids.show(old) + " is not at node " + nodeId + " (moved or closed)");
        if (restoring != 0 && !p.owner.parked)
            throw new OperationException("port " + Ids.show(old) + " is held by " + p.owner.name + ", which is still running; destroy it "
                    + "first, or checkpoint it 'and destroy'");
        if (restoring == 1) {
            publisher.respond(src, call, Frames.OK, publisher.kw.reset().i32(0));
            return;
        }
        long[] chans = p.channels();
        for (long c : chans) {
            router.unroute(p, c);
            router.channelRedirections.put(c, to);
        }
        router.ports.remove(old);
        router.redirections.put(old, to);
        if (moveQueue) for (Message m : p.owner.inbox.drain(o -> ((Message) o).port == p)) publisher.forwardMessage(m, to);
        // Senders held pending since the propagation (§6.2.4) follow the redirection just made, before any later arrival.
        if (p.holdSenders) {
            p.holdSenders = false;
            router.replayHeld(p);
        }
        // The original detaches (§6.2.1); retained, it keeps what was queued but receives nothing new.
        if (moveQueue) {
            p.closed = true;
            synchronized (p.owner) {
                p.owner.ports.remove(p);
            }
            Ref ref = p.ownerRef;
            if (ref != null && !ref.isClosed()) p.owner.refs.remove(ref);
        }
        Wire.Writer w = publisher.kw.reset().i32(chans.length);
        for (long c : chans) w.i64(c);
        publisher.respond(src, call, Frames.OK, w);
    }

    // ---- port attachment (§6.2.2, §8.5.2)

    /**
     * attachPort: attaches {@code newPort} to a channel — that of {@code oldPort}, which is detached
     * from it (its messages from that channel forwarded when {@code moveQueue}), or the channel of
     * {@code channelStream} when no old port is given (joining a multicast group). Applied by any
     * holder of the port handles.
     */
    public void attach(RefDescriptor newPort, RefDescriptor oldPort, long channel, boolean moveQueue) {
        long ch = channel != 0 ? channel : oldPort != null ? oldPort.channel() : 0;
        if (ch == 0) throw new OperationException("attachPort needs the old port's handle or a channel to attach to");
        Wire.Writer w = new Wire.Writer().i64(newPort.gid()).i64(ch).i64(oldPort == null ? 0 : oldPort.gid()).bool(moveQueue);
        Response r = request(Ids.node(newPort.gid()), OP_ATTACH, w, REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException("attachPort: " + r.error());
    }

    private void onAttach(int src, long call, Wire.Reader r) {
        long newGid = r.i64();
        long ch = r.i64();
        long oldGid = r.i64();
        boolean moveQueue = r.bool();
        Port p = router.ports.get(newGid);
        if (p == null || p.closed) throw new OperationException("port " + Ids.show(newGid) + " is not at node " + nodeId);
        if (oldGid == 0) {
            ArrayList<Port> l = router.channelPorts.get(ch);
            if (!Ids.isMulticast(ch) && l != null && !l.isEmpty())
                throw new OperationException("channel " + Ids.show(ch) + " is unicast and has a port; give the port to detach");
            router.route(p, ch);
            publisher.respond(src, call, Frames.OK, null);
            return;
        }
        // The channel joins this port only once the old port has let it go: until then, messages
        // sent to this node over the channel still follow the old route (which forwards them in
        // order after the old queue), and forwarded ones are delivered here by address.
        p.pendingChannels.addLong(ch);
        Wire.Writer w = new Wire.Writer().i64(oldGid).i64(ch).i64(newGid).bool(moveQueue);
        requests.requestAsync(Ids.node(oldGid), OP_DETACH, w, resp -> {
            p.pendingChannels.removeLong(ch);
            if (resp.status() != Frames.OK) {
                router.replayHeld(p); // they follow the old route after all
                publisher.respondError(src, call, "detaching " + Ids.show(oldGid) + ": " + resp.error());
                return;
            }
            router.route(p, ch);
            router.channelRedirections.remove(ch);
            router.replayHeld(p); // after the old queue, which arrived before the detach's response
            publisher.respond(src, call, Frames.OK, null);
        });
    }

    /** §8.5.2 at the detached port's node: one channel's attachment and its arrived messages go. */
    private void onDetach(int src, long call, Wire.Reader r) {
        long oldGid = r.i64();
        long ch = r.i64();
        long to = r.i64();
        boolean moveQueue = r.bool();
        Port p = router.ports.get(oldGid);
        if (p == null || !p.channels.containsLong(ch))
            throw new OperationException("port " + Ids.show(oldGid) + " is not attached to channel " + Ids.show(ch) + " at node " + nodeId);
        router.unroute(p, ch);
        router.channelRedirections.put(ch, to);
        if (moveQueue) for (Message m : p.owner.inbox.drain(o -> ((Message) o).port == p && ((Message) o).channel == ch)) publisher.forwardMessage(m, to);
        publisher.respond(src, call, Frames.OK, null);
    }

    // ---- stream rebinding (§6.2.3, figure 8.6)

    /**
     * rebindStream: the stream of {@code streamHandle} sends to {@code newChannel} from now on. With
     * {@code fromPort}, the messages it sent that are queued there move first (the port's node
     * forwards them and redirects the stream's later arrivals); without, under failure, nothing is
     * moved.
     */
    public void rebind(RefDescriptor streamHandle, long newChannel, RefDescriptor fromPort) {
        long to = locatePort(newChannel);
        if (fromPort == null) {
            Response r = request(Ids.node(streamHandle.gid()), OP_REBIND_STREAM,
                    new Wire.Writer().i64(streamHandle.gid()).i64(newChannel).i64(to).i64(0), REQUEST_TIMEOUT_NS);
            if (r.status != Frames.OK) throw new OperationException("rebind: " + r.error());
            return;
        }
        // The new binding's epoch, numbered by the stream's node (channel 0: only reserve it).
        Response e = request(Ids.node(streamHandle.gid()), OP_REBIND_STREAM,
                new Wire.Writer().i64(streamHandle.gid()).i64(0).i64(0).i64(0), REQUEST_TIMEOUT_NS);
        if (e.status != Frames.OK) throw new OperationException("rebind: " + e.error());
        long epoch = e.reader().i64();
        Wire.Writer w = new Wire.Writer().i64(fromPort.gid()).i64(streamHandle.gid()).i64(newChannel).i64(to).i64(epoch);
        Response r = request(Ids.node(fromPort.gid()), OP_REBIND_AT_RECEIVER, w, REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException("rebind: " + r.error());
    }

    /**
     * Figure 8.6 at the current receiver, in one step: redirect the stream's arrivals of earlier
     * bindings (epochs below the new one), forward its queued messages into the new binding. Then,
     * once they have all arrived (a barrier request on the same route), the stream switches.
     */
    private void onRebindAtReceiver(int src, long call, Wire.Reader r) {
        long portGid = r.i64();
        long stream = r.i64();
        long newChannel = r.i64();
        long to = r.i64();
        long epoch = r.i64();
        Port p = router.ports.get(portGid);
        if (p == null) throw new OperationException("port " + Ids.show(portGid) + " is not at node " + nodeId);
        redirectStream(stream, portGid, to, newChannel, epoch);
        for (Message m : p.owner.inbox.drain(o -> ((Message) o).port == p && ((Message) o).streamGid == stream))
            publisher.forwardMessage(m, to, newChannel, epoch);
        // The sender must not send straight to the new port before the moved messages are there.
        requests.requestAsync(Ids.node(to), OP_ROUTE_BARRIER, new Wire.Writer(), arrived ->
                requests.requestAsync(Ids.node(stream), OP_REBIND_STREAM, new Wire.Writer().i64(stream).i64(newChannel).i64(to).i64(epoch), resp -> {
                    if (resp.status() != Frames.OK) publisher.respondError(src, call, "rebinding the stream: " + resp.error());
                    else publisher.respond(src, call, Frames.OK, null);
                }));
    }

    /** Enters the stream's redirection away from {@code port} here, replacing an older one from that port. */
    private void redirectStream(long stream, long port, long to, long channel, long epoch) {
        long[] sr = router.streamRedirections.get(stream);
        int i = 0;
        while (sr != null && i < sr.length && sr[i] != port) i += 4;
        if (sr == null) sr = new long[4];
        else if (i == sr.length) sr = java.util.Arrays.copyOf(sr, i + 4);
        sr[i] = port;
        sr[i + 1] = to;
        sr[i + 2] = channel;
        sr[i + 3] = epoch;
        router.streamRedirections.put(stream, sr);
    }

    /**
     * At the stream's node: it will send to the new channel once nothing is in flight, under the
     * new binding's epoch. Channel 0 only reserves an epoch (answered with it); epoch 0 (rebinding
     * under failure, nothing redirected) takes the next one.
     */
    private void onRebindStream(int src, long call, Wire.Reader r) {
        Stream st = router.streams.get(r.i64());
        if (st == null) throw new OperationException("no such stream at node " + nodeId);
        long ch = r.i64();
        long to = r.i64();
        long epoch = r.i64();
        if (ch == 0) {
            publisher.respond(src, call, Frames.OK, publisher.kw.reset().i64(++st.epochsIssued));
            return;
        }
        if (Ids.isMulticast(ch) != st.multicast) throw new OperationException("a stream cannot be rebound between unicast and multicast channels");
        if (epoch == 0) epoch = ++st.epochsIssued;
        Stream.Retarget pending = st.retarget;
        if (epoch > st.epoch && (pending == null || pending.epoch() < epoch)) // else a later rebinding came first
            st.retarget = new Stream.Retarget(ch, to, epoch);
        publisher.respond(src, call, Frames.OK, null);
    }

    /** The handle of an incarnation's named port or stream (a ghost operation for holders of its handle). */
    public RefDescriptor interfaceHandle(long incGid, String name) {
        Response r = request(Ids.node(incGid), OP_IFACE_HANDLE, new Wire.Writer().i64(incGid).str(name), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException(r.error());
        return RefDescriptor.read(r.reader());
    }

    /** freezeStream / unfreezeStream (§6.2.3): the stream's sends wait while it is frozen. */
    public void freezeStream(RefDescriptor streamHandle, boolean frozen) {
        Response r = request(Ids.node(streamHandle.gid()), OP_FREEZE_STREAM, new Wire.Writer().i64(streamHandle.gid()).bool(frozen), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException((frozen ? "freezeStream: " : "unfreezeStream: ") + r.error());
    }

    // ---- ghosts: operations on local incarnations

    Incarnation local(long gid) {
        Incarnation inc = incarnations.get(gid);
        if (inc == null || inc.destroyed) throw new OperationException("incarnation " + Ids.show(gid) + " does not exist at node " + nodeId);
        return inc;
    }

    private void onControl(int src, long call, int op, Wire.Reader r) {
        long gid = r.i64();
        int arg = r.i32();
        Incarnation inc = local(gid);
        switch (op) {
            case OP_DESTROY -> {
                migrator.abortOutgoing(inc, inc.name + " was destroyed");
                destroyLocal(inc, "destroyed");
            }
            case OP_FREEZE -> {
                if (inc.state == Incarnation.State.FAULTING) throw new OperationException(inc.name + " is FAULTING; it can only be destroyed");
                inc.frozenRequested = true;
                if (inc.state == Incarnation.State.EXECUTING) inc.state = Incarnation.State.FROZEN;
                inc.inbox.poke();
                if (arg == 1 && inc.inGuest()) {
                    // Its handler still runs: answered when it pauses (or faults past its bound, or dies).
                    synchronized (inc.freezeWaiters) {
                        inc.freezeWaiters.add(failed -> onKernel(() -> {
                            if (failed == null) publisher.respond(src, call, Frames.OK, null);
                            else publisher.respondError(src, call, failed);
                        }));
                        if (!inc.freezeWaiting) inc.freezeWaitingSince = System.nanoTime();
                        inc.freezeWaiting = true;
                    }
                    if (!inc.inGuest()) answerFreezes(inc, null); // it paused meanwhile
                    return;
                }
            }
            case OP_UNFREEZE -> {
                if (inc.state == Incarnation.State.FAULTING) throw new OperationException(inc.name + " is FAULTING; it can only be destroyed");
                inc.priority = arg;
                inc.frozenRequested = false;
                if (inc.state == Incarnation.State.FROZEN || inc.state == Incarnation.State.INCHOATE) inc.state = Incarnation.State.EXECUTING;
                inc.inbox.poke();
                raise(inc, Event.Type.UNFROZEN, "priority " + arg);
            }
            default -> throw new IllegalStateException();
        }
        publisher.respond(src, call, Frames.OK, null);
    }

    /** Destroys a local incarnation: stops its code, closes its ports, answers its pending invokers. */
    void destroyLocal(Incarnation inc, String why) {
        if (inc.destroyed) return;
        inc.destroyed = true;
        inc.state = Incarnation.State.DEAD;
        incarnations.remove(inc.gid);
        for (Port p : inc.ports()) {
            p.closed = true;
            router.unrouteAll(p);
        }
        for (Stream s : inc.streams()) router.streams.remove(s.gid);
        for (Message m : inc.inbox.drainMessages()) failInvoker(m, inc.name + " was " + why);
        inc.inbox.poke();
        answerFreezes(inc, inc.name + " was " + why + " before it froze");
        ControlThreads.kill(launcher, inc);
        raise(inc, Event.Type.DEAD, why);
    }

    /**
     * Answers the freeze requests waiting for an incarnation's handler to pause: OK, or the error
     * {@code failed} (it faulted or died instead). Any thread.
     */
    void answerFreezes(Incarnation inc, String failed) {
        List<java.util.function.Consumer<String>> waiting;
        synchronized (inc.freezeWaiters) {
            if (inc.freezeWaiters.isEmpty()) return;
            waiting = new ArrayList<>(inc.freezeWaiters);
            inc.freezeWaiters.clear();
            inc.freezeWaiting = false;
        }
        for (java.util.function.Consumer<String> w : waiting) w.accept(failed);
    }

    /**
     * Stops every incarnation at this node (the node is shutting down): marks them destroyed so
     * that blocked calls return, and stops their code. Waits up to two seconds in all.
     */
    /** Whether {@link #shutdown} has run: the node no longer serves. */
    public boolean isStopped() {
        return stopped;
    }

    public void shutdown() {
        stopped = true;
        duty.lock(); // wait for a duty cycle in progress to finish
        duty.unlock();
        List<Incarnation> all = new ArrayList<>(incarnations.values());
        java.util.concurrent.CountDownLatch killed = new java.util.concurrent.CountDownLatch(all.size());
        for (Incarnation inc : all) {
            inc.destroyed = true;
            inc.state = Incarnation.State.DEAD;
            inc.inbox.poke();
            Launcher l = launcher;
            ControlThreads.run(() -> {
                try {
                    if (l != null && !inc.pseudo) l.kill(inc);
                } finally {
                    killed.countDown();
                }
            });
        }
        try {
            killed.await(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        incarnations.clear();
        Launcher l = launcher;
        if (l != null) l.close();
    }

    /** Called by the host when a handler threw: the incarnation goes FAULTING and raises the event. */
    public void fault(Incarnation inc, String error) {
        inc.fault = error;
        inc.state = Incarnation.State.FAULTING;
        answerFreezes(inc, inc.name + " went FAULTING before it froze: " + error);
        onKernel(() -> raise(inc, Event.Type.FAULTING, error));
    }

    /** Called by the host when init completed. */
    public void made(Incarnation inc) {
        inc.started = true;
        onKernel(() -> raise(inc, Event.Type.MADE, ""));
    }

    /** Apply a control operation to an incarnation wherever it is. */
    public void control(long gid, int op, int arg) {
        Response r = request(Ids.node(gid), op, new Wire.Writer().i64(gid).i32(arg), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException(r.error());
    }

    public void destroy(long gid) {
        control(gid, OP_DESTROY, 0);
    }

    /** Freezes an incarnation; returns once its running handler (if any) has paused: FROZEN is never reported while one runs. */
    public void freeze(long gid) {
        freeze(gid, true);
    }

    /**
     * As above; without {@code waitForHandler} it returns at once and the handler freezes when it
     * pauses (an incarnation freezing itself cannot wait for its own handler).
     */
    public void freeze(long gid, boolean waitForHandler) {
        if (!waitForHandler) {
            control(gid, OP_FREEZE, 0);
            return;
        }
        // The handler may run up to its bound (wall time, while a freeze waits) before it pauses or is interrupted.
        Response r = request(Ids.node(gid), OP_FREEZE, new Wire.Writer().i64(gid).i32(1), REQUEST_TIMEOUT_NS + 2 * limits.handlerBoundNanos());
        if (r.status != Frames.OK) throw new OperationException(r.error());
    }

    /** The bounds and quotas this kernel enforces (docs/containment.md); changeable at run time. */
    public Limits limits() {
        return limits;
    }

    final Limits limits = new Limits();

    public void unfreeze(long gid, int priority) {
        control(gid, OP_UNFREEZE, priority);
    }

    private void onStatus(int src, long call, Wire.Reader r) {
        Incarnation inc = local(r.i64());
        inc.wantStateSize = true;
        Wire.Writer w = publisher.kw.reset();
        w.i64(inc.gid).str(inc.name).str(inc.moduleName()).i8(inc.shownState().ordinal()).i32(nodeId).i32(inc.priority)
                .i64(inc.createdMillis).i64(inc.handlerNanos / 1000).i64(inc.handlerRuns).i64(inc.stateBytes)
                .i32(inc.inbox.messageCount()).i32(inc.refs.size()).i64(inc.parentGid).str(inc.fault).bool(inc.started);
        List<Ref> table = inc.refs.snapshot();
        w.i32(table.size());
        for (Ref ref : table) w.str(describeForInspect(ref));
        w.str(inc.statePreview);
        List<Port> ps = inc.ports();
        List<Message> queued = inc.inbox.messages();
        w.i32(ps.size());
        for (Port p : ps) {
            w.i64(p.gid).i64(p.firstChannel()).i32(p.queued()).str(p.name);
            List<String> heads = new ArrayList<>();
            for (Message m : queued) if (m.port == p && heads.size() < 3) heads.add(m.headText());
            w.i32(heads.size());
            for (String h : heads) w.str(h);
        }
        List<Stream> ss = inc.streams();
        w.i32(ss.size());
        for (Stream s : ss) w.i64(s.gid).i64(s.channel).i64(s.destAddr).i64(s.unacknowledged()).str(s.failure).str(s.name);
        publisher.respond(src, call, Frames.OK, w);
    }

    /** One line of an incarnation's reference table, saying what the reference refers to. */
    static String describeForInspect(Ref r) {
        Object t = r.target();
        String what;
        if (t instanceof Stream st) what = "to channel " + Ids.show(st.channel) + (st.failure != null ? " (FAILED)" : "");
        else if (t instanceof Port p) what = "port " + Ids.show(p.gid) + " on channel " + Ids.show(p.firstChannel()) + ", queued " + p.queued();
        else if (t instanceof RefDescriptor d) what = switch (d.kind()) {
            case INCARNATION -> "incarnation " + Ids.show(d.gid()) + " (rights: " + Rights.describe(r.rights()) + ")";
            case BUFFER_HANDLE -> "buffer " + d.extra() + " of incarnation " + Ids.show(d.gid());
            default -> "of " + Ids.show(d.gid()) + " on channel " + Ids.show(d.channel());
        };
        else what = String.valueOf(t);
        return "#" + r.id + "\t" + r.kind.label + "\t" + what + (r.noFurtherPropagation() ? " (no further propagation)" : "");
    }

    public Status status(long gid) {
        Response resp = request(Ids.node(gid), OP_STATUS, new Wire.Writer().i64(gid), REQUEST_TIMEOUT_NS);
        if (resp.status != Frames.OK) throw new OperationException("status of " + Ids.show(gid) + ": " + resp.error());
        Wire.Reader r = resp.reader();
        long g = r.i64();
        String name = r.str(), module = r.str();
        Incarnation.State st = Incarnation.State.values()[r.i8()];
        int node = r.i32(), prio = r.i32();
        long created = r.i64(), handlerUs = r.i64(), runs = r.i64(), bytes = r.i64();
        int queued = r.i32(), nrefs = r.i32();
        long parent = r.i64();
        String fault = r.str();
        boolean started = r.bool();
        List<String> table = new ArrayList<>();
        for (int i = r.i32(); i > 0; i--) table.add(r.str());
        String preview = r.str();
        List<Status.PortStatus> ps = new ArrayList<>();
        for (int i = r.i32(); i > 0; i--) {
            long pg = r.i64(), pc = r.i64();
            int q = r.i32();
            String pn = r.str();
            List<String> heads = new ArrayList<>();
            for (int h = r.i32(); h > 0; h--) heads.add(r.str());
            ps.add(new Status.PortStatus(pg, pc, q, pn, heads));
        }
        List<Status.StreamStatus> ss = new ArrayList<>();
        for (int i = r.i32(); i > 0; i--) ss.add(new Status.StreamStatus(r.i64(), r.i64(), r.i64(), r.i64(), r.str(), r.str()));
        return new Status(g, name, module, st, node, prio, created, handlerUs, runs, bytes, queued, ps, ss, nrefs, parent, fault, started, table, preview);
    }

    // ---- events (§7.2.3)

    private void onInterest(int src, long call, Wire.Reader r) {
        long subject = r.i64();
        long watcher = r.i64();
        int mask = r.i32();
        Incarnation inc = local(subject);
        synchronized (inc) {
            inc.interests.removeIf(i -> i.watcher() == watcher);
            if (mask != 0) inc.interests.add(new Incarnation.Interest(watcher, mask));
        }
        publisher.respond(src, call, Frames.OK, null);
    }

    public void setInterest(Incarnation watcher, long subject, int mask) {
        Response r = request(Ids.node(subject), OP_INTEREST, new Wire.Writer().i64(subject).i64(watcher.gid).i32(mask), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException("setInterest: " + r.error());
    }

    /** Raises an event on a local incarnation: sent to every watcher interested in its type. */
    void raise(Incarnation inc, Event.Type type, String detail) {
        List<Incarnation.Interest> targets;
        synchronized (inc) {
            if (inc.interests.isEmpty()) return;
            targets = new ArrayList<>(inc.interests);
        }
        for (Incarnation.Interest i : targets) {
            if ((i.mask() & type.bit) == 0) continue;
            Wire.Writer w = new Wire.Writer(64).i64(i.watcher()).i64(inc.gid).i32(type.ordinal()).str(inc.name).str(detail)
                    .i64(System.currentTimeMillis());
            onKernel(() -> {
                Frames.putHeaderTo(publisher.kbuf, Frames.EVENT, 0, 0, nodeId);
                publisher.kbuf.putBytes(8, w.buffer(), 0, w.length());
                transport.offer(Ids.node(i.watcher()), publisher.kbuf, 0, 8 + w.length(), publisher.offerIdle);
            });
        }
    }

    private void onEvent(DirectBuffer buf, int off, int len) {
        Wire.Reader r = new Wire.Reader(buf, off + 8, len - 8);
        long watcher = r.i64();
        long subject = r.i64();
        Event.Type type = Event.Type.values()[r.i32()];
        String name = r.str();
        String detail = r.str();
        long at = r.i64();
        deliverEvent(watcher, new Event(type, subject, name, detail, at));
    }

    /** Delivers a TIMER event to a local incarnation after a delay (ctx.after). */
    public void timer(Incarnation inc, long delayMs, String tag) {
        long gid = inc.gid;
        String name = inc.name;
        int quota = limits.timers;
        if (inc.timersPending.incrementAndGet() > quota) {
            inc.timersPending.decrementAndGet();
            throw new OperationException(name + " has " + quota + " timers pending, its quota (rdc.limit.timers)");
        }
        // Looked up when it fires: the incarnation may have migrated meanwhile (the event follows it).
        schedule(TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMs)), () -> {
            inc.timersPending.decrementAndGet();
            deliverEvent(gid, new Event(Event.Type.TIMER, gid, name, tag, System.currentTimeMillis()));
        });
    }

    /** Delivers an event to a watcher here, or to the node it migrated to (kernel thread). */
    void deliverEvent(long watcher, Event e) {
        Incarnation w = incarnations.get(watcher);
        if (w != null) {
            if (!w.destroyed) w.inbox.put(e);
            return;
        }
        int there = migrator.whereNow(watcher);
        if (there == 0) return;
        Wire.Writer ww = new Wire.Writer(64).i64(watcher).i64(e.subject()).i32(e.type().ordinal()).str(e.subjectName()).str(e.detail()).i64(e.atMillis());
        Frames.putHeaderTo(publisher.kbuf, Frames.EVENT, 0, 0, nodeId);
        publisher.kbuf.putBytes(8, ww.buffer(), 0, ww.length());
        transport.offer(there, publisher.kbuf, 0, 8 + ww.length(), publisher.offerIdle);
    }

    // ---- stream space (§5.5), held at the RDC's home node

    private void onSpace(int src, long call, int op, Wire.Reader r) {
        long rdc = r.i64();
        StreamSpace space = spaces.computeIfAbsent(rdc, StreamSpace::new);
        switch (op) {
            case OP_SPACE_PUT -> {
                String label = r.str();
                RefDescriptor d = RefDescriptor.read(r);
                int copies = r.i32();
                space.put(label, d, copies, this, src);
                publisher.respond(src, call, Frames.OK, null);
            }
            case OP_SPACE_GET -> space.get(r.str(), src, call, this);
            case OP_SPACE_RETURN -> {
                String label = r.str();
                space.giveBack(label, r.hasMore() && r.bool() ? RefDescriptor.read(r) : null, this);
                publisher.respond(src, call, Frames.OK, null);
            }
            case OP_SPACE_DELETE -> {
                boolean existed = space.delete(r.str());
                publisher.respond(src, call, Frames.OK, publisher.kw.reset().bool(existed));
            }
            case OP_SPACE_PRINT -> {
                List<String> lines = space.print();
                Wire.Writer w = publisher.kw.reset().i32(lines.size());
                for (String s : lines) w.str(s);
                publisher.respond(src, call, Frames.OK, w);
            }
            default -> throw new IllegalStateException();
        }
    }

    int spaceHome(Incarnation inc) {
        return Ids.node(inc.rdcId);
    }

    public void spacePut(Incarnation inc, String label, RefDescriptor d, int copies) {
        ControlPlane cp = pool.control();
        if (cp != null) {
            cp.spacePut(inc.rdcId, label, d, copies);
            return;
        }
        Wire.Writer w = new Wire.Writer().i64(inc.rdcId).str(label);
        d.write(w);
        w.i32(copies);
        Response r = request(spaceHome(inc), OP_SPACE_PUT, w, REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException("stream space put '" + label + "': " + r.error());
    }

    /**
     * Gets a reference from stream space into {@code inc}'s table, blocking until one is there (or
     * the timeout passes). Unlimited entries are cached per incarnation (§5.5.3): a second get of the
     * label returns the same reference without asking the home node.
     */
    public Ref spaceGet(Incarnation inc, String label, long timeoutNs) {
        synchronized (inc.spaceCache) {
            Ref cached = inc.spaceCache.get(label);
            if (cached != null && !cached.isClosed()) return cached;
        }
        boolean[] cacheable = new boolean[1];
        RefDescriptor d = spaceFetch(inc, label, timeoutNs, cacheable);
        Ref ref = materialize(inc, d);
        synchronized (inc.spaceCache) {
            if (cacheable[0]) inc.spaceCache.put(label, ref);
            if (StreamSpace.unicastPort(d)) inc.spacePorts.put(label, ref); // the one copy: this incarnation may return it
        }
        return ref;
    }

    /** Fetches what stream space holds under a label (waiting for it), without making a reference of it. */
    RefDescriptor spaceFetch(Incarnation inc, String label, long timeoutNs, boolean[] cacheable) {
        ControlPlane cp = pool.control();
        if (cp != null) {
            ControlPlane.SpaceGot got = cp.spaceGet(inc.rdcId, label, inc.gid, timeoutNs < 0 ? TimeUnit.DAYS.toNanos(365) : timeoutNs);
            cacheable[0] = got.cacheable();
            return got.ref();
        }
        int home = spaceHome(inc);
        Response r;
        try {
            r = request(home, OP_SPACE_GET, new Wire.Writer().i64(inc.rdcId).str(label), timeoutNs < 0 ? TimeUnit.DAYS.toNanos(365) : timeoutNs);
        } catch (OperationException e) {
            // The home waits for a put and answers only then: a time-out usually means nothing was put, not a dead node.
            if (String.valueOf(e.getMessage()).contains("did not answer") && (home == nodeId || transport.isConnected(home)))
                throw new OperationException("stream space get '" + label + "': nothing under '" + label + "' was available within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms (none put, or its copies all taken; stream space at node " + home + ")");
            throw new OperationException("stream space get '" + label + "': " + e.getMessage() + " (node " + home + ", the RDC's stream space, is unreachable)");
        }
        if (r.status != Frames.OK) throw new OperationException("stream space get '" + label + "': " + r.error());
        Wire.Reader rd = r.reader();
        rd.i8();
        rd.i64();
        rd.str();
        rd.bool();
        cacheable[0] = rd.bool();
        return RefDescriptor.read(rd);
    }

    /**
     * Gives a limited copy back. A unicast port got from stream space goes back as this incarnation's
     * port: it keeps receiving here until the next get moves it (with its queue) to the getter.
     */
    public void spaceReturn(Incarnation inc, String label) {
        Ref held;
        synchronized (inc.spaceCache) {
            held = inc.spacePorts.get(label);
        }
        RefDescriptor port = null;
        if (held != null) {
            Port p = (Port) held.target();
            if (held.isClosed() || !callOnKernel(() -> router.ports.get(p.gid) == p)) {
                synchronized (inc.spaceCache) {
                    inc.spacePorts.remove(label);
                }
                throw new OperationException("stream space return '" + label + "': the port got under this label has since been closed or passed on");
            }
            port = describe(held);
        }
        ControlPlane cp = pool.control();
        if (cp != null) {
            cp.spaceReturn(inc.rdcId, label, port, inc.gid);
        } else {
            Wire.Writer w = new Wire.Writer().i64(inc.rdcId).str(label);
            if (port != null) port.write(w.bool(true));
            Response r = request(spaceHome(inc), OP_SPACE_RETURN, w, REQUEST_TIMEOUT_NS);
            if (r.status != Frames.OK) throw new OperationException("stream space return '" + label + "': " + r.error());
        }
        if (held != null) synchronized (inc.spaceCache) {
            inc.spacePorts.remove(label, held);
        }
    }

    public boolean spaceDelete(Incarnation inc, String label) {
        synchronized (inc.spaceCache) {
            inc.spaceCache.remove(label);
        }
        if (pool.control() != null) return pool.control().spaceDelete(inc.rdcId, label);
        Response r = request(spaceHome(inc), OP_SPACE_DELETE, new Wire.Writer().i64(inc.rdcId).str(label), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException("stream space delete '" + label + "': " + r.error());
        return r.reader().bool();
    }

    public List<String> spacePrint(Incarnation inc) {
        if (pool.control() != null) return pool.control().spacePrint(inc.rdcId);
        Response r = request(spaceHome(inc), OP_SPACE_PRINT, new Wire.Writer().i64(inc.rdcId), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException("stream space print: " + r.error());
        Wire.Reader rd = r.reader();
        List<String> out = new ArrayList<>();
        for (int i = rd.i32(); i > 0; i--) out.add(rd.str());
        return out;
    }

    // ---- name service (§5.4), held at the pool's first node

    private void onName(int src, long call, int op, Wire.Reader r) {
        String name = r.str();
        if (op == OP_NAME_REGISTER) {
            names.register(name, RefDescriptor.read(r));
            publisher.respond(src, call, Frames.OK, null);
        } else {
            RefDescriptor d = names.lookup(name);
            if (d == null) {
                publisher.respondError(src, call, "no service is registered under the name '" + name + "'" + names.suggest(name));
                return;
            }
            Wire.Writer w = publisher.kw.reset();
            d.write(w);
            publisher.respond(src, call, Frames.OK, w);
        }
    }

    public void register(Incarnation inc, String name, RefDescriptor d) {
        if (pool.control() != null) {
            pool.control().register(name, d, inc.rdcId);
            return;
        }
        Wire.Writer w = new Wire.Writer().str(name);
        d.write(w);
        Response r = request(pool.nameServiceNode(), OP_NAME_REGISTER, w, REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException("register '" + name + "': " + r.error());
    }

    public RefDescriptor lookup(String name) {
        if (pool.control() != null) return pool.control().lookup(name);
        Response r = request(pool.nameServiceNode(), OP_NAME_LOOKUP, new Wire.Writer().str(name), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException("lookup '" + name + "': " + r.error());
        return RefDescriptor.read(r.reader());
    }

    // ---- buffer handles: copyTo / copyFrom (§4.5), no synchronisation with the owner

    public long newBuffer(Incarnation owner, int size) {
        if (size < 0) throw new OperationException("a buffer of " + size + " bytes: the size must be 0 or more");
        long id = newGid(); // node-tagged: a migrated incarnation keeps its buffers' ids unique
        synchronized (owner.buffers) {
            long held = 0;
            for (byte[] b : owner.buffers.values()) held += b.length;
            long quota = limits.bufferBytes;
            if (held + size > quota)
                throw new OperationException("a buffer of " + size + " bytes would make " + owner.name + "'s buffers " + (held + size)
                        + " bytes, over its quota of " + quota + " bytes (rdc.limit.bufferBytes)");
            owner.buffers.put(id, new byte[size]);
        }
        return id;
    }

    public byte[] localBuffer(Incarnation owner, long id) {
        synchronized (owner.buffers) {
            byte[] b = owner.buffers.get(id);
            if (b == null) throw new OperationException("buffer " + id + " does not exist");
            return b;
        }
    }

    private void onBuffer(int src, long call, int op, Wire.Reader r) {
        long owner = r.i64();
        long id = r.i64();
        int offset = r.i32();
        Incarnation inc = local(owner);
        byte[] b = localBuffer(inc, id);
        if (op == OP_BUFFER_READ) {
            int n = r.i32();
            if (offset < 0 || n < 0 || offset + n > b.length)
                throw new OperationException("copyFrom: range " + offset + ".." + (offset + n) + " is outside the buffer of " + b.length + " bytes");
            byte[] out = java.util.Arrays.copyOfRange(b, offset, offset + n);
            publisher.respond(src, call, Frames.OK, publisher.kw.reset().bytes(out));
        } else {
            byte[] data = r.bytes();
            if (offset < 0 || offset + data.length > b.length)
                throw new OperationException("copyTo: range " + offset + ".." + (offset + data.length) + " is outside the buffer of " + b.length + " bytes");
            System.arraycopy(data, 0, b, offset, data.length);
            publisher.respond(src, call, Frames.OK, null);
        }
    }

    public byte[] copyFrom(RefDescriptor handle, int offset, int n) {
        Response r = request(Ids.node(handle.gid()), OP_BUFFER_READ,
                new Wire.Writer().i64(handle.gid()).i64(handle.extra()).i32(offset).i32(n), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException(r.error());
        return r.reader().bytes();
    }

    public void copyTo(RefDescriptor handle, int offset, byte[] data) {
        Response r = request(Ids.node(handle.gid()), OP_BUFFER_WRITE,
                new Wire.Writer().i64(handle.gid()).i64(handle.extra()).i32(offset).bytes(data), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException(r.error());
    }

    /** A module by name: this node's, else fetched from the RDC's home node (where the operator declared it). */
    public ModuleStore.Module moduleByName(Incarnation inc, String name) {
        // By the RDC's own declaration: another computation in the pool may use the same name.
        ModuleStore.Module m = modules.declared(inc.rdcId, name);
        if (m == null && Ids.node(inc.rdcId) == nodeId) m = modules.byName(name);
        if (m != null) return m;
        ControlPlane cp = pool.control();
        if (cp != null) {
            // A standing pool keeps each RDC's declared modules, so they outlive the operator that declared them.
            String code = cp.names(inc.rdcId).get(MODULE_NAME_PREFIX + name);
            if (code == null) throw new OperationException("module '" + name + "': no module of that name is declared in the RDC");
            ModuleStore.Module fetched = modules.add(name, (String) io.rdc.runtime.util.Json.parse(code));
            modules.declare(inc.rdcId, name, fetched);
            return fetched;
        }
        Response r = request(Ids.node(inc.rdcId), OP_MODULE_FETCH, new Wire.Writer().str(name).i64(inc.rdcId), REQUEST_TIMEOUT_NS);
        if (r.status != Frames.OK) throw new OperationException("module '" + name + "': " + r.error());
        Wire.Reader rd = r.reader();
        ModuleStore.Module fetched = modules.add(rd.str(), rd.str());
        modules.declare(inc.rdcId, name, fetched);
        return fetched;
    }

    /**
     * Prepares a reference for propagation in a message (§4.6): refuses one marked
     * no-further-propagation, applies reduced rights and the no-further flag to the copy.
     * {@code flags}: 1 destroy the original after sending, 2 no further propagation, 4 reduced rights.
     */
    public RefDescriptor propagate(Incarnation inc, Ref r, int flags, int rightsMask) {
        inc.refs.check(r);
        if (r.noFurtherPropagation())
            throw new OperationException(r + " was received with no-further-propagation and cannot be passed on");
        RefDescriptor d = describe(r);
        if (r.kind == RefKind.PORT && (flags & (FLAG_RETAIN | FLAG_HOLD)) != 0) d = new RefDescriptor(d.kind(), d.gid(), d.channel(), d.addr(), d.rights(), d.noFurther(), RETAIN);
        if ((flags & 2) != 0) d = d.withNoFurther(true);
        if ((flags & 4) != 0 || rightsMask >= 0) {
            int mask = rightsMask >= 0 ? rightsMask : Rights.OBSERVE;
            d = d.withRights(d.rights() & mask);
        }
        return d;
    }

    /** After a successful send: a reference propagated with "destroy original" leaves the sender's table. */
    public void afterPropagate(Incarnation inc, Ref r, int flags) {
        if ((flags & FLAG_HOLD) != 0 && r.kind == RefKind.PORT && r.target() instanceof Port p && !Ids.isMulticast(p.firstChannel()))
            callOnKernel(() -> p.holdSenders = router.ports.get(p.gid) == p); // from now on arrivals wait for the new port (§6.2.4)
        if ((flags & 1) == 0) return;
        // A unicast port moves when its receiver takes it (the original detaches then), so it is not closed here.
        if (r.kind == RefKind.PORT && !Ids.isMulticast(((Port) r.target()).firstChannel())) return;
        release(inc, r);
    }

    /** The port a port or port-handle reference names: {gid, channel}. */
    public RefDescriptor portOf(Incarnation inc, Ref r) {
        inc.refs.check(r, RefKind.PORT, RefKind.PORT_HANDLE);
        return r.kind == RefKind.PORT ? handleFor(r) : (RefDescriptor) r.target();
    }

    /** The stream a stream or stream-handle reference names. */
    public RefDescriptor streamOf(Incarnation inc, Ref r) {
        inc.refs.check(r, RefKind.STREAM, RefKind.STREAM_HANDLE);
        return r.kind == RefKind.STREAM ? handleFor(r) : (RefDescriptor) r.target();
    }

    /** The channel a stream (or stream handle) is attached to. */
    public long channelOf(Incarnation inc, Ref r) {
        inc.refs.check(r, RefKind.STREAM, RefKind.STREAM_HANDLE);
        return r.kind == RefKind.STREAM ? ((Stream) r.target()).channel : ((RefDescriptor) r.target()).channel();
    }

    /** Closes a reference: a stream or port stops working, other kinds are dropped from the table. */
    public void release(Incarnation inc, Ref r) {
        inc.refs.check(r);
        if (r.target() instanceof Stream s) closeStream(s);
        if (r.target() instanceof Port p) closePort(p);
        inc.refs.remove(r);
    }

    // ---- configuration (§5.2, §5.5.1)

    /**
     * The preamble a new incarnation runs before init (§5.5.1): first it creates every port on a new
     * channel and deposits the streams and handles, then it fetches what it needs from stream
     * space. Deposits never wait and fetches come last, so interdependent incarnations created in
     * any order cannot deadlock. Returns the interfaces by name.
     */
    public java.util.LinkedHashMap<String, Ref> preamble(Incarnation inc, List<Iface> ifaces) {
        java.util.LinkedHashMap<String, Ref> out = new java.util.LinkedHashMap<>();
        for (Iface f : ifaces) {
            if (f.kind() != Iface.Kind.PORT_NEW) continue;
            Ref[] sp = chanCreate(inc, f.label(), false);
            ((Port) sp[1].target()).name = f.name();
            out.put(f.name(), sp[1]);
            release(inc, sp[0]); // the creator keeps only the port; the stream went to stream space
            if (f.handleLabel() != null) spacePut(inc, f.handleLabel(), handleFor(sp[1]), UNLIMITED);
        }
        for (Iface f : ifaces) {
            switch (f.kind()) {
                case STREAM -> {
                    // An interface gets a stream of its own (not the per-incarnation cached one).
                    RefDescriptor d = spaceFetch(inc, f.label(), -1, new boolean[1]);
                    if (d.kind() != RefKind.STREAM)
                        throw new OperationException("interface " + f.name() + ": '" + f.label() + "' in stream space is a " + d.kind().label + ", not a stream");
                    Ref r = materialize(inc, d);
                    ((Stream) r.target()).name = f.name();
                    out.put(f.name(), r);
                    if (f.handleLabel() != null) spacePut(inc, f.handleLabel(), handleFor(r), UNLIMITED);
                }
                case PORT_EXISTING -> {
                    RefDescriptor d = spaceFetch(inc, f.label(), -1, new boolean[1]);
                    if (d.kind() != RefKind.STREAM)
                        throw new OperationException("interface " + f.name() + ": '" + f.label() + "' in stream space is a " + d.kind().label + ", not a channel's stream");
                    Port p = newPort(inc, d.channel());
                    p.name = f.name();
                    Ref pr = inc.refs.add(RefKind.PORT, p, 0, false);
                    p.ownerRef = pr;
                    out.put(f.name(), pr);
                    if (f.handleLabel() != null) spacePut(inc, f.handleLabel(), handleFor(pr), UNLIMITED);
                }
                default -> { }
            }
        }
        return out;
    }

    /**
     * createChan (appendix B's ss_createChan): a new channel with a port of {@code inc} attached and a
     * stream to it; the stream is deposited in stream space under {@code label} when one is given.
     * Returns {stream, port}.
     */
    public Ref[] chanCreate(Incarnation inc, String label, boolean multicast) {
        long ch = newChannel(multicast);
        Port p = newPort(inc, ch);
        Ref pr = inc.refs.add(RefKind.PORT, p, 0, false);
        p.ownerRef = pr;
        Stream s = newStream(inc, ch, multicast ? 0 : p.gid);
        Ref sr = inc.refs.add(RefKind.STREAM, s, 0, false);
        if (label != null) spacePut(inc, label, describe(sr), UNLIMITED);
        return new Ref[] {sr, pr};
    }

    /** portCreate: a new port of {@code inc}, on a new unicast channel or joining the channel of {@code channelStream}. */
    public Ref portCreate(Incarnation inc, Ref channelStream) {
        long ch = channelStream == null ? newChannel(false) : ((Stream) inc.refs.check(channelStream, RefKind.STREAM).target()).channel;
        Port p = newPort(inc, ch);
        Ref pr = inc.refs.add(RefKind.PORT, p, 0, false);
        p.ownerRef = pr;
        return pr;
    }

    /** The node list with load (appendix B's inc_nodes), optionally only one group's nodes. */
    public List<NodeStatus> nodes(String group) {
        List<NodeStatus> all = nodeStatuses();
        if (group == null) return all;
        return all.stream().filter(n -> n.groups().contains(group)).toList();
    }

    // ---- node status

    int liveIncarnations() {
        int n = 0;
        for (Incarnation i : incarnations.values()) if (!i.pseudo && !i.destroyed) n++;
        return n;
    }

    /** This node's load, as heartbeats report it. */
    public double currentLoad() {
        return load();
    }

    /** Load: runnable-ish incarnations here (those with queued work), a cheap proxy for processor load. */
    double load() {
        double l = 0;
        for (Incarnation i : incarnations.values()) if (!i.pseudo && i.inbox.size() > 0) l++;
        return l;
    }

    public List<NodeStatus> nodeStatuses() {
        List<NodeStatus> out = new ArrayList<>();
        ControlPlane cp = pool.control();
        if (cp != null) {
            // The control plane knows which nodes are alive (no 2 s wait on a dead one); the live
            // ones are asked for their counts now, since heartbeats are up to half a second old
            // (pick spreads a burst of creations by them).
            for (ControlPlane.Member m : cp.members()) {
                if (m.operator()) continue;
                NodeInfo n = m.info();
                pool.learn(n, false);
                if (!m.reachable()) {
                    out.add(new NodeStatus(n.id(), n.name(), n.groups(), false, m.incarnations(), m.load()));
                    continue;
                }
                NodeStatus live = liveStatus(n);
                out.add(live != null ? live : new NodeStatus(n.id(), n.name(), n.groups(), true, m.incarnations(), m.load()));
            }
            return out;
        }
        for (NodeInfo n : pool.nodes()) {
            NodeStatus live = liveStatus(n);
            out.add(live != null ? live : new NodeStatus(n.id(), n.name(), n.groups(), false, 0, 0));
        }
        return out;
    }

    /** A node's counts, asked of it now (2 s at most); null when it does not answer. */
    NodeStatus liveStatus(NodeInfo n) {
        try {
            Response r = request(n.id(), OP_NODE_STATUS, new Wire.Writer(), TimeUnit.SECONDS.toNanos(2));
            Wire.Reader rd = r.reader();
            int live = rd.i32();
            double load = Double.longBitsToDouble(rd.i64());
            return new NodeStatus(n.id(), n.name(), n.groups(), true, live, load, rd.hasMore() ? rd.i64() : 0);
        } catch (OperationException e) {
            return null;
        }
    }

    // ---- references: describe for propagation, materialize on arrival

    /** The portable form of a reference, for a message, stream space or a snapshot. */
    public RefDescriptor describe(Ref r) {
        Object t = r.target();
        return switch (r.kind) {
            case STREAM -> {
                Stream s = (Stream) t;
                yield new RefDescriptor(RefKind.STREAM, s.gid, s.channel, s.destAddr, 0, r.noFurtherPropagation(), 0);
            }
            case PORT -> {
                Port p = (Port) t;
                yield new RefDescriptor(RefKind.PORT, p.gid, p.firstChannel(), p.gid, 0, r.noFurtherPropagation(), 0);
            }
            default -> ((RefDescriptor) t).withNoFurther(r.noFurtherPropagation()).withRights(r.rights());
        };
    }

    /** Turns a received descriptor into a working reference in {@code inc}'s table. */
    public Ref materialize(Incarnation inc, RefDescriptor d) {
        return switch (d.kind()) {
            case STREAM -> inc.refs.add(RefKind.STREAM, newStream(inc, d.channel(), d.addr()), 0, d.noFurther());
            case PORT -> {
                if (!Ids.isMulticast(d.channel())) {
                    // A unicast port moves, with its queue unless it was propagated retained (§6.2.1).
                    Port p = receivePort(inc, d, d.extra() != RETAIN);
                    Ref ref = inc.refs.add(RefKind.PORT, p, 0, d.noFurther());
                    p.ownerRef = ref;
                    yield ref;
                }
                Port p = newPort(inc, d.channel()); // multicast: the receiver joins the group
                Ref ref = inc.refs.add(RefKind.PORT, p, 0, d.noFurther());
                p.ownerRef = ref;
                yield ref;
            }
            default -> inc.refs.add(d.kind(), d, d.rights(), d.noFurther());
        };
    }

    /** Makes a stream or port handle for a reference the incarnation holds (hanCreate). */
    public RefDescriptor handleFor(Ref r) {
        return switch (r.kind) {
            case STREAM -> {
                Stream s = (Stream) r.target();
                yield new RefDescriptor(RefKind.STREAM_HANDLE, s.gid, s.channel, nodeId, 0, false, 0);
            }
            case PORT -> {
                Port p = (Port) r.target();
                yield new RefDescriptor(RefKind.PORT_HANDLE, p.gid, p.firstChannel(), nodeId, 0, false, 0);
            }
            default -> throw new OperationException("a handle can be made only for a stream or a port, not a " + r.kind.label);
        };
    }

    /** A new incarnation handle with all rights, for the creator (the parent). */
    public RefDescriptor incarnationHandle(long gid) {
        return new RefDescriptor(RefKind.INCARNATION, gid, 0, Ids.node(gid), Rights.ALL, false, 0);
    }

    /** The control plane's script name under which an RDC keeps a declared module's code. */
    public static final String MODULE_NAME_PREFIX = "module:";

    /** Registers the operator's pseudo-incarnation at this node: the root of a new RDC named by its own id. */
    public Incarnation newOperatorSession(String name) {
        return newOperatorSession(name, 0);
    }

    /** As above, in RDC {@code rdc} (from the control plane), or a new RDC when 0. */
    public Incarnation newOperatorSession(String name, long rdc) {
        long gid = newGid();
        Incarnation inc = new Incarnation(this, gid, rdc == 0 ? gid : rdc, name, true, 0, null, "null", Incarnation.State.EXECUTING);
        incarnations.put(gid, inc);
        return inc;
    }

    public Incarnation localIncarnation(long gid) {
        return incarnations.get(gid);
    }

    public List<Incarnation> localIncarnations() {
        return new ArrayList<>(incarnations.values());
    }

    public Transport transport() {
        return transport;
    }

    // ---- KernelPublisher

    public long movedMessages() {
        return publisher.movedMessages();
    }

    public long redirectedMessages() {
        return publisher.redirectedMessages();
    }

    // ---- Requests

    public Response request(int node, int op, Wire.Writer payload, long timeoutNs) {
        return requests.request(node, op, payload, timeoutNs);
    }

    // ---- Router

    public Port newPort(Incarnation owner, long channel) {
        return router.newPort(owner, channel);
    }

    public Stream newStream(Incarnation owner, long channel, long addrHint) {
        return router.newStream(owner, channel, addrHint);
    }

    public void closePort(Port p) {
        router.closePort(p);
    }

    public void closeStream(Stream s) {
        router.closeStream(s);
    }

    public List<String> channelInfo(long channel) {
        return router.channelInfo(channel);
    }

    public long heldSenderMessages() {
        return router.heldSenderMessages();
    }

    public long locatePort(long channel) {
        return router.locatePort(channel);
    }

    public void joinChannel(Incarnation inc, Ref port, Ref channelStream) {
        router.joinChannel(inc, port, channelStream);
    }

    // ---- Sender

    public void send(Incarnation src, Stream st, int kind, byte[] head, byte[] body, RefDescriptor ref) {
        sender.send(src, st, kind, head, body, ref);
    }

    public void flush(Stream st) {
        sender.flush(st);
    }

    public Reply invoke(Incarnation src, Stream st, byte[] head, byte[] body, RefDescriptor ref, long timeoutNs) {
        return sender.invoke(src, st, head, body, ref, timeoutNs);
    }

    public void reply(Incarnation replier, Message m, byte[] head, byte[] body, RefDescriptor ref) {
        sender.reply(replier, m, head, body, ref);
    }

    public void failInvoker(Message m, String why) {
        sender.failInvoker(m, why);
    }

    public void forward(Incarnation src, Stream st, Message m, byte[] head) {
        sender.forward(src, st, m, head);
    }

    // ---- Receiver

    public Object nextForHandler(Incarnation inc, boolean messages) {
        return receiver.nextForHandler(inc, messages);
    }

    public Message receive(Incarnation inc, Port port, long fromStream, long timeoutNs) {
        return receiver.receive(inc, port, fromStream, timeoutNs);
    }

    public java.util.Map<String, Object> testPort(Incarnation inc, Port port, long fromStream) {
        return receiver.testPort(inc, port, fromStream);
    }

    public void awaitArrival(Incarnation inc) {
        receiver.awaitArrival(inc);
    }

    public boolean awaitUnfrozen(Incarnation inc) {
        return receiver.awaitUnfrozen(inc);
    }

    public void nextForHandlerWait(Incarnation inc) {
        receiver.nextForHandlerWait(inc);
    }

    public Object nextEvent(Incarnation inc, long timeoutNs) {
        return receiver.nextEvent(inc, timeoutNs);
    }

    public void defer(Message m) {
        receiver.defer(m);
    }
}
