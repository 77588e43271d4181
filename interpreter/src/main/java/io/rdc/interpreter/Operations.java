package io.rdc.interpreter;

import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Everything the language asks of the running system. The evaluator calls nothing else, so the
 * interpreter can be tested against a fake and the runtime can implement this over its Operator API.
 *
 * <p>Argument types are plain Java: {@code String}, {@code long}/{@code Long}, {@code Double},
 * {@code Boolean}, {@code List<Object>}, {@code Map<String,Object>} and {@code null}. Incarnations,
 * nodes and other references are opaque {@code Object}s: whatever {@link #create}, {@link #lookup},
 * {@link #get}, {@link #nodes} or {@link #pick} returned is handed back unchanged. Two language values
 * have no plain form: a duration arrives as its milliseconds ({@code Long}), and an interface such as
 * {@code w.out} (e.g. in {@code register "p" w.out}) arrives as an {@link InterfaceRef}. Values a method
 * returns may be any of these types; anything else is treated as an opaque reference.
 *
 * <p>A method fails by throwing any {@link RuntimeException}; the evaluator reports its message at
 * the statement's position (e.g. {@code create w[1] failed: node 999 is not allocated}).
 *
 * <p>The evaluator is single-threaded: {@link #waitUntil} conditions and {@link #when} actions must be
 * run on the thread that called into this interface (e.g. while it is inside {@code waitUntil} or
 * {@code sleep}, or before returning from another operation), never concurrently with it.
 */
public interface Operations {

    /** {@code put ... copies unlimited}. */
    long UNLIMITED_COPIES = -1;

    // ------------------------------------------------------------ configuration

    /** {@code module worker = "worker.js"}; path is already resolved against the script's directory. */
    void defineModule(String name, String path);

    /**
     * {@code create w[3] : worker(args) at node 201 { ... }}.
     *
     * @param name      display name, e.g. {@code "w[3]"}
     * @param node      a {@code Long} node id ({@code at node 201}) or a value from {@link #nodes}/{@link #pick}
     * @return the new incarnation's reference
     */
    Object create(String name, String module, List<Object> arguments, boolean inchoate, Object node,
                  List<InterfaceSpec> interfaces);

    /** One declaration from a create block. handle is null when not given. */
    record InterfaceSpec(Kind kind, String name, String label, String handle) {
        public enum Kind { STREAM, PORT_ON_NEW_CHANNEL, PORT_ON_EXISTING_CHANNEL }
    }

    void defineChannel(String label, boolean multicast);

    /**
     * Incarnations the RDC already has when a session attaches to it, by the names earlier
     * sessions gave them ({@code sched}, {@code w[2]}): the evaluator starts with them defined.
     */
    default java.util.Map<String, Object> adopted() {
        return java.util.Map.of();
    }

    /**
     * {@code incarnation("worker1")}: an incarnation of this RDC by the name it was created with
     * (also by incarnations, with {@code ctx.create}), for the control statements.
     */
    default Object incarnation(String name) {
        throw new UnsupportedOperationException("incarnation() needs a running pool");
    }

    /**
     * {@code rdc "NAME"}: the session acts in the RDC of that name from now on, created if no
     * session has named it before. Only before the session has made anything.
     */
    default void useRdc(String name) {
        throw new UnsupportedOperationException("rdc \"" + name + "\" needs a pool with a control plane");
    }

    /**
     * {@code limits {...}}: states the session's RDC's own handler bound (ms) and memory bound (bytes), 0 for
     * the nodes' own (docs/containment.md, "Per-RDC bounds"); returns the line to print.
     */
    default String limits(long handlerBoundMs, long memoryBytes) {
        throw new UnsupportedOperationException("limits needs a pool");
    }

    /** {@code detach}: the session's end will not end its RDC, even one launched attached. */
    default void detach() {
        throw new UnsupportedOperationException("detach needs a pool with a control plane");
    }

    /** {@code terminate rdc "NAME"}: destroys the RDC's incarnations and ends it; says what it did. */
    default String terminateRdc(String name) {
        throw new UnsupportedOperationException("terminate rdc needs a pool with a control plane");
    }

    /**
     * {@code nodes create|find|destroy|stop} (SR's srx, docs/pool-ondemand.md): asks the pool's
     * coordinator for {@code argument} more nodes (create), lists them (find), ends node
     * {@code argument} (destroy) or all of this RDC's (stop), waiting at most {@code withinMillis};
     * says each line through {@code say}; returns the ids of the nodes concerned.
     */
    default java.util.List<Long> nodes(String op, long argument, String group, String host, long withinMillis, java.util.function.Consumer<String> say) {
        throw new UnsupportedOperationException("nodes " + op + " needs a standing pool (rdc pool start), whose control plane runs the coordinator");
    }

    /** Modules earlier sessions of the RDC declared. */
    default java.util.Set<String> adoptedModules() {
        return java.util.Set.of();
    }

    /**
     * Conic {@code link a.out to b.in}: connect a's stream to b's port. Where the script gave a
     * reference from get or lookup instead of an interface, the reference comes as the incarnation
     * and the name is null (as for {@link #invoke}): a stream handle to relink on the left, a port,
     * port handle or stream (to that stream's channel) on the right.
     */
    void link(Object fromIncarnation, String fromStream, Object toIncarnation, String toPort);

    void unlink(Object fromIncarnation, String fromStream, Object toIncarnation, String toPort);

    void destroy(Object incarnation);

    /** replace (issue 19): the incarnation runs {@code module}'s code on its state from its next handler boundary. */
    default void replace(Object incarnation, String module, long withinMillis) {
        throw new UnsupportedOperationException("replace");
    }

    /**
     * replace … quiescent: first makes the incarnation, a server on the server-peer harness,
     * replaceable (R1–R3: no transaction open, the others' next ones held), then replaces it, then
     * lets its clients in again; all within {@code withinMillis}. Fails without replacing, the
     * clients let in again, when it does not become replaceable in time.
     */
    default void replaceQuiescent(Object incarnation, String module, long withinMillis) {
        throw new UnsupportedOperationException("replace quiescent");
    }

    /** allocate (§3.4, inc_nodeAlloc): {@code count} more nodes of {@code group}, waiting up to {@code waitMillis} for those not free at once. Says what was given. */
    default String allocate(long count, String group, long waitMillis) {
        throw new UnsupportedOperationException("allocate");
    }

    /** release (§3.4): gives an allocated node back to the pool. Says what is left. */
    default String release(Object node) {
        throw new UnsupportedOperationException("release");
    }

    /** withdraw (§3.4): the node's guests move away within the notice; what is left then is destroyed or left. Returns what became of each. */
    String withdraw(Object node, long noticeMillis, boolean destroyRest);

    /** depend (§7.3.1): {@code child} is terminated when {@code parent} is gone, as {@code mode} (absolute, group, none) says. */
    void makeDependent(Object child, Object parent, String mode);

    void freeze(Object incarnation);

    /** @param priority null when not given */
    void unfreeze(Object incarnation, Long priority);

    // ------------------------------------------------------------ stream space and name service

    /** @param copies a positive count or {@link #UNLIMITED_COPIES}; 1 when not given */
    void put(String label, Object value, long copies, boolean dontCache);

    Object get(String label);

    /** {@code return "label"}: give back a reference taken with {@link #get}. */
    void returnReference(String label);

    void delete(String label);

    /** Registers {@code value} under {@code name}; {@code readers} (RDC names or ids) may look it up, every RDC when empty. */
    void register(String name, Object value, List<String> readers);

    /** Deletes a name this session's RDC registered; refused when another RDC owns it. */
    void unregister(String name);

    Object lookup(String name);

    // ------------------------------------------------------------ operators (docs/security.md)

    /**
     * {@code allow NAME} / {@code disallow NAME}: who else acts in this session's RDC (its owner
     * only); {@code revoke tokens of NAME}: the control plane refuses that operator's tokens issued
     * until now. Returns what to print (null: nothing).
     */
    String operatorAccess(io.rdc.interpreter.ast.Statement.AccessChange change, String operator);

    // ------------------------------------------------------------ messages

    /** {@code invoke X.stream {head} body EXPR}: send a request and wait for the reply, which is returned. */
    Object invoke(Object incarnation, String stream, Map<String, Object> head, Object body);

    void send(Object incarnation, String stream, Map<String, Object> head, Object body);

    // ------------------------------------------------------------ observation

    /** What {@code show nodes|incarnations|channels|space|events} prints. */
    String show(String what);

    /** What {@code inspect X} prints. */
    String inspect(Object target);

    List<Object> nodes();

    /** {@code pick("exclusive")}: choose a node by policy; arguments as written. */
    Object pick(List<Object> arguments);

    /** e.g. {@code "EXECUTING"}, {@code "FROZEN"}. */
    Object status(Object incarnation);

    /** Messages waiting at a port: {@code queue(x.in)}. */
    long queue(Object incarnation, String port);

    // ------------------------------------------------------------ time

    /**
     * Re-evaluates {@code condition} (whenever the implementation sees fit) until it is true or the
     * timeout passes. Exceptions from the condition must propagate.
     *
     * @return whether the condition became true in time
     */
    boolean waitUntil(BooleanSupplier condition, long timeoutMillis);

    /** Runs {@code action} each time {@code condition} becomes true (see the class comment on threads). */
    void when(BooleanSupplier condition, Runnable action);

    void sleep(long millis);

    // ------------------------------------------------------------ reconfiguration (ch. 6)

    /**
     * {@code attach X.port to "channel" [detach Y.port] [moving queue]}: X's port is attached to the
     * channel; Y's port, if given, is detached from it (its queued messages from that channel moved
     * to X's port when movingQueue). A port given as a reference comes with a null name. The channel
     * is a stream-space label ({@code String}), an {@link InterfaceRef} or a reference (a stream or port on it).
     */
    default void attach(Object incarnation, String port, Object channel, Object detachIncarnation, String detachPort, boolean movingQueue) {
        throw new UnsupportedOperationException("attach is not supported by this runtime");
    }

    /**
     * {@code rebind "streamHandle" to "channel" [moving from "portHandle" | under failure]}: the
     * stream sends to the new channel from now on, its messages queued at the old port moved first.
     * Each part is a stream-space label ({@code String}), an {@link InterfaceRef} ({@code w.out},
     * {@code spool.in}) or a reference from get or lookup; movingFrom is null under failure.
     */
    default void rebind(Object stream, Object channel, Object movingFrom, boolean underFailure) {
        throw new UnsupportedOperationException("rebind is not supported by this runtime");
    }

    /** {@code migrate X to NODE [within D]}: returns a line saying how long it took. */
    default String migrate(Object incarnation, Object node, long withinMillis) {
        throw new UnsupportedOperationException("migrate is not supported by this runtime");
    }

    /** {@code fork X at NODE ports [...] as NAME}: returns the child's reference. */
    default Object fork(Object incarnation, Object node, List<String> ports, String name) {
        throw new UnsupportedOperationException("fork is not supported by this runtime");
    }

    /** {@code checkpoint X to "file" [and destroy]}: returns the file's size in bytes. */
    default long checkpoint(Object incarnation, String file, boolean destroy) {
        throw new UnsupportedOperationException("checkpoint is not supported by this runtime");
    }

    /** {@code restore "file" as NAME at NODE}: returns the restored incarnation's reference. */
    default Object restore(String file, String name, Object node) {
        throw new UnsupportedOperationException("restore is not supported by this runtime");
    }

    /**
     * {@code quiesce X [for "client"] [to Y] [within D]} (§6.3): asks X, a server running the
     * server-peer harness (stdlib rdc/peer.js), to become server-quiescent with respect to the client
     * (an incarnation name, or "name.stream" when it has several streams to X), or, without a client,
     * replaceable (R1–R3); waits until it is, at most timeoutMillis; with a peer Y, hands the state
     * X gives up to Y.
     */
    default void quiesce(Object server, String client, Object peer, long timeoutMillis) {
        throw new UnsupportedOperationException("quiesce is not supported by this runtime");
    }

    /** {@code freeze stream X.s} / {@code unfreeze stream X.s}. */
    default void freezeStream(Object incarnation, String stream, boolean frozen) {
        throw new UnsupportedOperationException("freeze stream is not supported by this runtime");
    }
}
