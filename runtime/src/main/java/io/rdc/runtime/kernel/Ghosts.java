package io.rdc.runtime.kernel;

import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.ref.Rights;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.kernel.codec.*;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * The ghost operations (§8.3): what a kernel does to its local incarnations on behalf of holders
 * of their handles anywhere — control (destroy, freeze, unfreeze), status, list and snapshot,
 * interfaces given at run time — and events (§7.2.3) with the kernel's timers, which deliver
 * TIMER events and bound the kernel thread's own waits.
 */
final class Ghosts {
    private final Kernel k;

    Ghosts(Kernel k) {
        this.k = k;
    }
    final PriorityQueue<Timer> timers = new PriorityQueue<>();

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
        k.onKernel(() -> timers.add(t));
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

    /** A snapshot of an incarnation's state (§5 of DESIGN): taken between its handlers, at its node. */
    public byte[] snapshot(long gid, long timeoutNs) {
        Response r = k.requests.request(Ids.node(gid), OP_SNAPSHOT, snapshotRequest(gid), timeoutNs);
        if (r.status() != Frames.OK) throw new OperationException("snapshot of " + Ids.show(gid) + ": " + r.error());
        SnapshotStateDecoder d = r.read(new SnapshotStateDecoder());
        byte[] state = new byte[KernelCodec.fits(d, d.stateLength())];
        d.getState(state, 0, state.length);
        return state;
    }

    /** The incarnations of an RDC (0: all) on every reachable node. */
    public List<Listed> list(long rdc) {
        List<Listed> out = new ArrayList<>();
        for (NodeInfo n : k.pool.nodes()) {
            Response r;
            try {
                r = k.requests.request(n.id(), OP_LIST, listRequest(rdc), TimeUnit.SECONDS.toNanos(2));
            } catch (OperationException e) {
                continue;
            }
            if (r.status() != Frames.OK) {
                // The operator may not list this RDC, or its token was revoked (its session renews it and asks again).
                if (Authority.isRefusal(r.error()) || Authority.isRevocation(r.error())) throw new OperationException(r.error());
                continue;
            }
            ListingDecoder listing = r.read(new ListingDecoder());
            int first = out.size();
            for (ListingDecoder.IncarnationsDecoder i : listing.incarnations()) {
                long gid = i.incarnation(), handlerUs = i.handlerMicros(), rdcOf = i.rdc();
                Incarnation.State state = Incarnation.State.values()[i.state()];
                int queued = i.queued();
                String name = i.name(), module = KernelCodec.orNull(i.module());
                out.add(new Listed(gid, name, module, state, n.id(), queued, handlerUs, rdcOf, null));
            }
            int at = first; // an older node sends no versions: they stay null
            for (ListingDecoder.ModuleHashesDecoder h : listing.moduleHashes()) {
                String hash = KernelCodec.orNull(h.moduleHash());
                if (at < out.size()) out.set(at, out.get(at).withModuleHash(hash));
                at++;
            }
        }
        return out;
    }

