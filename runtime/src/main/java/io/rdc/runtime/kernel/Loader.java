package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.kernel.codec.*;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * The loader (§8.3): creation of incarnations here and at other nodes, shipping a module's code
 * only to a node that lacks it; the module store; the preamble a new incarnation runs before its
 * init (§5.5.1); and the creation quotas (docs/containment.md).
 */
final class Loader {
    private final Kernel k;

    Loader(Kernel k) {
        this.k = k;
    }
    final ModuleStore modules = new ModuleStore();
    final java.util.Set<String> modulesKnownAt = ConcurrentHashMap.newKeySet();

    public ModuleStore modules() {
        return modules;
    }

    /** Opens or closes a node to new incarnations (created or migrated there). */
    public void setAccepting(int node, boolean accepting) {
        Response r = k.requests.request(node, OP_NODE_ACCEPT, nodeAcceptRequest(accepting), REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException(r.error());
    }

    static KernelCodec.Outgoing nodeAcceptRequest(boolean accepting) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(16);
        q.begin(new NodeAcceptEncoder()).accepting((short) (accepting ? 1 : 0));
        return q;
    }

    // ---- loader (§8.3): create an incarnation here

    /** Creations each RDC may still start from this node this second: {tokens, second}; guarded by itself. */
    final java.util.HashMap<Long, long[]> creationTokens = new java.util.HashMap<>();

    /** A fork bomb meets this before memory runs out: each RDC creates at most Limits.creationsPerSecond a second from here. */
    void takeCreationToken(long rdc) {
        int rate = k.limits.creationsPerSecond;
        long second = System.nanoTime() / 1_000_000_000L;
        synchronized (creationTokens) {
            long[] b = creationTokens.computeIfAbsent(rdc, k -> new long[] {rate, second});
            if (b[1] != second) {
                b[0] = rate;
                b[1] = second;
            }
            if (b[0] <= 0)
                throw new OperationException("RDC " + Ids.show(rdc) + " started " + rate + " creations at node " + k.nodeId
                        + " within a second, its quota (rdc.limit.creationsPerSecond)");
            b[0]--;
        }
    }

    /** Why an RDC may not have one more incarnation here (Limits.incarnationsPerRdc), or null. Kernel thread. */
    String overIncarnationQuota(long rdc) {
        int quota = k.limits.incarnationsPerRdc, n = 0;
        for (Incarnation i : k.incarnations.values()) if (i.rdcId == rdc && !i.pseudo) n++;
        return n < quota ? null : "RDC " + Ids.show(rdc) + " has " + n + " incarnations at node " + k.nodeId
                + ", its quota (rdc.limit.incarnationsPerRdc)";
    }

