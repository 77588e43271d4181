package io.rdc.runtime.kernel;

import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Transport;
import io.rdc.runtime.transport.Wire;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * A node's kernel (ch. 8): one Agrona agent whose duty cycle runs commands handed to it by local
 * threads, polls the node's Aeron subscription, flushes batched acknowledgements and fires timers.
 * As Aeron's ConsensusModuleAgent sits between its IngressAdapter and EgressPublisher, this agent
 * owns the duty cycle and wires its parts, one per concept of the dissertation:
 * <ul>
 *   <li>{@link KernelAdapter} decodes what arrives and dispatches it; {@link KernelPublisher} encodes
 *       what leaves and offers it (the only code that writes frames);</li>
 *   <li>{@link Router}: the routing database, redirections, locate, multicast delivery (§8.4);</li>
 *   <li>{@link Loader}: creation, the preamble, the module store (§8.3, §5.5.1);</li>
 *   <li>{@link Ghosts}: control, status, events and timers on local incarnations (§8.3, §7.2.3);</li>
 *   <li>{@link Sender} and {@link Receiver}: the communication primitives on the caller's and the
 *       owner's threads (ch. 4); {@link References}: references in messages (§4.6);</li>
 *   <li>{@link Reconfiguration}: propagation, attachment, rebinding (ch. 6, §8.5);
 *       {@link Migrator}, {@link MigrationRecord}, {@link Transplants}: migration, checkpoint,
 *       restore, fork (§7.4, §9.2);</li>
 *   <li>{@link Requests} (kernel-to-kernel calls), {@link AckBatch}, {@link SpaceAndNames} (stream
 *       space and name service, or their control-plane delegation), {@link BufferHandles},
 *       {@link NodeLoad}, {@link Dependencies} (termination dependency, §7.3.1), {@link Authority}.</li>
 * </ul>
 * The parts reach each other through this class's fields; this class keeps the public API the
 * interpreter, operator and tests use, delegating each call to its part.
 *
 * <p>Why one file of about 800 lines: it is the agent (duty cycle, thread ownership) and the one
 * public face of all its parts, each call a line or two delegating to the part; splitting the face
 * would make callers know which part does what.
 *
 * <p>Threads: the kernel thread owns the parts' maps (no locks). Incarnation and operator threads
 * encode and offer their data messages themselves (no hop through the kernel thread on the send
 * path) and block on {@link Waiter}s that the kernel thread completes.
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
            OP_MIGRATE_ABORT = 37, OP_NODE_ACCEPT = 38, OP_CHECKPOINT = 39, OP_FORK = 40,
            OP_DEPEND = 41, OP_WITHDRAW = 42, OP_REPLACE = 50;
    /** The operations' names, by code, for errors that must say which request went unanswered. */
    private static final String[] OP_NAMES = {"", "create", "destroy", "freeze", "unfreeze", "status", "interest", "locate", "space put", "space get", "space return", "space delete", "space print", "name register", "name lookup", "buffer read", "buffer write", "node status", "module fetch", "blueprint", "iface", "list", "snapshot", "activate", "attach", "detach", "rebind at receiver", "rebind stream", "freeze stream", "iface handle", "route barrier", "channel info", "migrate", "migrate prepare", "migrate chunk", "migrate install", "migrate commit", "migrate abort", "node accept", "checkpoint", "fork", "depend", "withdraw", "", "", "", "", "", "", "", "replace"};

    /** A request code's name ({@code destroy}), or {@code op N} for one this kernel does not know. */
    static String opName(int op) {
        return op > 0 && op < OP_NAMES.length && !OP_NAMES[op].isEmpty() ? OP_NAMES[op] : "op " + op;
    }
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
    volatile Launcher launcher;
    final IdBlocks ids = new IdBlocks();
    /** Migration (ch. 7.4): moving incarnations away from and to this node, and forwarding requests after them. */
    final Migrator migrator = new Migrator(this);

    // ---- shared with local threads
    final ConcurrentHashMap<Long, Incarnation> incarnations = new ConcurrentHashMap<>();
    final ManyToOneConcurrentArrayQueue<Runnable> commands = new ManyToOneConcurrentArrayQueue<>(16_384);
    /**
     * Whoever holds this runs the duty cycle: the agent thread, or a thread waiting on this kernel
     * (an invoker for its reply, an incarnation for its next message) that does the work itself
     * instead of waiting for the agent thread to be scheduled — on a 2-core machine that is the
     * difference between a microsecond and a scheduling quantum.
     */
    final java.util.concurrent.locks.ReentrantLock duty = new java.util.concurrent.locks.ReentrantLock();

    // ---- the kernel's parts, each on the kernel thread unless it says otherwise
    final KernelAdapter adapter;
    final KernelPublisher publisher;
    final Requests requests;
    final AckBatch acks;
    /** Frames the duty cycle could not offer at once; they go first on the next cycles. */
    final Outbox outbox;
    final Router router;
    final Sender sender;
    final Receiver receiver;
    final Reconfiguration reconfiguration;
    final Ghosts ghosts;
    final Loader loader;
    final References references;
    final SpaceAndNames space;
    final BufferHandles bufferHandles;
    final NodeLoad nodeLoad;
    final MigrationRecord records;
    final Transplants transplants;
    final Dependencies dependencies;
    /** Which operators may act in which RDC (checked on control requests only). */
    final Authority authority;
    /** Which RDCs may place incarnations here: the node's allocation and access list (docs/pool.md). */
    final Placement placement;

    /**
     * From now on, requests that claim an operator must prove it with a token the control plane
     * signed with {@code planeKey} (docs/security.md, "Operator tokens"). Set before the kernel runs.
     */
    public void requireOperatorTokens(byte[] planeKey) {
        authority.requireTokens(planeKey, pool::tokenRevocations);
    }

    public Kernel(NodeInfo info, Pool pool, Transport transport) {
        this.info = info;
        this.nodeId = info.id();
        this.pool = pool;
        this.transport = transport;
        this.authority = new Authority(nodeId);
        this.placement = new Placement(this);
        this.adapter = new KernelAdapter(this);
        this.publisher = new KernelPublisher(this);
        this.requests = new Requests(this);
        this.acks = new AckBatch(this);
        this.outbox = new Outbox(transport, publisher.offerIdle);
        this.router = new Router(this);
        this.sender = new Sender(this);
        this.receiver = new Receiver(this);
        this.reconfiguration = new Reconfiguration(this);
        this.ghosts = new Ghosts(this);
        this.loader = new Loader(this);
        this.references = new References(this);
        this.space = new SpaceAndNames(this);
        this.bufferHandles = new BufferHandles(this);
        this.nodeLoad = new NodeLoad(this);
        this.records = new MigrationRecord(this);
        this.transplants = new Transplants(this);
        this.dependencies = new Dependencies(this);
        pool.onDown(node -> {
            if (!stopped && node != nodeId) onKernel(() -> {
                migrator.onNodeDown(node);
                ghosts.onNodeDown(node);
            });
        });
    }

    public void launcher(Launcher l) {
        this.launcher = l;
    }

    public Launcher launcher() {
        return launcher;
    }

    /** This node's access list (who may create here, and which modules; docs/pool.md); null: none. */
    public void accessList(AccessList list) {
        placement.access = list;
    }

    /** The pool's allocation epoch, from a heartbeat's answer: the node reads its allocation again when it moved. Not the kernel thread. */
    public void onAllocationEpoch(long epoch) {
        placement.onEpoch(epoch);
    }

    /** The RDCs this node is allocated to, as it last read them (null: not read, or no control plane). */
    public ControlPlane.Allocation allocation() {
        return placement.allocation;
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

    /** The arrivals under way, one line each (where from, how far): for a test's failure message and inspection. */
    public String arrivals() {
        return callOnKernel(migrator::describeArrivals);
    }

    /** How many records this node has sent (migration, checkpoint, fork) that carried module code. */
    public long recordsWithCode() {
        return records.codeShipped.get();
    }

    /** How many arrays for receiving large migrating records this node keeps for reuse. */
    public int receiveBuffersKept() {
        return migrator.recordBuffers.kept();
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

    /** Set when the node shuts down: no more duty cycles (its transport is about to close). */
    volatile boolean stopped;

    int cycle() {
        if (stopped || !duty.tryLock()) return 0;
        try {
            int work = outbox.flush();
            work += commands.drain(Runnable::run, 256);
            work += transport.poll(adapter.assembler, 256);
            if (acks.ackCount > 0) work += acks.flushAcks();
            if (!ghosts.timers.isEmpty()) work += ghosts.runTimers();
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

    // =====================================================================================
    // Ids, the node's log, and the records of the public API

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

    /** One line for the node's log (incarnation output: {@link IncarnationOutput}). */
    public void logLine(String line) {
        logSink.accept(line);
    }

    /** A response to a request: a status and a payload in Wire format (or an error message). */
    public record Response(int status, byte[] payload) {
        /** The response's message, of the kernel schema, read with {@code decoder}; {@link KernelCodec.Unreadable} when it cannot be. */
        <D extends org.agrona.sbe.MessageDecoderFlyweight> D read(D decoder) {
            byte[] p = payload == null ? new byte[0] : payload;
            return new KernelCodec.Incoming().wrap(new org.agrona.concurrent.UnsafeBuffer(p), 0, p.length, decoder);
        }

        /** Why it failed, as its failure message says. */
        public String error() {
            return KernelCodec.failureOf(payload);
        }
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

    /** What fork gives its caller: the child's id, and a stream to each listed unicast port's copy, by port name. */
    public record Forked(long child, java.util.Map<String, RefDescriptor> streams) {}

    /** One incarnation as {@code list} reports it. */
    /** One incarnation as list reports it; {@code moduleHash} is its code's version (null from a node before kernel schema 4). */
    public record Listed(long gid, String name, String module, Incarnation.State state, int node, int queued, long handlerMicros, long rdc,
                         String moduleHash) {
        Listed withModuleHash(String hash) {
            return new Listed(gid, name, module, state, node, queued, handlerMicros, rdc, hash);
        }
    }

    /** Debug trace of deliveries (-Drdc.trace=true), for finding ordering bugs. */
    public static final java.util.List<String> TRACE = Boolean.getBoolean("rdc.trace") ? java.util.Collections.synchronizedList(new ArrayList<>()) : null;

    // =====================================================================================
    // Local incarnations, limits, shutdown

    Incarnation local(long gid) {
        Incarnation inc = incarnations.get(gid);
        if (inc == null || inc.destroyed) throw new OperationException("incarnation " + Ids.show(gid) + " does not exist at node " + nodeId);
        return inc;
    }

    /** Whether {@link #shutdown} has run: the node no longer serves. */
    public boolean isStopped() {
        return stopped;
    }

    /**
     * Stops every incarnation at this node (the node is shutting down): marks them destroyed so
     * that blocked calls return, and stops their code. Waits up to two seconds in all.
     */
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

    /** The bounds and quotas this kernel enforces (docs/containment.md); changeable at run time. */
    public Limits limits() {
        return limits;
    }

    final Limits limits = new Limits();

    /** The control plane's script name under which an RDC keeps a declared module's code. */
    public static final String MODULE_NAME_PREFIX = "module:";

    public Incarnation localIncarnation(long gid) {
        return incarnations.get(gid);
    }

    public List<Incarnation> localIncarnations() {
        return new ArrayList<>(incarnations.values());
    }

    public Transport transport() {
        return transport;
    }

    // =====================================================================================
    // The public API, delegated to the parts

    // ---- KernelPublisher

    public long movedMessages() {
        return publisher.movedMessages();
    }

    public long redirectedMessages() {
        return publisher.redirectedMessages();
    }

    // ---- Requests

    public Response request(int node, int op, io.rdc.runtime.transport.Payload payload, long timeoutNs) {
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

    // ---- Reconfiguration

    public void attach(RefDescriptor newPort, RefDescriptor oldPort, long channel, boolean moveQueue) {
        reconfiguration.attach(newPort, oldPort, channel, moveQueue);
    }

    public void rebind(RefDescriptor streamHandle, long newChannel, RefDescriptor fromPort) {
        reconfiguration.rebind(streamHandle, newChannel, fromPort);
    }

    public void freezeStream(RefDescriptor streamHandle, boolean frozen) {
        reconfiguration.freezeStream(streamHandle, frozen);
    }

    // ---- Ghosts

    public byte[] snapshot(long gid, long timeoutNs) {
        return ghosts.snapshot(gid, timeoutNs);
    }

    public List<Listed> list(long rdc) {
        return ghosts.list(rdc);
    }

    public void giveInterface(long gid, String name, RefDescriptor d) {
        ghosts.giveInterface(gid, name, d);
    }

    public void runOnIncarnation(Incarnation inc, Runnable action) {
        ghosts.runOnIncarnation(inc, action);
    }

    public RefDescriptor interfaceHandle(long incGid, String name) {
        return ghosts.interfaceHandle(incGid, name);
    }

    public void fault(Incarnation inc, String error) {
        ghosts.fault(inc, error);
    }

    public void made(Incarnation inc) {
        ghosts.made(inc);
    }

    public void control(long gid, int op, int arg) {
        ghosts.control(gid, op, arg);
    }

    public void destroy(long gid) {
        ghosts.destroy(gid);
    }

    public void freeze(long gid) {
        ghosts.freeze(gid);
    }

    public void freeze(long gid, boolean waitForHandler) {
        ghosts.freeze(gid, waitForHandler);
    }

    public void unfreeze(long gid, int priority) {
        ghosts.unfreeze(gid, priority);
    }

    public Status status(long gid) {
        return ghosts.status(gid);
    }

    /** Timers waiting here that will still act (a destroyed incarnation's are cancelled). */
    public int liveTimers() {
        return ghosts.liveTimers();
    }

    /**
     * makeDependent (§7.3.1): {@code child} is terminated when {@code parent} terminates or is found
     * unreachable ("absolute"), when every parent of its group is ("group"), or no longer ("none").
     */
    public void makeDependent(long child, long parent, String mode) {
        dependencies.makeDependent(child, parent, Dependencies.mode(mode));
    }

    /** A guest of a node being withdrawn. */
    public record Guest(long gid, long rdc, String name) {}

    /** Starts withdrawing {@code node}: it accepts no new incarnations and warns its guests (WITHDRAWING); returns them. */
    public List<Guest> withdraw(int node, String why) {
        return loader.withdraw(node, why);
    }

    public void setInterest(Incarnation watcher, long subject, int mask) {
        ghosts.setInterest(watcher.gid, subject, mask);
        if (mask == 0) watcher.watching.remove(subject);
        else watcher.watching.put(subject, mask);
    }

    /** As above for a watcher anywhere, by id ({@link IncarnationOutput#inherit}). */
    void setInterest(long watcher, long subject, int mask) {
        ghosts.setInterest(watcher, subject, mask);
    }

    public void timer(Incarnation inc, long delayMs, String tag) {
        ghosts.timer(inc, delayMs, tag);
    }

    // ---- Loader

    public ModuleStore modules() {
        return loader.modules();
    }

    public void setAccepting(int node, boolean accepting) {
        loader.setAccepting(node, accepting);
    }

    public long create(Incarnation creator, int node, ModuleStore.Module mod, String argsJson, List<Iface> ifaces, boolean inchoate, String name) {
        return loader.create(creator, node, mod, argsJson, ifaces, inchoate, name);
    }

    public long create(Incarnation creator, int node, ModuleStore.Module mod, String argsJson, List<Iface> ifaces, boolean inchoate, String name, byte[] state) {
        return loader.create(creator, node, mod, argsJson, ifaces, inchoate, name, state);
    }

    public long createFrom(Incarnation creator, long blueprint, int node, String argsJson, List<Iface> ifaces, boolean inchoate, String name) {
        return loader.createFrom(creator, blueprint, node, argsJson, ifaces, inchoate, name);
    }

    public ModuleStore.Module moduleByName(Incarnation inc, String name) {
        return loader.moduleByName(inc, name);
    }

    public java.util.LinkedHashMap<String, Ref> preamble(Incarnation inc, List<Iface> ifaces) {
        return loader.preamble(inc, ifaces);
    }

    public Ref[] chanCreate(Incarnation inc, String label, boolean multicast) {
        return loader.chanCreate(inc, label, multicast);
    }

    public Ref portCreate(Incarnation inc, Ref channelStream) {
        return loader.portCreate(inc, channelStream);
    }

    public Incarnation newOperatorSession(String name) {
        return loader.newOperatorSession(name);
    }

    public Incarnation newOperatorSession(String name, long rdc) {
        return loader.newOperatorSession(name, rdc);
    }

    // ---- References

    public RefDescriptor propagate(Incarnation inc, Ref r, int flags, int rightsMask) {
        return references.propagate(inc, r, flags, rightsMask);
    }

    public void afterPropagate(Incarnation inc, Ref r, int flags) {
        references.afterPropagate(inc, r, flags);
    }

    public RefDescriptor portOf(Incarnation inc, Ref r) {
        return references.portOf(inc, r);
    }

    public RefDescriptor streamOf(Incarnation inc, Ref r) {
        return references.streamOf(inc, r);
    }

    public long channelOf(Incarnation inc, Ref r) {
        return references.channelOf(inc, r);
    }

    public void release(Incarnation inc, Ref r) {
        references.release(inc, r);
    }

    public RefDescriptor describe(Ref r) {
        return references.describe(r);
    }

    public Ref materialize(Incarnation inc, RefDescriptor d) {
        return references.materialize(inc, d);
    }

    public RefDescriptor handleFor(Ref r) {
        return references.handleFor(r);
    }

    public RefDescriptor incarnationHandle(long gid) {
        return references.incarnationHandle(gid);
    }

    // ---- SpaceAndNames

    public void spacePut(Incarnation inc, String label, RefDescriptor d, int copies) {
        space.spacePut(inc, label, d, copies);
    }

    public Ref spaceGet(Incarnation inc, String label, long timeoutNs) {
        return space.spaceGet(inc, label, timeoutNs);
    }

    public void spaceReturn(Incarnation inc, String label) {
        space.spaceReturn(inc, label);
    }

    public boolean spaceDelete(Incarnation inc, String label) {
        return space.spaceDelete(inc, label);
    }

    public List<String> spacePrint(Incarnation inc) {
        return space.spacePrint(inc);
    }

    public void register(Incarnation inc, String name, RefDescriptor d, List<String> readers) {
        space.register(inc, name, d, readers);
    }

    public boolean unregister(Incarnation inc, String name) {
        return space.unregister(inc, name);
    }

    public RefDescriptor lookup(Incarnation inc, String name) {
        return space.lookup(inc, name);
    }

    // ---- BufferHandles

    public long newBuffer(Incarnation owner, int size) {
        return bufferHandles.newBuffer(owner, size);
    }

    public byte[] localBuffer(Incarnation owner, long id) {
        return bufferHandles.localBuffer(owner, id);
    }

    public byte[] copyFrom(RefDescriptor handle, int offset, int n) {
        return bufferHandles.copyFrom(handle, offset, n);
    }

    public void copyTo(RefDescriptor handle, int offset, byte[] data) {
        bufferHandles.copyTo(handle, offset, data);
    }

    // ---- NodeLoad

    public List<NodeStatus> nodes(String group) {
        return nodeLoad.nodes(group);
    }

    public double currentLoad() {
        return nodeLoad.currentLoad();
    }

    public List<NodeStatus> nodeStatuses() {
        return nodeLoad.nodeStatuses();
    }

    // ---- KernelAdapter

    public long malformedFrames() {
        return adapter.malformedFrames();
    }

    /** Kernel messages refused as unreadable (another schema, an unknown message, a version too old): also counted in {@link #malformedFrames}. */
    public long refusedMessages() {
        return adapter.refusedMessages();
    }

    /** Tests only (the frame fuzz test): one frame through the decoder, as if it arrived; call on the kernel thread. */
    void receiveForTest(DirectBuffer buf, int off, int len) {
        adapter.receiveForTest(buf, off, len);
    }

    // ---- Migrator

    public Migration migrate(long gid, int node, long withinNs, boolean waitForEnd) {
        return migrator.migrate(gid, node, withinNs, waitForEnd);
    }

    // ---- Transplants

    /** Hot code replacement (issue 19): {@code gid} runs {@code module} from its next handler boundary, on its state (docs/replacement.md). */
    public void replace(long gid, ModuleStore.Module module, long withinNs) {
        transplants.replace(gid, module, withinNs);
    }

    public long checkpoint(long gid, String file, boolean destroy, long withinNs) {
        return transplants.checkpoint(gid, file, destroy, withinNs);
    }

    public long restore(java.nio.file.Path file, int node, String name) {
        return transplants.restore(file, node, name);
    }

    public long restore(Incarnation by, java.nio.file.Path file, int node, String name, java.util.function.Consumer<String> warnings) {
        return transplants.restore(by, file, node, name, warnings);
    }

    public Forked fork(long gid, int node, List<String> ports, String name, long withinNs) {
        return transplants.fork(gid, node, ports, name, withinNs);
    }

    public java.util.Map.Entry<Long, java.util.Map<String, Ref>> forkSelf(Incarnation inc, int node, List<Ref> ports, String name) {
        return transplants.forkSelf(inc, node, ports, name);
    }
}