    static KernelCodec.Outgoing snapshotRequest(long gid) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(32);
        q.begin(new SnapshotEncoder()).incarnation(gid);
        return q;
    }

    static KernelCodec.Outgoing statusRequest(long gid) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(32);
        q.begin(new StatusQueryEncoder()).incarnation(gid);
        return q;
    }

    static KernelCodec.Outgoing listRequest(long rdc) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(32);
        q.begin(new ListEncoder()).rdc(rdc);
        return q;
    }

    /**
     * Gives a running incarnation a new interface (Conic's link, §2.3.1): a reference materialized at
     * its node, installed between two of its handlers; a null descriptor removes the interface.
     */
    public void giveInterface(long gid, String name, RefDescriptor d) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(96);
        GiveInterfaceEncoder e = q.begin(new GiveInterfaceEncoder()).incarnation(gid).present((short) (d != null ? 1 : 0));
        if (d != null) d.encode(e.reference());
        e.name(name);
        Response r = k.requests.request(Ids.node(gid), OP_IFACE, q, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException(r.error());
    }

    void onIface(int src, long call, GiveInterfaceDecoder r) {
        Incarnation inc = k.local(r.incarnation());
        RefDescriptor d = r.present() != 0 ? RefDescriptor.decode(r.reference()) : null;
        String name = r.name();
        Launcher l = k.launcher;
        if (l == null || inc.pseudo) throw new OperationException(inc.name + " has no code to give an interface to");
        if (d == null) {
            l.setInterface(inc, name, null);
            k.publisher.respond(src, call, Frames.OK, null);
            return;
        }
        // Materializing registers a stream with this kernel: do it off the kernel thread's current cycle.
        ControlThreads.run(() -> {
            try {
                Ref ref = k.references.materialize(inc, d);
                if (ref.target() instanceof Stream s) s.name = name;
                l.setInterface(inc, name, ref);
                k.publisher.respondFromAnyThread(src, call, Frames.OK, null);
            } catch (RuntimeException e) {
                k.onKernel(() -> k.publisher.respondError(src, call, String.valueOf(e.getMessage())));
            }
        });
    }

    /** Runs an action on an incarnation's own thread, between its handlers. */
    public void runOnIncarnation(Incarnation inc, Runnable action) {
        inc.inbox.put(action);
    }

    /** The handle of an incarnation's named port or stream (a ghost operation for holders of its handle). */
    public RefDescriptor interfaceHandle(long incGid, String name) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(64);
        q.begin(new InterfaceHandleEncoder()).incarnation(incGid).name(name);
        Response r = k.requests.request(Ids.node(incGid), OP_IFACE_HANDLE, q, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException(r.error());
        return RefDescriptor.decode(r.read(new HandleDecoder()).reference());
    }

    void onControl(int src, long call, int op, long gid, int arg) {
        Incarnation inc = k.local(gid);
        switch (op) {
            case OP_DESTROY -> {
                k.migrator.abortOutgoing(inc, inc.name + " was destroyed");
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
                        inc.freezeWaiters.add(failed -> k.onKernel(() -> {
                            if (failed == null) k.publisher.respond(src, call, Frames.OK, null);
                            else k.publisher.respondError(src, call, failed);
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
        k.publisher.respond(src, call, Frames.OK, null);
    }

    /** Destroys a local incarnation: stops its code, closes its ports, answers its pending invokers. */
    void destroyLocal(Incarnation inc, String why) {
        if (inc.destroyed) return;
        inc.destroyed = true;
        for (Timer t : inc.timers) t.cancel();
        inc.timers.clear();
        inc.timersPending.set(0);
        inc.state = Incarnation.State.DEAD;
        k.incarnations.remove(inc.gid);
        for (Port p : inc.ports()) {
            p.closed = true;
            k.router.unrouteAll(p);
        }
        for (Stream s : inc.streams()) k.router.streams.remove(s.gid);
        for (Message m : inc.inbox.drainMessages()) k.sender.failInvoker(m, inc.name + " was " + why);
        inc.inbox.poke();
        answerFreezes(inc, inc.name + " was " + why + " before it froze");
        ControlThreads.kill(k.launcher, inc);
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

    /** Called by the host when a handler threw: the incarnation goes FAULTING and raises the event. */
    public void fault(Incarnation inc, String error) {
        inc.fault = error;
        inc.state = Incarnation.State.FAULTING;
        answerFreezes(inc, inc.name + " went FAULTING before it froze: " + error);
        k.onKernel(() -> raise(inc, Event.Type.FAULTING, error));
    }

    /** Called by the host when init completed. */
    public void made(Incarnation inc) {
        inc.started = true;
        k.onKernel(() -> raise(inc, Event.Type.MADE, ""));
    }

    /** Apply a control operation to an incarnation wherever it is. */
    public void control(long gid, int op, int arg) {
        Response r = k.requests.request(Ids.node(gid), op, controlRequest(op, gid, arg), REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException(r.error());
    }

    /** DESTROY, FREEZE or UNFREEZE of {@code gid}. */
    static KernelCodec.Outgoing controlRequest(int op, long gid, int arg) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(32);
        switch (op) {
            case OP_DESTROY -> q.begin(new DestroyEncoder()).incarnation(gid).arg(arg);
            case OP_FREEZE -> q.begin(new FreezeEncoder()).incarnation(gid).arg(arg);
            case OP_UNFREEZE -> q.begin(new UnfreezeEncoder()).incarnation(gid).arg(arg);
            default -> throw new IllegalArgumentException("not a control operation: " + op);
        }
        return q;
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
        Response r = k.requests.request(Ids.node(gid), OP_FREEZE, controlRequest(OP_FREEZE, gid, 1), REQUEST_TIMEOUT_NS + 2 * k.limits.handlerBoundNanos());
        if (r.status() != Frames.OK) throw new OperationException(r.error());
    }

    public void unfreeze(long gid, int priority) {
        control(gid, OP_UNFREEZE, priority);
    }

    /** How long a status request waits for the incarnation to measure its state between handlers before answering with the last measure. */
    static final long FRESH_STATE_WAIT_NS = TimeUnit.MILLISECONDS.toNanos(250);

    /**
     * inspect (§7.2): the state as it is now. Between handlers the incarnation's own thread measures
     * it first (a boundary task, so also while frozen); while a handler runs the answer says for how
     * long, with the state as of the last measure; either way it never waits more than
     * {@link #FRESH_STATE_WAIT_NS} for the measure.
     */
    void onStatus(int src, long call, long gid) {
        Incarnation inc = k.local(gid);
        Runnable measure = inc.measureState;
        if (measure == null || inc.inHandler() || !inc.started || inc.destroyed || inc.migrating) {
            inc.wantStateSize = true;
            respondStatus(src, call, inc);
            return;
        }
        boolean[] answered = {false};
        Timer late = schedule(FRESH_STATE_WAIT_NS, () -> {
            if (answered[0]) return;
            answered[0] = true;
            inc.wantStateSize = true;
            respondStatus(src, call, inc);
        });
        runOnIncarnation(inc, (BoundaryTask) () -> {
            try {
                measure.run();
            } finally {
                k.onKernel(() -> {
                    if (answered[0]) return;
                    answered[0] = true;
                    late.cancel();
                    respondStatus(src, call, inc);
                });
            }
        });
    }

    private void respondStatus(int src, long call, Incarnation inc) {
        long running = inc.handlerRunningNanos();
        String preview = inc.statePreview;
        if (running > 0) preview = "(a handler has been running for " + TimeUnit.NANOSECONDS.toMillis(running) + " ms; as of the last one) "
                + (preview == null ? "" : preview);
        KernelCodec.Outgoing out = k.publisher.out;
        StatusReportEncoder w = out.begin(statusReport).incarnation(inc.gid).state((short) inc.shownState().ordinal()).node(k.nodeId)
                .priority(inc.priority).createdMillis(inc.createdMillis).handlerMicros(inc.handlerNanos / 1000).handlerRuns(inc.handlerRuns)
                .stateBytes(inc.stateBytes).queued(inc.inbox.messageCount()).references(inc.refs.size()).parent(inc.parentGid)
                .started((short) (inc.started ? 1 : 0));
        List<Ref> table = inc.refs.snapshot();
        StatusReportEncoder.TableEncoder lines = w.tableCount(table.size());
        for (Ref ref : table) lines.next().line(describeForInspect(ref));
        List<Port> ps = inc.ports();
        List<Message> queued = inc.inbox.messages();
        StatusReportEncoder.PortsEncoder pe = w.portsCount(ps.size());
        for (Port p : ps) {
            pe.next().port(p.gid).channel(p.firstChannel()).queued(p.queued());
            List<String> heads = new ArrayList<>();
            for (Message m : queued) if (m.port == p && heads.size() < 3) heads.add(m.headText());
            StatusReportEncoder.PortsEncoder.HeadsEncoder he = pe.headsCount(heads.size());
            for (String h : heads) he.next().head(h);
            pe.name(p.name);
        }
        List<Stream> ss = inc.streams();
        StatusReportEncoder.StreamsEncoder se = w.streamsCount(ss.size());
        for (Stream s : ss) se.next().stream(s.gid).channel(s.channel).destination(s.destAddr).unacknowledged(s.unacknowledged()).failure(s.failure).name(s.name);
        List<Dependencies.Dependency> deps = inc.dependsOn;
        StatusReportEncoder.DependenciesEncoder de = w.dependenciesCount(deps.size());
        for (Dependencies.Dependency d : deps) de.next().dependency(Dependencies.modeName(d.mode()) + " on " + Ids.show(d.parent()));
        w.name(inc.name).module(inc.moduleName()).fault(inc.fault).preview(preview).moduleHash(inc.moduleHash());
        k.publisher.respond(src, call, Frames.OK, out);
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
        Response resp = k.requests.request(Ids.node(gid), OP_STATUS, statusRequest(gid), REQUEST_TIMEOUT_NS);
        if (resp.status() != Frames.OK) throw new OperationException("status of " + Ids.show(gid) + ": " + resp.error());
        StatusReportDecoder r = resp.read(new StatusReportDecoder());
        long g = r.incarnation();
        Incarnation.State st = Incarnation.State.values()[r.state()];
        int node = r.node(), prio = r.priority();
        long created = r.createdMillis(), handlerUs = r.handlerMicros(), runs = r.handlerRuns(), bytes = r.stateBytes();
        int queued = r.queued(), nrefs = r.references();
        long parent = r.parent();
        boolean started = r.started() != 0;
        List<String> table = new ArrayList<>();
        for (StatusReportDecoder.TableDecoder line : r.table()) table.add(line.line());
        List<Status.PortStatus> ps = new ArrayList<>();
        for (StatusReportDecoder.PortsDecoder p : r.ports()) {
            long pg = p.port(), pc = p.channel();
            int pq = p.queued();
            List<String> heads = new ArrayList<>();
            for (StatusReportDecoder.PortsDecoder.HeadsDecoder h : p.heads()) heads.add(h.head());
            ps.add(new Status.PortStatus(pg, pc, pq, KernelCodec.orNull(p.name()), heads));
        }
        List<Status.StreamStatus> ss = new ArrayList<>();
        for (StatusReportDecoder.StreamsDecoder s : r.streams()) {
            long sg = s.stream(), sc = s.channel(), sd = s.destination(), su = s.unacknowledged();
            String failure = KernelCodec.orNull(s.failure());
            ss.add(new Status.StreamStatus(sg, sc, sd, su, failure, KernelCodec.orNull(s.name())));
        }
        List<String> deps = new ArrayList<>();
        for (StatusReportDecoder.DependenciesDecoder d : r.dependencies()) deps.add(d.dependency());
        String name = r.name(), module = KernelCodec.orNull(r.module());
        KernelCodec.fits(r, r.faultLength());
        String fault = KernelCodec.orNull(r.fault());
        KernelCodec.fits(r, r.previewLength());
        String preview = KernelCodec.orNull(r.preview());
        String hash = KernelCodec.orNull(r.moduleHash());
        return new Status(g, name, module, st, node, prio, created, handlerUs, runs, bytes, queued, ps, ss, nrefs, parent, fault, started, table, preview, deps, hash);
    }

    // ---- events (§7.2.3)

    void onInterest(int src, long call, InterestDecoder r) {
        long subject = r.subject();
        long watcher = r.watcher();
        int mask = r.mask();
        Incarnation inc = k.local(subject);
        synchronized (inc) {
            inc.interests.removeIf(i -> i.watcher() == watcher);
            if (mask != 0) inc.interests.add(new Incarnation.Interest(watcher, mask));
        }
        k.publisher.respond(src, call, Frames.OK, null);
    }

    /** A watcher anywhere, by id (a creator's output watchers watch its children too: {@link IncarnationOutput#inherit}). */
    void setInterest(long watcher, long subject, int mask) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(32);
        q.begin(new InterestEncoder()).subject(subject).watcher(watcher).mask(mask);
        Response r = k.requests.request(Ids.node(subject), OP_INTEREST, q, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("setInterest: " + r.error());
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
            Event e = new Event(type, inc.gid, inc.name, detail, System.currentTimeMillis());
            k.onKernel(() -> k.publisher.offerEvent(Ids.node(i.watcher()), i.watcher(), e));
        }
    }

    /** A child or watched subject of {@code w} migrated: its node is noted, for {@link #onNodeDown}. */
    private static void relocated(Incarnation w, Event e) {
        int node;
        try {
            node = Integer.parseInt(e.detail());
        } catch (NumberFormatException bad) {
            return; // not from a kernel of ours: nothing to note
        }
        w.children.computeIfPresent(e.subject(), (g, c) -> new Incarnation.Child(c.name(), node));
        if (w.watching.containsKey(e.subject())) w.watchedAt.put(e.subject(), node);
    }

    /**
     * Kernel thread, when a migration commits here: the incarnation's parent and watchers learn its
     * new node (RELOCATED), wherever they are, so that they hear UNREACHABLE if this node dies.
     */
    void tellRelocated(Incarnation inc) {
        java.util.LinkedHashSet<Long> to = new java.util.LinkedHashSet<>();
        if (inc.parentGid != 0) to.add(inc.parentGid);
        synchronized (inc) {
            for (Incarnation.Interest i : inc.interests) to.add(i.watcher());
        }
        Event e = new Event(Event.Type.RELOCATED, inc.gid, inc.name, Integer.toString(k.nodeId()), System.currentTimeMillis());
        for (long w : to) {
            if (Ids.node(w) == k.nodeId()) deliverEvent(w, e); // here, or forwarded to where it went
            else k.publisher.offerEvent(Ids.node(w), w, e); // its birth node forwards it if it moved
        }
    }

    /**
     * A node stopped answering (§7.2.2): each local incarnation hears UNREACHABLE for its children
     * there and for what it watches there (with UNREACHABLE in its interest), since nothing at that
     * node can raise the event now. "There" follows migrations (RELOCATED, {@link #tellRelocated}),
     * and a watcher or parent that migrates takes these records with it (MigrationRecord).
     */
    void onNodeDown(int node) {
        String why = "node " + node + " stopped answering (no heartbeat within the control plane's liveness bound)";
        long now = System.currentTimeMillis();
        for (Incarnation inc : k.incarnations.values()) {
            if (inc.destroyed) continue;
            for (Map.Entry<Long, Incarnation.Child> c : inc.children.entrySet())
                if (c.getValue().node() == node)
                    inc.inbox.put(new Event(Event.Type.UNREACHABLE, c.getKey(), c.getValue().name() != null ? c.getValue().name() : Ids.show(c.getKey()), why, now));
            for (Map.Entry<Long, Integer> w : inc.watching.entrySet()) {
                long subject = w.getKey();
                if ((w.getValue() & Event.Type.UNREACHABLE.bit) != 0 && inc.watchedAt.getOrDefault(subject, Ids.node(subject)) == node
                        && !inc.children.containsKey(subject))
                    inc.inbox.put(new Event(Event.Type.UNREACHABLE, subject, Ids.show(subject), why, now));
            }
        }
    }

    /** Delivers a TIMER event to a local incarnation after a delay (ctx.after). */
    public void timer(Incarnation inc, long delayMs, String tag) {
        long gid = inc.gid;
        String name = inc.name;
        int quota = k.limits.timers;
        if (inc.timersPending.incrementAndGet() > quota) {
            inc.timersPending.decrementAndGet();
            throw new OperationException(name + " has " + quota + " timers pending, its quota (rdc.limit.timers)");
        }
        // Looked up when it fires: the incarnation may have migrated meanwhile (the event follows it).
        // The action holds the incarnation's counter and timer set, never the incarnation: a destroyed
        // one's timers are cancelled (destroyLocal), and nothing of it waits in the queue until due.
        java.util.concurrent.atomic.AtomicInteger pending = inc.timersPending;
        java.util.Set<Timer> live = inc.timers;
        Timer t = new Timer(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMs)), null);
        t.action = () -> {
            pending.decrementAndGet();
            live.remove(t);
            deliverEvent(gid, new Event(Event.Type.TIMER, gid, name, tag, System.currentTimeMillis()));
        };
        live.add(t);
        k.onKernel(() -> timers.add(t));
    }

    /** Timers in the kernel's queue that will still act when due (cancelled ones excluded). */
    public int liveTimers() {
        return k.callOnKernel(() -> {
            int n = 0;
            for (Timer t : timers) if (t.action != null) n++;
            return n;
        });
    }

    /** Delivers an event to a watcher here, or to the node it migrated to (kernel thread). */
    void deliverEvent(long watcher, Event e) {
        Incarnation w = k.incarnations.get(watcher);
        if (w != null) {
            if (e.type() == Event.Type.RELOCATED) relocated(w, e);
            else if (!w.destroyed) w.inbox.put(e);
            return;
        }
        int there = k.migrator.whereNow(watcher);
        if (there == 0) return;
        k.publisher.offerEvent(there, watcher, e);
    }

    /** The handle of a local incarnation's named port or stream. */
    void onIfaceHandle(int src, long call, InterfaceHandleDecoder r) {
        Incarnation inc = k.local(r.incarnation());
        String name = r.name();
        RefDescriptor d = null;
        for (Port p : inc.ports()) if (name.equals(p.name)) d = new RefDescriptor(RefKind.PORT_HANDLE, p.gid, p.firstChannel(), k.nodeId, 0, false, 0);
        for (Stream st : inc.streams()) if (d == null && name.equals(st.name)) d = new RefDescriptor(RefKind.STREAM_HANDLE, st.gid, st.channel, k.nodeId, 0, false, 0);
        if (d == null) throw new OperationException(inc.name + " has no port or stream named " + name);
        KernelCodec.Outgoing out = k.publisher.out;
        d.encode(out.begin(handle).reference());
        k.publisher.respond(src, call, Frames.OK, out);
    }

    /** A snapshot of a local incarnation's state, taken between its handlers. */
    void onSnapshot(int src, long call, long gid) {
        Incarnation inc = k.local(gid);
        Launcher l = k.launcher;
        if (l == null || inc.pseudo) throw new OperationException(inc.name + " has no state to snapshot");
        l.snapshot(inc, (bytes, error) -> k.onKernel(() -> {
            if (error != null) k.publisher.respondError(src, call, error);
            else {
                KernelCodec.Outgoing out = new KernelCodec.Outgoing(bytes.length + 16);
                out.begin(new SnapshotStateEncoder()).putState(bytes, 0, bytes.length);
                k.publisher.respond(src, call, Frames.OK, out);
            }
        }));
    }

    /** The local incarnations of an RDC (0: all), for list. */
    void onList(int src, long call, long rdc) {
        List<Incarnation> list = new ArrayList<>();
        Authority.Acting asking = k.adapter.acting; // an operator sees only the RDCs it has authority over
        for (Incarnation i : k.incarnations.values())
            if (!i.pseudo && !i.destroyed && (rdc == 0 || i.rdcId == rdc) && k.authority.allows(asking, i.rdcId)) list.add(i);
        KernelCodec.Outgoing out = k.publisher.out;
        ListingEncoder.IncarnationsEncoder e = out.begin(listing).incarnationsCount(list.size());
        for (Incarnation i : list)
            e.next().incarnation(i.gid).state((short) i.shownState().ordinal()).queued(i.inbox.messageCount()).handlerMicros(i.handlerNanos / 1000)
                    .rdc(i.rdcId).name(i.name).module(i.moduleName());
        ListingEncoder.ModuleHashesEncoder h = listing.moduleHashesCount(list.size());
        for (Incarnation i : list) h.next().moduleHash(i.moduleHash());
        k.publisher.respond(src, call, Frames.OK, out);
    }

    // ---- encoders of the kernel thread's responses, reused
    private final StatusReportEncoder statusReport = new StatusReportEncoder();
    private final HandleEncoder handle = new HandleEncoder();
    private final ListingEncoder listing = new ListingEncoder();
}
