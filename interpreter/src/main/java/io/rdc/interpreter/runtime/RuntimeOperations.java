package io.rdc.interpreter.runtime;

import io.rdc.interpreter.InterfaceRef;
import io.rdc.interpreter.Operations;
import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.kernel.Event;
import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.NodeStatus;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.kernel.Status;
import io.rdc.runtime.kernel.Stream;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The language's operations on a live pool, through one operator session (one RDC). The
 * interpreter, {@code rdc run}, {@code rdc test} and the shell all act through this class, so a
 * statement means the same everywhere.
 *
 * <p>Why one file of this size: it is the whole {@link Operations} interface on one operator session, and
 * every operation shares that session's name tables (byName, channels, streams by label); the
 * standing-pool part (adopting names, rdc/detach/terminate) is the piece to move out next.
 */
public final class RuntimeOperations implements Operations, AutoCloseable {
    /** How long a script's stream-space get waits, and an invoke waits for its reply, before the statement fails. */
    private Duration getTimeout = Duration.ofSeconds(30);
    private Duration invokeTimeout = Duration.ofSeconds(30);
    /**
     * While a {@code wait until … within T} evaluates its condition: the wait's deadline
     * (System.nanoTime), else 0. An invoke or get in the condition may then take what is left of the
     * wait's window when that is longer than its own timeout: the script said it would wait T. (A manager busy for 37 s in its init made {@code wait until (invoke mgr.report …) …
     * within 60s} fail at 30 s, on the invoke's own timeout: docs/deployment.md.)
     */
    private long waitDeadline;

    private final EmbeddedPool pool;
    private final boolean ownsPool;
    private Operator op;
    /** Whether the session's end ends its RDC: launched --attached, or unnamed (nothing of it is left behind). */
    private boolean endsRdc;
    private final boolean launchedAttached;
    private final Map<String, IncarnationHandle> byName = new LinkedHashMap<>();
    private final Map<String, Ref[]> channels = new LinkedHashMap<>();
    /** Streams the operator holds to channels by label, so repeated invokes reuse one stream (per-stream order). */
    private final Map<String, Ref> streamsByLabel = new HashMap<>();
    private final List<Rule> rules = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();
    private final Places places = new Places(this);