    void onCreate(int src, long call, CreateDecoder r) {
        CreateProbe.stamp(CreateProbe.NODE_RECEIVED);
        long rdc = r.rdc();
        long parent = r.parent();
        boolean inchoate = r.inchoate() != 0, codeIncluded = r.codeIncluded() != 0, hasState = r.hasState() != 0;
        List<Iface> ifaces = new ArrayList<>();
        for (CreateDecoder.InterfacesDecoder f : r.interfaces()) {
            Iface.Kind kind = Iface.Kind.values()[f.kind()];
            String fname = KernelCodec.orNull(f.name()), label = KernelCodec.orNull(f.label());
            ifaces.add(new Iface(kind, fname, label, KernelCodec.orNull(f.handleLabel())));
        }
        String hash = r.hash();
        String moduleName = r.moduleName();
        KernelCodec.fits(r, r.codeLength());
        String code = codeIncluded ? r.code() : KernelCodec.skip(r.code());
        KernelCodec.fits(r, r.argsLength());
        String args = KernelCodec.orNull(r.args());
        String name = KernelCodec.orNull(r.name());
        byte[] state = hasState ? new byte[KernelCodec.fits(r, r.stateLength())] : null;
        if (state != null) r.getState(state, 0, state.length);
        ModuleStore.Module mod = code != null ? modules.add(moduleName, code) : modules.get(hash);
        if (mod == null) {
            k.publisher.respond(src, call, ST_MODULE_NEEDED, null);
            return;
        }
        Launcher l = k.launcher;
        if (l == null) {
            k.publisher.respondError(src, call, "node " + k.nodeId + " has no incarnation host");
            return;
        }
        if (!k.acceptingIncarnations) {
            k.publisher.respondError(src, call, "node " + k.nodeId + " is not allocated to new incarnations");
            return;
        }
        String over = overIncarnationQuota(rdc);
        if (over == null) over = k.placement.refusal(rdc, mod.name(), "create of " + mod.name(), k.adapter.acting);
        if (over != null) {
            k.publisher.respondError(src, call, over);
            return;
        }
        long gid = k.newGid();
        String incName = name == null || name.isEmpty() ? mod.name() + "#" + Ids.show(gid) : name;
        Incarnation inc = new Incarnation(k, gid, rdc, incName, false, parent, mod, args,
                inchoate ? Incarnation.State.INCHOATE : Incarnation.State.EXECUTING);
        if (inchoate) inc.frozenRequested = true;
        inc.initialState = state;
        k.incarnations.put(gid, inc);
        if (state == null && l.answersBeforeLoad(mod)) {
            // Its module loaded here before: the creator need not wait for this context (issue 17). A load
            // that fails all the same leaves it FAULTING with the reason, for its watchers and status to say.
            l.launch(inc, ifaces, () -> CreateProbe.stamp(CreateProbe.READY), why -> {
                if (!inc.destroyed) k.fault(inc, why);
            });
            KernelCodec.Outgoing out = k.publisher.out;
            out.begin(createdAnswer).incarnation(gid);
            k.publisher.respond(src, call, Frames.OK, out);
            return;
        }
        l.launch(inc, ifaces,
                () -> {
                    CreateProbe.stamp(CreateProbe.READY);
                    KernelCodec.Outgoing created = new KernelCodec.Outgoing(32);
                    created.begin(new CreatedEncoder()).incarnation(gid);
                    k.publisher.respondFromAnyThread(src, call, Frames.OK, created);
                },
                why -> {
                    k.incarnations.remove(gid);
                    inc.destroyed = true;
                    inc.state = Incarnation.State.DEAD;
                    k.onKernel(() -> k.publisher.respondError(src, call, why));
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
        if (k.pool.node(node) == null)
            throw new OperationException("node " + node + " is not in the pool (nodes: " + k.pool.nodeIds() + ")");
        takeCreationToken(creator.rdcId);
        boolean sendCode = !modulesKnownAt.contains(node + "/" + mod.hash());
        for (int attempt = 0; attempt < 2; attempt++) {
            KernelCodec.Outgoing w = createRequest(creator.rdcId, creator.gid, mod, sendCode, argsJson, inchoate, name, ifaces, state);
            CreateProbe.stamp(CreateProbe.SENT);
            Response resp = k.requests.request(node, OP_CREATE, w, TimeUnit.SECONDS.toNanos(30));
            CreateProbe.stamp(CreateProbe.ANSWERED);
            if (resp.status() == ST_MODULE_NEEDED) {
                sendCode = true;
                continue;
            }
            if (resp.status() != Frames.OK) throw new OperationException(resp.error());
            modulesKnownAt.add(node + "/" + mod.hash());
            long gid = resp.read(new CreatedDecoder()).incarnation();
            creator.children.put(gid, new Incarnation.Child(name, node));
            return gid;
        }
        throw new OperationException("node " + node + " did not accept module " + mod.name());
    }

    static KernelCodec.Outgoing createRequest(long rdc, long parent, ModuleStore.Module mod, boolean sendCode, String argsJson, boolean inchoate,
                                              String name, List<Iface> ifaces, byte[] state) {
        KernelCodec.Outgoing w = new KernelCodec.Outgoing(256 + (sendCode ? mod.code().length() * 3 : 0) + (state == null ? 0 : state.length));
        CreateEncoder e = w.begin(new CreateEncoder()).rdc(rdc).parent(parent).inchoate((short) (inchoate ? 1 : 0))
                .codeIncluded((short) (sendCode ? 1 : 0)).hasState((short) (state != null ? 1 : 0));
        CreateEncoder.InterfacesEncoder fe = e.interfacesCount(ifaces.size());
        for (Iface f : ifaces) fe.next().kind((short) f.kind().ordinal()).name(f.name()).label(f.label()).handleLabel(f.handleLabel());
        e.hash(mod.hash()).moduleName(mod.name()).code(sendCode ? mod.code() : null).args(argsJson).name(name);
        if (state != null) e.putState(state, 0, state.length);
        else e.putState(new byte[0], 0, 0);
        return w;
    }

    /**
     * Creation from an INCHOATE incarnation (§3.2.1): a new incarnation of the blueprint's module,
     * its code taken from the blueprint's node (already in memory there) rather than the creator.
     */
    public long createFrom(Incarnation creator, long blueprint, int node, String argsJson, List<Iface> ifaces,
                           boolean inchoate, String name) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(32);
        q.begin(new BlueprintEncoder()).blueprint(blueprint);
        Response r = k.requests.request(Ids.node(blueprint), OP_BLUEPRINT, q, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("create from " + Ids.show(blueprint) + ": " + r.error());
        ModuleStore.Module m = moduleOf(r);
        return create(creator, node, m, argsJson, ifaces, inchoate, name);
    }

    /** A module by name: this node's, else fetched from the RDC's home node (where the operator declared it). */
    public ModuleStore.Module moduleByName(Incarnation inc, String name) {
        // By the RDC's own declaration: another computation in the pool may use the same name.
        ModuleStore.Module m = modules.declared(inc.rdcId, name);
        if (m == null && Ids.node(inc.rdcId) == k.nodeId) m = modules.byName(name);
        if (m != null) return m;
        ControlPlane cp = k.pool.control();
        if (cp != null) {
            // A standing pool keeps each RDC's declared modules, so they outlive the operator that declared them.
            String code = cp.names(inc.rdcId).get(MODULE_NAME_PREFIX + name);
            if (code == null) throw new OperationException("module '" + name + "': no module of that name is declared in the RDC");
            ModuleStore.Module fetched = modules.add(name, (String) io.rdc.runtime.util.Json.parse(code));
            modules.declare(inc.rdcId, name, fetched);
            return fetched;
        }
        Response r = k.requests.request(Ids.node(inc.rdcId), OP_MODULE_FETCH, moduleFetchRequest(inc.rdcId, name), REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("module '" + name + "': " + r.error());
        ModuleStore.Module fetched = moduleOf(r);
        modules.declare(inc.rdcId, name, fetched);
        return fetched;
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
            k.references.release(inc, sp[0]); // the creator keeps only the port; the stream went to stream space
            if (f.handleLabel() != null) k.space.spacePut(inc, f.handleLabel(), k.references.handleFor(sp[1]), UNLIMITED);
        }
        for (Iface f : ifaces) {
            switch (f.kind()) {
                case STREAM -> {
                    // An interface gets a stream of its own (not the per-incarnation cached one).
                    RefDescriptor d = k.space.spaceFetch(inc, f.label(), -1, new boolean[1]);
                    if (d.kind() != RefKind.STREAM)
                        throw new OperationException("interface " + f.name() + ": '" + f.label() + "' in stream space is a " + d.kind().label + ", not a stream");
                    Ref r = k.references.materialize(inc, d);
                    ((Stream) r.target()).name = f.name();
                    out.put(f.name(), r);
                    if (f.handleLabel() != null) k.space.spacePut(inc, f.handleLabel(), k.references.handleFor(r), UNLIMITED);
                }
                case PORT_EXISTING -> {
                    RefDescriptor d = k.space.spaceFetch(inc, f.label(), -1, new boolean[1]);
                    if (d.kind() != RefKind.STREAM)
                        throw new OperationException("interface " + f.name() + ": '" + f.label() + "' in stream space is a " + d.kind().label + ", not a channel's stream");
                    Port p = k.router.newPort(inc, d.channel());
                    p.name = f.name();
                    Ref pr = inc.refs.add(RefKind.PORT, p, 0, false);
                    p.ownerRef = pr;
                    out.put(f.name(), pr);
                    if (f.handleLabel() != null) k.space.spacePut(inc, f.handleLabel(), k.references.handleFor(pr), UNLIMITED);
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
    /**
     * A new channel, with a stream to it deposited under {@code label}: {stream, port}. A unicast
     * channel gets a port of the creator's own (its receiving end until one is attached elsewhere); a
     * multicast group gets none (port null): a member of its own would acknowledge and keep every
     * message sent to the group, so an empty group would never fail (issue 14).
     */
    public Ref[] chanCreate(Incarnation inc, String label, boolean multicast) {
        long ch = k.newChannel(multicast);
        Ref pr = null;
        Port p = null;
        if (!multicast) {
            p = k.router.newPort(inc, ch);
            pr = inc.refs.add(RefKind.PORT, p, 0, false);
            p.ownerRef = pr;
        }
        Stream s = k.router.newStream(inc, ch, multicast ? 0 : p.gid);
        Ref sr = inc.refs.add(RefKind.STREAM, s, 0, false);
        if (label != null) k.space.spacePut(inc, label, k.references.describe(sr), UNLIMITED);
        return new Ref[] {sr, pr};
    }

    /** portCreate: a new port of {@code inc}, on a new unicast channel or joining the channel of {@code channelStream}. */
    public Ref portCreate(Incarnation inc, Ref channelStream) {
        long ch = channelStream == null ? k.newChannel(false) : ((Stream) inc.refs.check(channelStream, RefKind.STREAM).target()).channel;
        Port p = k.router.newPort(inc, ch);
        Ref pr = inc.refs.add(RefKind.PORT, p, 0, false);
        p.ownerRef = pr;
        return pr;
    }

    /** Registers the operator's pseudo-incarnation at this node: the root of a new RDC named by its own id. */
    public Incarnation newOperatorSession(String name) {
        return newOperatorSession(name, 0);
    }

    /** As above, in RDC {@code rdc} (from the control plane), or a new RDC when 0. */
    public Incarnation newOperatorSession(String name, long rdc) {
        long gid = k.newGid();
        Incarnation inc = new Incarnation(k, gid, rdc == 0 ? gid : rdc, name, true, 0, null, "null", Incarnation.State.EXECUTING);
        k.incarnations.put(gid, inc);
        return inc;
    }

    static KernelCodec.Outgoing moduleFetchRequest(long rdc, String name) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(64);
        q.begin(new ModuleFetchEncoder()).rdc(rdc).name(name);
        return q;
    }

    /** The module a MODULE_FETCH or BLUEPRINT answer carries, added to this node's store. */
    private ModuleStore.Module moduleOf(Response r) {
        ModuleSourceDecoder d = r.read(new ModuleSourceDecoder());
        String name = d.name();
        KernelCodec.fits(d, d.codeLength());
        return modules.add(name, d.code());
    }

    private final ModuleSourceEncoder moduleSource = new ModuleSourceEncoder();
    private final CreatedEncoder createdAnswer = new CreatedEncoder();
    private final WithdrawnGuestsEncoder withdrawnGuests = new WithdrawnGuestsEncoder();

    private void respondModule(int src, long call, ModuleStore.Module m) {
        KernelCodec.Outgoing out = k.publisher.out;
        out.begin(moduleSource).name(m.name()).code(m.code());
        k.publisher.respond(src, call, Frames.OK, out);
    }

    /** A module's code by name, for a node that lacks it (at the RDC's home node). */
    void onModuleFetch(int src, long call, ModuleFetchDecoder r) {
        long rdc = r.rdc();
        String wanted = r.name();
        ModuleStore.Module m = rdc != 0 ? modules.byName(rdc, wanted) : modules.byName(wanted);
        if (m == null) k.publisher.respondError(src, call, "no module of that name is known to the RDC");
        else respondModule(src, call, m);
    }

    /** The module of an INCHOATE incarnation, for creation from it (§3.2.1). */
    void onBlueprint(int src, long call, long blueprint) {
        Incarnation b = k.local(blueprint);
        if (b.state != Incarnation.State.INCHOATE)
            throw new OperationException(b.name + " is " + b.state + "; only an INCHOATE incarnation serves as a blueprint");
        respondModule(src, call, b.module);
    }

    /** Opens or closes this node to new incarnations (§7.4.2). */
    void onNodeAccept(int src, long call, boolean accepting) {
        k.acceptingIncarnations = accepting;
        k.publisher.respond(src, call, Frames.OK, null);
    }

    /** Starts withdrawing {@code node} (the request; {@link #onWithdraw} is the node's side). */
    List<Kernel.Guest> withdraw(int node, String why) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(64);
        q.begin(new WithdrawEncoder()).why(why);
        Response r = k.requests.request(node, OP_WITHDRAW, q, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("withdraw node " + node + ": " + r.error());
        List<Kernel.Guest> out = new ArrayList<>();
        for (WithdrawnGuestsDecoder.GuestsDecoder g : r.read(new WithdrawnGuestsDecoder()).guests()) {
            long gid = g.incarnation(), rdc = g.rdc();
            out.add(new Kernel.Guest(gid, rdc, g.name()));
        }
        return out;
    }

    /**
     * The start of a withdrawal (§3.4, inc_nodeWithdraw) at the withdrawn node: it takes no new
     * incarnations, each guest (and whoever watches it) gets a WITHDRAWING event saying by when it
     * must be gone, and the answer lists them, for the withdrawer to migrate (operator.Withdrawal).
     */
    void onWithdraw(int src, long call, String why) {
        k.acceptingIncarnations = false;
        KernelCodec.Outgoing out = k.publisher.out;
        List<Incarnation> guests = new ArrayList<>();
        for (Incarnation inc : k.incarnations.values()) if (!inc.pseudo && !inc.destroyed) guests.add(inc);
        WithdrawnGuestsEncoder.GuestsEncoder w = out.begin(withdrawnGuests).guestsCount(guests.size());
        for (Incarnation inc : guests) {
            w.next().incarnation(inc.gid).rdc(inc.rdcId).name(inc.name);
            Event e = new Event(Event.Type.WITHDRAWING, inc.gid, inc.name, why, System.currentTimeMillis());
            inc.inbox.put(e); // its own onEvent hears it
            k.ghosts.raise(inc, Event.Type.WITHDRAWING, why);
        }
        k.publisher.respond(src, call, Frames.OK, out);
    }
}