    /** An incarnation as the language sees it: the operator's handle plus how it was declared. */
    public record IncarnationHandle(String name, Ref ref, long gid, String module, List<InterfaceSpec> interfaces) {
        InterfaceSpec iface(String n) {
            for (InterfaceSpec s : interfaces) if (s.name().equals(n)) return s;
            return null;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final class Rule {
        final BooleanSupplier condition;
        final Runnable action;
        boolean wasTrue;

        Rule(BooleanSupplier condition, Runnable action) {
            this.condition = condition;
            this.action = action;
        }
    }

    public RuntimeOperations(EmbeddedPool pool, boolean ownsPool) {
        this(pool, ownsPool, null, false);
    }

    /**
     * With a control plane, the session acts in the RDC named {@code rdc} (null: a new one): a
     * later session of the same name finds the incarnations the earlier ones created by the names
     * they gave them.
     */
    public RuntimeOperations(EmbeddedPool pool, boolean ownsPool, String rdc, boolean attached) {
        this(pool, ownsPool, rdc, attached, null);
    }

    /** As above, the session acting as {@code user} (null: {@link Operator#defaultIdentity()}, i.e. --user or RDC_USER). */
    public RuntimeOperations(EmbeddedPool pool, boolean ownsPool, String rdc, boolean attached, String user) {
        this.pool = pool;
        this.ownsPool = ownsPool;
        this.launchedAttached = attached;
        this.endsRdc = attached || rdc == null;
        try {
            this.op = user != null ? pool.newOperator("script", rdc, attached, user)
                    : rdc == null ? pool.newOperator("script") : pool.newOperator("script", rdc, attached);
            if (op.rdc() != null && !op.rdc().created()) adoptNames();
        } catch (RuntimeException e) {
            if (ownsPool) pool.close();
            throw e;
        }
    }

    /** The control plane's script-name prefix for an incarnation this RDC's scripts named. */
    private static final String INCARNATION_NAME_PREFIX = "incarnation:";

    /** With a control plane, an incarnation's script name outlives this session: later sessions of the RDC find it. */
    private void remember(IncarnationHandle h) {
        if (op.control() == null) return;
        List<Object> ifaces = new ArrayList<>();
        for (InterfaceSpec s : h.interfaces()) ifaces.add(java.util.Arrays.asList(s.kind().name(), s.name(), s.label(), s.handle()));
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("gid", Long.toString(h.gid()));
        v.put("module", h.module());
        v.put("interfaces", ifaces);
        op.control().bindName(op.session().rdcId, INCARNATION_NAME_PREFIX + h.name(), io.rdc.runtime.util.Json.write(v));
    }

    /** The control plane's script-name prefix for a channel this RDC's scripts declared. */
    private static final String CHANNEL_NAME_PREFIX = "channel:";

    /**
     * With a control plane, a declared channel outlives this session too: a later session of the RDC
     * knows it by its label (and refuses to declare it again, which would split its senders from its
     * receivers: stream space would hand the label's new channel to newcomers only).
     */
    private void rememberChannel(String label, boolean multicast, long channel) {
        if (op.control() == null) return;
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("multicast", multicast);
        v.put("channel", Ids.show(channel));
        op.control().bindName(op.session().rdcId, CHANNEL_NAME_PREFIX + label, io.rdc.runtime.util.Json.write(v));
    }

    private void forget(String name) {
        if (op.control() != null) op.control().unbindName(op.session().rdcId, INCARNATION_NAME_PREFIX + name);
    }

    /** Channels earlier sessions of the RDC declared, by label: multicast or not. */
    private final Map<String, Boolean> adoptedChannels = new LinkedHashMap<>();

    /** Modules the RDC declared in earlier sessions (their code is kept by the control plane). */
    private final java.util.Set<String> adoptedModules = new java.util.LinkedHashSet<>();

    /** Takes over the names earlier sessions of this RDC gave: each becomes a handle of this session's. */
    private void adoptNames() {
        for (Map.Entry<String, String> e : op.control().names(op.session().rdcId).entrySet()) {
            String key = e.getKey();
            if (key.startsWith(io.rdc.runtime.kernel.Kernel.MODULE_NAME_PREFIX)) {
                adoptedModules.add(key.substring(io.rdc.runtime.kernel.Kernel.MODULE_NAME_PREFIX.length()));
                continue;
            }
            if (key.startsWith(CHANNEL_NAME_PREFIX)) {
                Map<?, ?> v = (Map<?, ?>) io.rdc.runtime.util.Json.parse(e.getValue());
                adoptedChannels.put(key.substring(CHANNEL_NAME_PREFIX.length()), Boolean.TRUE.equals(v.get("multicast")));
                continue;
            }
            if (!key.startsWith(INCARNATION_NAME_PREFIX)) continue;
            String name = key.substring(INCARNATION_NAME_PREFIX.length());
            Map<?, ?> v = (Map<?, ?>) io.rdc.runtime.util.Json.parse(e.getValue());
            long gid = Long.parseLong((String) v.get("gid"));
            List<InterfaceSpec> ifaces = new ArrayList<>();
            for (Object o : (List<?>) v.get("interfaces")) {
                List<?> l = (List<?>) o;
                ifaces.add(new InterfaceSpec(InterfaceSpec.Kind.valueOf((String) l.get(0)), (String) l.get(1), (String) l.get(2), (String) l.get(3)));
            }
            Ref ref = op.adopt(gid);
            try {
                op.setInterest(ref, "DEAD", "FAULTING", "MADE", "UNFROZEN", "OUTPUT");
            } catch (RuntimeException gone) {
                // destroyed since, or its node is unreachable: the name is still shown, its operations will say why
            }
            byName.put(name, new IncarnationHandle(name, ref, gid, (String) v.get("module"), List.copyOf(ifaces)));
        }
    }

    @Override
    public Map<String, Object> adopted() {
        return java.util.Collections.unmodifiableMap(byName);
    }

    @Override
    public java.util.Set<String> adoptedModules() {
        return java.util.Collections.unmodifiableSet(adoptedModules);
    }

    /** Channels earlier sessions of this RDC declared, by label: whether each is multicast. */
    public Map<String, Boolean> adoptedChannels() {
        return java.util.Collections.unmodifiableMap(adoptedChannels);
    }

    /** A fresh embedded pool of its own (closed with this). */
    public static RuntimeOperations start(PoolConfig config) {
        return start(config, null, false);
    }

    /** A pool of its own (embedded, or this JVM's session kernel attached to a standing pool), acting in RDC {@code rdc}. */
    public static RuntimeOperations start(PoolConfig config, String rdc, boolean attached) {
        return new RuntimeOperations(EmbeddedPool.start(config), true, rdc, attached);
    }

    /** Sets how long get and invoke wait before their statement fails (defaults: 30 s each). */
    public RuntimeOperations timeouts(Duration get, Duration invoke) {
        this.getTimeout = get;
        this.invokeTimeout = invoke;
        return this;
    }

    public Operator operator() {
        return op;
    }

    public EmbeddedPool pool() {
        return pool;
    }

    @Override
    public void close() {
        try {
            if (endsRdc && op.rdc() != null) terminate(op.rdc().rdc());
        } catch (RuntimeException e) {
            System.err.println("rdc: ending RDC " + op.rdc().rdc().name() + ": " + e.getMessage());
        } finally {
            if (ownsPool) pool.close();
        }
    }

    // ------------------------------------------------------------ sessions in a standing pool

    @Override
    public void useRdc(String name) {
        if (op.control() == null) throw new OperationException("this pool has no control plane, so RDCs have no names");
        if (op.rdc().rdc().name().equals(name)) return;
        if (!byName.isEmpty() || !channels.isEmpty() || !modules.isEmpty())
            throw new OperationException("rdc must come before the session creates or declares anything (it already acts in RDC " + op.rdc().rdc().name() + ")");
        ControlPlane.RdcRecord unnamed = op.rdc().rdc();
        op = pool.newOperator("script", name, launchedAttached, op.identity()); // the same operator: the plane lets it end the RDC it started in
        endsRdc = launchedAttached;
        op.control().terminateRdc(unnamed.id()); // the empty RDC the session started in
        if (!op.rdc().created()) adoptNames();
    }

    @Override
    public String limits(long handlerBoundMs, long memoryBytes) {
        op.limits(new io.rdc.runtime.kernel.RdcLimits(handlerBoundMs, memoryBytes));
        var l = op.limits();
        return "limits of RDC " + io.rdc.runtime.kernel.Ids.show(op.session().rdcId) + ": handler "
                + (l.handlerBoundMs() > 0 ? l.handlerBoundMs() + " ms" : "the nodes' own") + ", memory "
                + (l.memoryBytes() > 0 ? (l.memoryBytes() >> 20) + " MB at each node" : "the nodes' own");
    }

    @Override
    public void detach() {
        if (op.control() == null) throw new OperationException("this pool has no control plane: its RDCs end with it");
        endsRdc = false;
    }

    @Override
    public String terminateRdc(String name) {
        ControlPlane cp = op.control();
        if (cp == null) throw new OperationException("this pool has no control plane, so RDCs have no names");
        List<String> live = new ArrayList<>();
        for (ControlPlane.RdcRecord r : cp.rdcs()) {
            if (r.state().equals("TERMINATED")) continue;
            if (r.name().equals(name)) {
                int n = terminate(r);
                if (r.id() == op.session().rdcId) endsRdc = false;
                return "terminated rdc \"" + name + "\": " + n + " incarnation(s) destroyed";
            }
            live.add(r.name());
        }
        throw new OperationException("no RDC is named \"" + name + "\"" + (live.isEmpty() ? " (there are none)" : " (RDCs: " + String.join(", ", live) + ")"));
    }

    /** Destroys every incarnation of an RDC and ends it at the control plane; returns how many were destroyed. */
    private int terminate(ControlPlane.RdcRecord r) {
        int n = 0;
        for (Kernel.Listed l : op.list(r.id())) {
            try {
                op.destroy(op.adopt(l.gid()));
                n++;
            } catch (RuntimeException gone) {
                // already gone, or its node is unreachable: ending the RDC goes on
            }
        }
        op.control().terminateRdc(r.id());
        return n;
    }

    // ------------------------------------------------------------ configuration

    /** The modules this script declared, by name. */
    private final Map<String, io.rdc.runtime.kernel.ModuleStore.Module> modules = new HashMap<>();

    @Override
    public void defineModule(String name, String path) {
        try {
            modules.put(name, op.module(name, io.rdc.runtime.util.BoundedFiles.readSource(Path.of(path))));
        } catch (IOException e) {
            throw new OperationException("cannot read module file " + path + ": " + e.getMessage());
        }
    }

    @Override
    public Object create(String name, String module, List<Object> arguments, boolean inchoate, Object node, List<InterfaceSpec> interfaces) {
        int at = nodeId(node);
        List<Iface> ifaces = new ArrayList<>();
        for (InterfaceSpec s : interfaces) {
            ifaces.add(switch (s.kind()) {
                case STREAM -> Iface.stream(s.name(), s.label(), s.handle());
                case PORT_ON_NEW_CHANNEL -> Iface.portNew(s.name(), s.label(), s.handle());
                case PORT_ON_EXISTING_CHANNEL -> Iface.portExisting(s.name(), s.label(), s.handle());
            });
        }
        Object args = arguments.isEmpty() ? null : arguments.size() == 1 ? arguments.get(0) : arguments;
        // This script's own declaration first: another RDC in the pool may use the same name for other code.
        io.rdc.runtime.kernel.ModuleStore.Module m = modules.get(module);
        Ref ref = op.create(m != null ? m : op.module(module), at, plain(args), ifaces, inchoate, name);
        long gid = op.incarnationId(ref);
        op.setInterest(ref, "DEAD", "FAULTING", "MADE", "UNFROZEN", "OUTPUT");
        IncarnationHandle h = new IncarnationHandle(name, ref, gid, module, List.copyOf(interfaces));
        byName.put(name, h);
        remember(h);
        pollRules();
        return h;
    }

    @Override
    public void defineChannel(String label, boolean multicast) {
        if (channels.containsKey(label)) throw new OperationException("channel \"" + label + "\" is already defined");
        if (adoptedChannels.containsKey(label))
            throw new OperationException("channel \"" + label + "\" is already defined (" + (adoptedChannels.get(label) ? "multicast" : "unicast")
                    + ") by an earlier session of RDC " + op.rdc().rdc().name() + ": use it by its label");
        Ref[] made = op.channel(label, multicast);
        channels.put(label, made);
        rememberChannel(label, multicast, channelOf(made[0]));
    }

    @Override
    public void link(Object from, String fromStream, Object to, String toPort) {
        RefDescriptor destination = places.linkDestination(to, toPort);
        if (from instanceof IncarnationHandle a && fromStream != null) {
            op.kernel().giveInterface(a.gid(), fromStream, destination);
        } else if (from instanceof Ref r && (r.kind == RefKind.STREAM || r.kind == RefKind.STREAM_HANDLE)) {
            // A stream got by its handle is already someone's: linking it elsewhere rebinds it (inc_rebindStream),
            // leaving what it sent queued where it is, as relinking a named stream does.
            op.kernel().rebind(op.kernel().streamOf(op.session(), r), destination.channel(), null);
        } else {
            throw new OperationException(linkSource(from, "link"));
        }
        pollRules();
    }

    @Override
    public void unlink(Object from, String fromStream, Object to, String toPort) {
        if (!(from instanceof IncarnationHandle a) || fromStream == null)
            throw new OperationException(from instanceof Ref r && r.kind == RefKind.STREAM_HANDLE
                    ? "unlink takes a stream away from an incarnation by its name (like r.out); a stream handle can be linked or rebound elsewhere"
                    : linkSource(from, "unlink"));
        long sends = places.stream(new InterfaceRef(new io.rdc.interpreter.Handle(a, a.name()), fromStream), "unlink").channel();
        long destination = places.linkDestination(to, toPort).channel();
        if (sends != destination)
            throw new OperationException(a.name() + "." + fromStream + " is not linked to " + (toPort == null ? String.valueOf(to) : to + "." + toPort)
                    + " (it sends on channel " + Ids.show(sends) + ", that is channel " + Ids.show(destination) + ")");
        op.kernel().giveInterface(a.gid(), fromStream, null);
    }

    /** Why a link's (or unlink's) left side is no stream to link from. */
    private static String linkSource(Object from, String what) {
        if (from instanceof IncarnationHandle h) return h.name() + " is an incarnation: " + what + " one of its streams" + Places.example(h, Places.End.STREAM);
        if (from instanceof Ref r && (r.kind == RefKind.PORT || r.kind == RefKind.PORT_HANDLE))
            return "a " + r.kind.label + " reference receives, it does not send: " + what + " a stream to it instead";
        return (from instanceof Ref r ? "a " + r.kind.label + " reference" : String.valueOf(from)) + " is not a stream: " + what
                + " a stream (like r.out)" + ("link".equals(what) ? " or a stream handle from get" : "");
    }

    @Override
    public String allocate(long count, String group, long waitMillis) {
        var a = op.allocate((int) Math.min(count, Integer.MAX_VALUE), group, java.time.Duration.ofMillis(waitMillis));
        List<String> given = new ArrayList<>();
        for (var n : a.nodes()) if (n.justGiven()) given.add(String.valueOf(n.node()));
        return (given.isEmpty() ? "no node of \"" + group + "\" is free now" : "allocated " + String.join(", ", given) + " from \"" + group + "\"")
                + (a.pending() == 0 ? "" : "; " + a.pending() + " more when free (a notice follows)") + "\nallocation: " + io.rdc.runtime.kernel.NodeAllocation.show(a);
    }

    @Override
    public String release(Object node) {
        return "allocation: " + io.rdc.runtime.kernel.NodeAllocation.show(op.release(nodeId(node)));
    }

    @Override
    public String withdraw(Object node, long noticeMillis, boolean destroyRest) {
        String out = op.withdraw(nodeId(node), java.time.Duration.ofMillis(noticeMillis), destroyRest).summary();
        pollRules();
        return out;
    }

    @Override
    public java.util.List<Long> nodes(String what, long argument, String group, String host, long withinMillis, java.util.function.Consumer<String> say) {
        io.rdc.runtime.kernel.ControlPlane cp = op.control();
        if (cp == null || op.rdc() == null) return Operations.super.nodes(what, argument, group, host, withinMillis, say);
        if (what.equals("create") && PoolConfig.EMBEDDED_CONTROL.equals(pool.config().control()))
            throw new OperationException("this session's pool is embedded in its own process, and its control plane has no coordinator to start nodes:"
                    + " run it against a standing pool (rdc pool start, then rdc run or rdc shell there)");
        long rdc = op.rdc().rdc().id();
        java.time.Duration within = java.time.Duration.ofMillis(withinMillis);
        java.util.List<io.rdc.runtime.kernel.ControlPlane.OnDemandNode> nodes = switch (what) {
            case "create" -> {
                if (argument < 1 || argument > Integer.MAX_VALUE) throw new OperationException("nodes create: ask for at least 1 node, not " + argument);
                yield io.rdc.runtime.pool.OnDemand.create(cp, rdc, group, host, (int) argument, within,
                        n -> say.accept("node " + n.node() + " up on " + n.host() + " (pid " + n.pid() + ")"));
            }
            case "destroy" -> io.rdc.runtime.pool.OnDemand.stop(cp, rdc, java.util.List.of(Math.toIntExact(argument)), within);
            case "stop" -> io.rdc.runtime.pool.OnDemand.stop(cp, rdc, java.util.List.of(), within);
            default -> {
                java.util.List<io.rdc.runtime.kernel.ControlPlane.OnDemandNode> found = cp.findNodes(rdc);
                for (var n : found) say.accept(io.rdc.runtime.pool.OnDemand.line(n));
                if (found.isEmpty()) say.accept("no on-demand nodes");
                yield found;
            }
        };
        if (!what.equals("create") && !what.equals("find")) say.accept(nodes.size() + " node(s) stopped");
        return nodes.stream().map(n -> (long) n.node()).toList();
    }

    @Override
    public void makeDependent(Object child, Object parent, String mode) {
        op.makeDependent(inc(child).ref(), inc(parent).ref(), mode);
    }

    @Override
    public void destroy(Object incarnation) {
        IncarnationHandle h = inc(incarnation);
        op.destroy(h.ref());
        if (byName.get(h.name()) == h) forget(h.name());
        pollRules();
    }

    @Override
    public void freeze(Object incarnation) {
        op.freeze(inc(incarnation).ref());
    }

    @Override
    public void unfreeze(Object incarnation, Long priority) {
        op.unfreeze(inc(incarnation).ref(), priority == null ? 0 : priority.intValue());
    }

    // ------------------------------------------------------------ reconfiguration

    @Override
    public void attach(Object incarnation, String port, Object channel, Object detachIncarnation, String detachPort, boolean movingQueue) {
        RefDescriptor newPort = places.port(iface(incarnation, port), "attach");
        RefDescriptor oldPort = detachIncarnation == null ? null : places.port(iface(detachIncarnation, detachPort), "attach … detach");
        op.kernel().attach(newPort, oldPort, places.channel(channel, "attach … to"), movingQueue);
        pollRules();
    }

    @Override
    public void rebind(Object stream, Object channel, Object movingFrom, boolean underFailure) {
        if (!underFailure && movingFrom == null)
            throw new OperationException("rebind needs `moving from \"port handle\"` or `under failure`");
        RefDescriptor s = places.stream(stream, "rebind");
        long ch = places.channel(channel, "rebind … to");
        RefDescriptor from = underFailure ? null : places.port(movingFrom, "rebind … moving from");
        op.kernel().rebind(s, ch, from);
        pollRules();
    }

    /** An interface as the evaluator hands it over (incarnation and name; a reference with no name) as one place. */
    private static Object iface(Object incarnation, String name) {
        return name == null ? incarnation : new InterfaceRef(new io.rdc.interpreter.Handle(incarnation, String.valueOf(incarnation)), name);
    }

    // ------------------------------------------------------------ migration, fork, checkpoint (ch. 7)

    @Override
    public void replace(Object incarnation, String module, long withinMillis) {
        IncarnationHandle h = inc(incarnation);
        io.rdc.runtime.kernel.ModuleStore.Module m = modules.get(module); // this script's declaration first, as for create
        op.replace(h.ref(), m != null ? m : op.module(module), Duration.ofMillis(withinMillis));
        pollRules();
    }

    @Override
    public void replaceQuiescent(Object incarnation, String module, long withinMillis) {
        IncarnationHandle x = inc(incarnation);
        long deadline = System.nanoTime() + withinMillis * 1_000_000L;
        String port = declaredPort(x, settle(() -> op.status(x.ref()), deadline), 0).label();
        // keep: not a withdrawal, so the server's withdraw() finalisation does not run
        Map<String, Object> head = new LinkedHashMap<>(Map.of("rdc", "peer", "op", "quiesce", "keep", true));
        try {
            peerAnswer(x, op.invoke(streamTo(port), head, null, Duration.ofMillis(withinMillis)));
        } catch (OperationException e) {
            resumePeer(x, port);
            throw new OperationException(x.name() + " did not become replaceable (R1–R3) within " + withinMillis
                    + " ms (a client's transaction is still open), so it was not replaced: " + e.getMessage());
        }
        try {
            replace(incarnation, module, Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
        } catch (RuntimeException e) {
            resumePeer(x, port); // the old code lets its clients in again
            throw e;
        }
        Operator.Received r = resumePeer(x, port);
        if (r == null) throw new OperationException(x.name() + " runs " + module + " but did not answer the harness's resume: its clients stay held");
        peerAnswer(x, r); // the new code must be on the harness too, or it cannot let them in
    }

    /** Lets a quiesced server's clients in again ({rdc: peer, op: resume}); null when it did not answer. */
    private Operator.Received resumePeer(IncarnationHandle x, String port) {
        try {
            return op.invoke(streamTo(port), new LinkedHashMap<>(Map.of("rdc", "peer", "op", "resume")), null, invokeTimeout);
        } catch (OperationException e) {
            return null; // gone or stuck: the caller's failure is the one to report
        }
    }

    @Override
    public String migrate(Object incarnation, Object node, long withinMillis) {
        IncarnationHandle h = inc(incarnation);
        int to = nodeId(node);
        Kernel.Migration m = op.migrate(h.ref(), to, Duration.ofMillis(withinMillis));
        pollRules();
        return String.format(java.util.Locale.ROOT, "migrated %s to node %d in %.2f ms (frozen %.2f ms)", h.name(), to, m.elapsedMs(), m.frozenMs());
    }

    @Override
    public Object fork(Object incarnation, Object node, List<String> ports, String name) {
        IncarnationHandle h = inc(incarnation);
        String child = name != null ? name : h.name() + "_fork";
        io.rdc.runtime.operator.Operator.Forked f = op.fork(h.ref(), nodeId(node), ports, child, invokeTimeout);
        // Streams to the child's copies of listed unicast ports, for `rebind ... to "child.port"`.
        for (var e : f.streams().entrySet()) op.spacePut(child + "." + e.getKey(), f.streams().get(e.getKey()), Kernel.UNLIMITED);
        IncarnationHandle c = adopt(child, f.child(), h.module());
        pollRules();
        return c;
    }

    @Override
    public long checkpoint(Object incarnation, String file, boolean destroy) {
        long n = op.checkpoint(inc(incarnation).ref(), file, destroy, invokeTimeout);
        pollRules();
        return n;
    }

    @Override
    public Object restore(String file, String name, Object node) {
        Ref r = op.restore(java.nio.file.Path.of(file), nodeId(node), name);
        long gid = op.incarnationId(r);
        IncarnationHandle h = adopt(name, r, op.status(r).module());
        pollRules();
        return h;
    }

    /**
     * A handle for an incarnation this script did not create (fork, restore): its named ports, read
     * from its status, become its interfaces, reached by streams of the operator's own.
     */
    private IncarnationHandle adopt(String name, Ref ref, String module) {
        List<InterfaceSpec> specs = new ArrayList<>();
        for (io.rdc.runtime.kernel.Status.PortStatus p : op.status(ref).ports()) {
            if (p.name() == null) continue;
            String label = name + "." + p.name();
            Ref stream = op.kernel().materialize(op.session(), Places.streamTo(p.channel(), p.gid()));
            streamsByLabel.put(label, stream);
            specs.add(new InterfaceSpec(InterfaceSpec.Kind.PORT_ON_NEW_CHANNEL, p.name(), label, null));
        }
        return new IncarnationHandle(name, ref, op.incarnationId(ref), module, List.copyOf(specs));
    }

    /**
     * quiesce (§6.3) through the server-peer harness of stdlib/peer.js: a control invocation to the
     * server's port that the client's stream reaches, answered once the server is server-quiescent
     * for that client (or replaceable, for all of them); the state it gives up goes to the peer.
     */
    @Override
    public void quiesce(Object server, String client, Object peer, long timeoutMillis) {
        IncarnationHandle x = inc(server);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        Status xs = settle(() -> op.status(x.ref()), deadline);
        String clientId = null;
        InterfaceSpec via;
        if (client != null) {
            Status.StreamStatus st = clientStream(client, x, xs, deadline);
            clientId = Ids.show(st.gid());
            via = declaredPort(x, xs, st.channel());
        } else {
            via = declaredPort(x, xs, 0);
        }
        String what = client == null ? "replaceable (R1–R3)" : "server-quiescent for " + client + " (stream " + clientId + ")";
        Map<String, Object> head = new LinkedHashMap<>();
        head.put("rdc", "peer");
        head.put("op", "quiesce");
        if (clientId != null) head.put("client", clientId);
        Operator.Received r;
        try {
            r = op.invoke(streamTo(via.label()), head, null, Duration.ofMillis(timeoutMillis));
        } catch (OperationException e) {
            // Withdraw the request, so that the server does not go on to hold the client later.
            Map<String, Object> cancel = new LinkedHashMap<>(head);
            cancel.put("op", "resume");
            try {
                op.invoke(streamTo(via.label()), cancel, null, invokeTimeout);
            } catch (OperationException ignored) {
                // the server is gone or stuck: the first failure is the one to report
            }
            throw new OperationException(x.name() + " did not become " + what + " within " + timeoutMillis + " ms"
                    + (client == null ? " (a client's transaction is still open)" : " (its transaction with the client is still open)")
                    + ": " + e.getMessage());
        }
        Map<?, ?> answer = peerAnswer(x, r);
        if (peer == null) {
            pollRules();
            return;
        }
        IncarnationHandle y = inc(peer);
        Map<String, Object> give = new LinkedHashMap<>();
        give.put("rdc", "peer");
        give.put("op", "import");
        Object body = r.body();
        if (clientId != null) give.put("client", clientId);
        else if (!(body instanceof Map<?, ?> m && m.get("clients") instanceof Map<?, ?>))
            throw new OperationException(x.name() + " answered the withdrawal without its clients' states: " + answer);
        peerAnswer(y, op.invoke(streamTo(declaredPort(y, op.status(y.ref()), 0).label()), give, body, invokeTimeout));
        pollRules();
    }

    private static Map<?, ?> peerAnswer(IncarnationHandle x, Operator.Received r) {
        if (!(r.head() instanceof Map<?, ?> h) || !"peer".equals(h.get("rdc")))
            throw new OperationException(x.name() + " does not run the server-peer harness (stdlib rdc/peer.js): it answered " + r.head());
        if (!Boolean.TRUE.equals(h.get("ok"))) throw new OperationException(x.name() + " refused: " + h.get("error"));
        return h;
    }

    /**
     * The client's stream to one of the server's ports: "name" or "name.stream". A client that is
     * still in its interface preamble or init (create returns before they run) is waited for, until
     * the deadline, since its streams are not all there yet.
     */
    private Status.StreamStatus clientStream(String client, IncarnationHandle x, Status xs, long deadlineNanos) {
        List<Long> serverChannels = new ArrayList<>();
        for (Status.PortStatus p : xs.ports()) serverChannels.add(p.channel());
        String name = client, stream = null;
        long gid = incarnationNamed(client);
        if (gid == 0 && client.contains(".")) {
            name = client.substring(0, client.lastIndexOf('.'));
            stream = client.substring(client.lastIndexOf('.') + 1);
            gid = incarnationNamed(name);
        }
        if (gid == 0) throw new OperationException("no incarnation is named \"" + client + "\"");
        long clientGid = gid;
        Status cs = settle(() -> op.statusOf(clientGid), deadlineNanos);
        List<Status.StreamStatus> found = new ArrayList<>();
        List<String> elsewhere = new ArrayList<>();
        for (Status.StreamStatus st : cs.streams()) {
            if (stream != null && !stream.equals(st.name())) continue;
            if (serverChannels.contains(st.channel())) found.add(st);
            else elsewhere.add((st.name() == null ? "-" : st.name()) + " → " + Ids.show(st.channel()));
        }
        if (found.isEmpty())
            throw new OperationException(client + " has no stream to " + x.name() + (cs.started() ? "" : " (it has not finished its preamble and init)")
                    + " (its streams: " + (elsewhere.isEmpty() ? "none" : String.join(", ", elsewhere))
                    + "; " + x.name() + "'s ports are on channels " + serverChannels.stream().map(Ids::show).toList() + ")");
        if (found.size() > 1)
            throw new OperationException(client + " has " + found.size() + " streams to " + x.name() + " ("
                    + String.join(", ", found.stream().map(st -> String.valueOf(st.name())).toList()) + "): say which, as \"" + name + ".STREAM\"");
        return found.get(0);
    }

    /**
     * An incarnation's status once it has run its interface preamble and init (create returns before
     * they run, so its ports and streams may not all be there yet), waiting at most until the
     * deadline: a preamble can wait on stream space for as long as another incarnation takes.
     */
    private static Status settle(java.util.function.Supplier<Status> status, long deadlineNanos) {
        Status s = status.get();
        while (!s.started() && s.state() == io.rdc.runtime.kernel.Incarnation.State.EXECUTING && System.nanoTime() < deadlineNanos) {
            pause(2);
            s = status.get();
        }
        return s;
    }

    /** How long views and port queries wait for a new incarnation to finish starting. */
    private static final long SETTLE_NANOS = 2_000_000_000L;

    /** As {@link #settle}, for views and queries: a new incarnation is shown with its interfaces. */
    public Status settledStatus(IncarnationHandle h) {
        return settle(() -> op.status(h.ref()), System.nanoTime() + SETTLE_NANOS);
    }

    @Override
    public Object incarnation(String name) {
        IncarnationHandle known = byName.get(name);
        if (known != null) return known;
        List<Kernel.Listed> hits = new ArrayList<>();
        for (Kernel.Listed l : op.list(op.session().rdcId)) if (l.name().equals(name)) hits.add(l);
        if (hits.isEmpty()) throw new OperationException("no incarnation of this RDC is named " + name);
        if (hits.size() > 1) throw new OperationException(hits.size() + " incarnations are named " + name + ": " + hits.stream().map(l -> Ids.show(l.gid())).toList());
        Kernel.Listed l = hits.get(0);
        return adopt(name, op.adopt(l.gid()), l.module()); // with its ports, as interfaces to invoke and link to
    }

    /** An incarnation's gid by name: this RDC's first, then any RDC's (independent clients); 0 if none. */
    private long incarnationNamed(String name) {
        IncarnationHandle h = byName.get(name);
        if (h != null) return h.gid();
        for (long rdc : new long[] {op.session().rdcId, 0}) {
            List<Long> hits = new ArrayList<>();
            for (Kernel.Listed l : op.list(rdc)) if (l.name().equals(name)) hits.add(l.gid());
            if (hits.size() == 1) return hits.get(0);
            if (hits.size() > 1) throw new OperationException(hits.size() + " incarnations are named " + name + ": " + hits.stream().map(Ids::show).toList());
        }
        return 0;
    }

    /** The port the script declared for x on the channel (any port, for channel 0), to reach its harness. */
    private static InterfaceSpec declaredPort(IncarnationHandle x, Status xs, long channel) {
        for (Status.PortStatus p : xs.ports()) {
            if (channel != 0 && p.channel() != channel) continue;
            InterfaceSpec s = p.name() == null ? null : x.iface(p.name());
            if (s != null && s.kind() != InterfaceSpec.Kind.STREAM) return s;
        }
        throw new OperationException(x.name() + " has no declared port" + (channel == 0 ? "" : " on channel " + Ids.show(channel))
                + " to send the quiesce request to" + declared(x));
    }

    @Override
    public void freezeStream(Object incarnation, String stream, boolean frozen) {
        op.kernel().freezeStream(places.stream(iface(incarnation, stream), frozen ? "freeze stream" : "unfreeze stream"), frozen);
    }

    // ------------------------------------------------------------ stream space and name service

    @Override
    public void put(String label, Object value, long copies, boolean dontCache) {
        Ref r = reference(value, "put");
        int c = dontCache ? Kernel.DONTCACHE : copies == UNLIMITED_COPIES ? Kernel.UNLIMITED : (int) copies;
        op.spacePut(label, r, c);
    }

    @Override
    public Object get(String label) {
        return spaceGet(label);
    }

    /** A reference from stream space, waiting at most the get timeout. */
    Ref spaceGet(String label) {
        return op.spaceGet(label, bounded(getTimeout));
    }

    /**
     * How long an invoke or get may wait now: {@code timeout}, or inside a wait's condition what is
     * left of the wait's window when that is longer. A window extends its condition's calls and
     * never shortens them: a condition that was slow but true used to pass a short wait, and
     * scenario scripts on a loaded machine rely on that.
     */
    private Duration bounded(Duration timeout) {
        if (waitDeadline == 0) return timeout;
        long left = waitDeadline - System.nanoTime();
        return left > timeout.toNanos() ? Duration.ofNanos(left) : timeout;
    }

    @Override
    public void returnReference(String label) {
        op.spaceReturn(label);
    }

    @Override
    public void delete(String label) {
        if (!op.spaceDelete(label)) throw new OperationException("nothing is labelled \"" + label + "\" in stream space");
    }

    @Override
    public void register(String name, Object value, List<String> readers) {
        Ref r = reference(value, "register");
        if (r.kind != RefKind.STREAM) throw new OperationException("register needs a stream or a port to reach, not a " + r.kind.label);
        op.register(name, r, readers);
    }

    @Override
    public void unregister(String name) {
        if (!op.unregister(name)) throw new OperationException("no service is registered under the name '" + name + "'");
    }

    @Override
    public String operatorAccess(io.rdc.interpreter.ast.Statement.AccessChange change, String operator) {
        switch (change) {
            case ALLOW -> op.allow(operator);
            case DISALLOW -> op.disallow(operator);
            case REVOKE_TOKENS -> {
                long at = op.revokeTokens(operator);
                return "tokens of '" + operator + "' issued until " + java.time.Instant.ofEpochMilli(at) + " are revoked (the nodes refuse them within a heartbeat)";
            }
        }
        io.rdc.runtime.kernel.Authority.Access a = op.access();
        return "operators of this RDC: " + a.owner() + " (owner)" + (a.operators().isEmpty() ? "" : ", " + String.join(", ", a.operators()));
    }

    @Override
    public Object lookup(String name) {
        return op.lookup(name);
    }

    // ------------------------------------------------------------ messages

    @Override
    public Object invoke(Object incarnation, String stream, Map<String, Object> head, Object body) {
        Operator.Received r = op.invoke(target(incarnation, stream), plain(head), plain(body), bounded(invokeTimeout));
        pollRules();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("head", r.head());
        out.put("body", r.body());
        return out;
    }

    @Override
    public void send(Object incarnation, String stream, Map<String, Object> head, Object body) {
        Ref s = target(incarnation, stream);
        op.send(s, plain(head), plain(body));
        op.flush(s); // a script's send is complete once the message is queued at the port
        pollRules();
    }

    /** The stream the operator uses to reach an incarnation's interface (the channel of its port, or where its stream goes). */
    private Ref target(Object incarnation, String name) {
        if (incarnation instanceof Ref r && r.kind == RefKind.STREAM) return r;
        if (incarnation instanceof Ref r)
            throw new OperationException("a " + r.kind.label + " reference cannot be invoked or sent to: that needs a stream (put one in stream space or register one)");
        IncarnationHandle h = inc(incarnation);
        if (name == null)
            throw new OperationException("name one of " + h.name() + "'s interfaces (like " + h.name() + ".in)" + declared(h) + ", or use a stream reference from get or lookup");
        InterfaceSpec s = h.iface(name);
        if (s == null) throw new OperationException(h.name() + " has no interface named " + name + declared(h));
        return streamTo(s.label());
    }

    /** The session's stream to the channel of a label: one it declared, or from stream space (kept for reuse). */
    Ref streamTo(String label) {
        Ref s = streamsByLabel.get(label);
        if (s != null && !s.isClosed()) return s;
        Ref[] own = channels.get(label);
        s = own != null ? own[0] : op.spaceGet(label, bounded(getTimeout));
        if (s.kind != RefKind.STREAM) throw new OperationException("\"" + label + "\" in stream space is a " + s.kind.label + ", not a channel");
        streamsByLabel.put(label, s);
        return s;
    }

    // ------------------------------------------------------------ observation

    @Override
    public String show(String what) {
        return switch (what) {
            case "nodes" -> Views.nodes(op.nodes());
            case "incarnations" -> Views.incarnations(op.list(op.session().rdcId));
            case "channels" -> Views.channels(this);
            case "space" -> Views.space(op.spacePrint());
            case "events" -> Views.events(drainEvents());
            case "rdcs" -> {
                if (op.control() == null) throw new OperationException("this pool has no control plane: its one RDC is this session's");
                yield Views.rdcs(op.control().rdcs(), op.session().rdcId);
            }
            case "allocation" -> "allocation of RDC " + Ids.show(op.session().rdcId) + ": " + io.rdc.runtime.kernel.NodeAllocation.show(op.allocation());
            default -> throw new OperationException("show what? nodes, incarnations, channels, space, events, rdcs or allocation, not " + what);
        };
    }

    /** What {@code inspect} prints for an incarnation known by its status (one this session holds no handle to, too). */
    public static String inspectText(String name, Status status) {
        return Views.inspect(name, status);
    }

    @Override
    public String inspect(Object target) {
        if (target instanceof IncarnationHandle h) return Views.inspect(h, settledStatus(h));
        if (target instanceof Ref r) return Views.inspect(op, r);
        if (target instanceof InterfaceRef i && i.incarnation().reference() instanceof IncarnationHandle h) {
            Status st = settledStatus(h);
            return Views.inspectInterface(h, i.name(), st);
        }
        throw new OperationException("inspect needs an incarnation or a reference, not " + target);
    }

    @Override
    public List<Object> nodes() {
        List<Object> out = new ArrayList<>();
        for (NodeStatus n : op.nodes()) out.add(nodeRecord(n));
        return out;
    }

    private static Map<String, Object> nodeRecord(NodeStatus n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", (long) n.id());
        m.put("name", n.name());
        m.put("groups", new ArrayList<Object>(n.groups()));
        m.put("load", n.load());
        m.put("busy", n.busy());
        m.put("queued", n.queued());
        m.put("incarnations", (long) n.incarnations());
        m.put("reachable", n.reachable());
        m.put("refused", n.refusedFrames());
        m.put("refusedRequests", n.refusedRequests());
        return m;
    }

    /**
     * pick(group...) — the reachable node of the given groups (all nodes when none) with the least
     * load now (incarnations running or with work queued, asked of each node at this pick), then
     * the fewest incarnations, lowest id on ties: a pick goes to an idle node rather than a busy one
     * with fewer incarnations, and successive picks of idle creations spread over the group.
     */
    @Override
    public Object pick(List<Object> arguments) {
        List<String> groups = new ArrayList<>();
        for (Object a : arguments) {
            if (!(a instanceof String s)) throw new OperationException("pick takes node group names, like pick(\"exclusive\")");
            groups.add(s);
        }
        List<NodeStatus> candidates = op.nodes().stream()
                .filter(NodeStatus::reachable)
                .filter(n -> groups.isEmpty() || n.groups().stream().anyMatch(groups::contains))
                .sorted(Comparator.comparingDouble(NodeStatus::load).thenComparingInt(NodeStatus::incarnations).thenComparingInt(NodeStatus::id))
                .toList();
        if (candidates.isEmpty())
            throw new OperationException("no reachable node in group " + String.join(", ", groups) + " (groups: " + knownGroups() + ")");
        return (long) candidates.get(0).id();
    }

    private String knownGroups() {
        return op.nodes().stream().flatMap(n -> n.groups().stream()).distinct().sorted().toList().toString();
    }

    @Override
    public Object status(Object incarnation) {
        IncarnationHandle h = inc(incarnation);
        Status s = op.status(h.ref());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", h.name());
        m.put("state", s.state().name());
        m.put("started", s.started());
        m.put("node", (long) s.node());
        m.put("module", s.module());
        m.put("version", s.moduleHash() == null ? "" : s.moduleHash());
        m.put("queued", (long) s.queued());
        m.put("handlerRuns", s.handlerRuns());
        m.put("handlerMicros", s.handlerMicros());
        m.put("stateBytes", s.stateBytes());
        m.put("priority", (long) s.priority());
        if (s.fault() != null) m.put("fault", s.fault());
        m.put("dependsOn", new java.util.ArrayList<Object>(s.dependsOn()));
        return m;
    }

    @Override
    public long queue(Object incarnation, String port) {
        if (incarnation instanceof Ref r && r.kind == RefKind.PORT) return (Long) op.testPort(r).get("count");
        if (incarnation instanceof Ref r)
            throw new OperationException("queue counts a port of an incarnation (like x.in) or a port this session got from stream space, not a " + r.kind.label
                    + (r.kind == RefKind.PORT_HANDLE ? " (its queue is at the port's owner)" : ""));
        IncarnationHandle h = inc(incarnation);
        if (port == null) throw new OperationException("name one of " + h.name() + "'s ports, like " + h.name() + ".in" + declared(h));
        for (Status.PortStatus p : settledStatus(h).ports())
            if (port.equals(p.name())) return p.queued();
        throw new OperationException(h.name() + " has no port named " + port + declared(h));
    }

    // ------------------------------------------------------------ time

    @Override
    public boolean waitUntil(BooleanSupplier condition, long timeoutMillis) {
        long end = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            if (holds(condition, end)) return true;
            pollRules();
            if (System.nanoTime() - end > 0) return false;
            pause(10);
        }
    }

    /**
     * Evaluates a wait's condition with the wait's deadline in force (see {@link #waitDeadline}); a
     * wait inside a procedure called by the condition keeps the nearer deadline. An operation of the
     * condition that fails once the window is over ends the wait as timed out, saying what it was doing.
     */
    private boolean holds(BooleanSupplier condition, long end) {
        long outer = waitDeadline;
        waitDeadline = outer != 0 && outer - end < 0 ? outer : end;
        try {
            return condition.getAsBoolean();
        } catch (RuntimeException failed) {
            if (System.nanoTime() - end < 0) throw failed;
            throw new OperationException("its time ran out while the condition was being evaluated: " + failed.getMessage(), failed);
        } finally {
            waitDeadline = outer;
        }
    }

    @Override
    public void when(BooleanSupplier condition, Runnable action) {
        Rule r = new Rule(condition, action);
        rules.add(r);
        evaluate(r);
    }

    @Override
    public void sleep(long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() - end < 0) {
            pollRules();
            pause(Math.min(10, Math.max(1, (end - System.nanoTime()) / 1_000_000L)));
        }
    }

    /**
     * Re-evaluates the {@code when} rules (ISSOS-style guards): each fires when its condition becomes
     * true, once per change from false to true. Rules are checked on the script's thread whenever
     * the script waits or changes the system.
     */
    private void pollRules() {
        for (Rule r : List.copyOf(rules)) evaluate(r);
    }

    private void evaluate(Rule r) {
        boolean now = r.condition.getAsBoolean();
        if (now && !r.wasTrue) {
            r.wasTrue = true;
            r.action.run();
        } else if (!now) {
            r.wasTrue = false;
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationException("interrupted");
        }
    }

    // ------------------------------------------------------------ helpers

    /**
     * Every event the operator has received so far (what {@code show events} lists), oldest first;
     * the shell prints the new ones above its prompt. Not thread-safe: call it when no statement runs.
     */
    public List<Event> events() {
        return drainEvents();
    }

    List<Event> drainEvents() {
        Event e;
        while ((e = op.nextEvent(Duration.ZERO)) != null) events.add(e);
        if (events.size() > EVENTS_KEPT + EVENTS_KEPT / 10) { // let the oldest go in batches (incarnations' output makes many)
            int n = events.size() - EVENTS_KEPT;
            events.subList(0, n).clear();
            eventsLetGo += n;
        }
        return List.copyOf(events);
    }

    /** Events kept for {@code show events} and the shell; older ones are let go (counted by {@link #eventsLetGo}). */
    public static final int EVENTS_KEPT = 10_000;
    private long eventsLetGo;

    /** How many of the oldest events were let go: {@link #events()}'s first is the one after them. */
    public long eventsLetGo() {
        return eventsLetGo;
    }

    Map<String, Ref[]> channels() {
        return channels;
    }

    Operator op() {
        return op;
    }

    private IncarnationHandle inc(Object o) {
        if (o instanceof IncarnationHandle h) return h;
        throw new OperationException("expected an incarnation, not " + o);
    }

    static String declared(IncarnationHandle h) {
        List<String> names = h.interfaces().stream().map(InterfaceSpec::name).toList();
        return names.isEmpty() ? " (it declares no interfaces)" : " (it declares " + String.join(", ", names) + ")";
    }

    private Ref reference(Object value, String what) {
        if (value instanceof Ref r) return r;
        if (value instanceof IncarnationHandle h) return h.ref();
        if (value instanceof InterfaceRef i && i.incarnation().reference() instanceof IncarnationHandle h) return target(h, i.name());
        throw new OperationException(what + " needs a reference (an incarnation, an interface like w.in, or a value from get/lookup), not " + value);
    }

    private int nodeId(Object node) {
        if (node == null) return pool.pool().nodes().get(0).id();
        if (node instanceof Number n) return n.intValue();
        if (node instanceof Map<?, ?> m && m.get("id") instanceof Number n) return n.intValue();
        if (node instanceof String s) {
            return pool.pool().descriptor().byName(s).map(io.rdc.runtime.node.NodeInfo::id)
                    .orElseThrow(() -> new OperationException("no node named " + s));
        }
        throw new OperationException("a node is a node id, a node name or a record from nodes()/pick(), not " + node);
    }

    /** Script values to message values: durations become milliseconds; references cannot travel as data. */
    static Object plain(Object v) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) return v;
        if (v instanceof io.rdc.interpreter.DurationValue d) return d.millis();
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) out.add(plain(o));
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), plain(e.getValue()));
            return out;
        }
        throw new OperationException("a " + v.getClass().getSimpleName().toLowerCase(Locale.ROOT)
                + " cannot be sent as data; pass references through interfaces or stream space");
    }

    String channelKind(long channel) {
        return Ids.isMulticast(channel) ? "multicast" : "unicast";
    }

    static long channelOf(Ref r) {
        Object t = r.target();
        if (t instanceof Stream s) return s.channel();
        if (t instanceof RefDescriptor d) return d.channel();
        return 0;
    }
}
