package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.kernel.codec.*;
import io.rdc.runtime.transport.Wire;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.UnsafeBuffer;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * Migration of incarnations between nodes (§7.4, the M1–M4 algorithm), at both ends.
 *
 * <p>At the source S: the manager's request arrives ({@link #onMigrate}); S asks the destination D to
 * commit resources (PREPARE) and, unless the manager waits for the end, answers it at once. The
 * incarnation is stopped at its next handler boundary (a {@link BoundaryTask} on its own thread,
 * which runs even if it is frozen); what it sent is flushed (nothing of its own in flight); its
 * state and interfaces are taken with references as positions in its table; the kernel record
 * (table, ports, streams with their sequence numbers, buffers, event interests, module) and the
 * state go to D in chunks, and D re-makes everything without starting it (INSTALL). Only when D
 * has it all does S switch, in one step on its kernel thread: ports leave the routing database
 * for redirection entries to their new addresses, queued messages are forwarded in order, events
 * waiting for it are carried along, and D is told to COMMIT — after which D routes the ports,
 * resumes the incarnation, calls {@code onMigrated} (once unfrozen, if it is frozen) and raises MIGRATEDONE.
 *
 * <p>Beyond Equus (whose migration was not atomic, §7.4.4): until the switch nothing at S has
 * changed, so a refusal, a failure or the death of D before it leaves the incarnation running at
 * S with nothing lost. Requests for the incarnation, its streams or its ports that arrive while it
 * moves are held and applied where it ends up; afterwards they are forwarded, as are events.
 *
 * <p>This class is the protocol (§7.4: prepare, transfer, install, commit, abort) with its failure
 * cases, read top to bottom; the record it moves is taken, encoded and shipped by
 * {@link MigrationRecord} (and decoded here, in {@link #onInstall}), and checkpoint, restore and
 * fork, which reuse its destination side, are in {@link Transplants}.
 */
final class Migrator {
    private static final boolean TRACE = Boolean.getBoolean("rdc.migrate.trace");
    static final long INSTALL_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    private final Kernel k;
    /** Incarnations and streams that left this node: id to where they went (kernel thread). */
    private final Long2LongHashMap movedTo = new Long2LongHashMap(0);
    /** Multicast channels this kernel stays a member of for ports that migrated away (kernel thread). */
    final Long2ObjectHashMap<LongArrayList> multicastProxies = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<Outgoing> outgoing = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<Incoming> incoming = new Long2ObjectHashMap<>();
    /** Arrays that arriving records are received into, reused (large records only). */
    final RecordBuffers recordBuffers = new RecordBuffers();

    Migrator(Kernel k) {
        this.k = k;
    }

    /** A migration leaving this node. */
    private static final class Outgoing {
        final Incarnation inc;
        final int dest;
        final long withinNs;
        final int managerNode;
        final long managerCall;
        final boolean waitForEnd;
        final long startNanos = System.nanoTime();
        /** 0 waiting for a handler boundary, 1 moving, 2 ended. */
        final AtomicInteger phase = new AtomicInteger();
        volatile long frozenNanos;
        /** Phase stamps (nanoTime) for -Drdc.migrate.trace: prepared, captured, shipped, installed. */
        volatile long preparedNanos, capturedNanos, shippedNanos, installedNanos;
        volatile String abortedWhy;
        /** The 'within' bound; cancelled at the end so that it does not keep the incarnation (and its state) reachable. */
        volatile Ghosts.Timer timeout;
        /**
         * The INSTALL request's call id, expected on the kernel thread before the incarnation's thread
         * sends the request itself right behind the last chunk (no hop back to the kernel thread).
         */
        volatile long installCall;
        boolean destHasCode;
        boolean answered;
        boolean ended;
        /** Requests for it that came while it moved, replayed (applied or forwarded) at the end. */
        final ArrayList<byte[]> held = new ArrayList<>();

        Outgoing(Incarnation inc, int dest, long withinNs, int managerNode, long managerCall, boolean waitForEnd) {
            this.inc = inc;
            this.dest = dest;
            this.withinNs = withinNs;
            this.managerNode = managerNode;
            this.managerCall = managerCall;
            this.waitForEnd = waitForEnd;
        }
    }

    /** A migration arriving at this node. */
    private static final class Incoming {
        final int from;
        /** The node the incarnation's hook is told it came from, when not {@link #from} (a restore: where it was checkpointed). */
        int origin;
        /** MIGRATE keeps ids; RESTORE and FORK make a new incarnation (new id, name and stream ids). */
        int mode;
        /** The record as it arrives: {@code total} bytes at the start of a (possibly reused, larger) array. */
        byte[] data;
        int total;
        int received;
        /** For -Drdc.migrate.trace: when the first and last chunks came, and the time spent copying them. */
        long firstChunk, lastChunk, copyNanos;
        Incarnation inc;
        final ArrayList<Port> ports = new ArrayList<>();
        final ArrayList<Stream> streams = new ArrayList<>();
        Incarnation.State state;
        boolean frozenRequested;

        final long transfer;
        final long preparedAt = System.nanoTime();

        Incoming(int from, long transfer) {
            this.from = from;
            this.transfer = transfer;
        }
    }

    /** Where an incarnation or stream that left this node went; 0 if it did not. */
    int whereNow(long gid) {
        return (int) movedTo.get(gid);
    }

    // =====================================================================================
    // Requests for moving and moved objects

    /**
     * Holds or forwards a request whose target (its first field) is an incarnation, stream or port
     * that is migrating or has migrated. Returns true when the request was taken care of.
     * {@code bound}: the request carries an operator's MAC, which only this node accepts: it is not
     * forwarded but answered with where its target is now, and the operator's session asks there
     * ({@link Authority#movedTo}; docs/security.md, "Operator tokens").
     */
    boolean intercept(int src, long call, int op, DirectBuffer buf, int off, int len, boolean bound) {
        int target = targetOf(op);
        int subject = target == NONE ? -1 : KernelCodec.subjectAt(op, buf, off + Frames.Q_HEADER, len - Frames.Q_HEADER);
        if (subject < 0) return false;
        long gid = buf.getLong(subject);
        Incarnation owner;
        switch (target) {
            case INC -> {
                Incarnation inc = k.incarnations.get(gid);
                if (inc == null) return forwardTo(whereNow(gid), src, call, bound, buf, off, len, subject - off, 0);
                owner = inc;
            }
            case STREAM -> {
                Stream s = k.router.streams.get(gid);
                if (s == null) return forwardTo(whereNow(gid), src, call, bound, buf, off, len, subject - off, 0);
                owner = s.owner;
            }
            default -> {
                Port p = k.router.ports.get(gid);
                if (p == null) {
                    long next = k.router.redirections.get(gid);
                    return next != 0 && next != gid && forwardTo(Ids.node(next), src, call, bound, buf, off, len, subject - off, next);
                }
                owner = p.owner;
            }
        }
        Outgoing o = outgoing.get(owner.gid);
        if (o == null || op == Kernel.OP_DESTROY || op == Kernel.OP_STATUS) return false;
        byte[] copy = new byte[len];
        buf.getBytes(off, copy);
        o.held.add(copy);
        return true;
    }

    private static final int NONE = 0, INC = 1, STREAM = 2, PORT = 3;
    static final int MIGRATE = 0, RESTORE = 1, FORK = 2;

    private static int targetOf(int op) {
        return switch (op) {
            case Kernel.OP_DESTROY, Kernel.OP_FREEZE, Kernel.OP_UNFREEZE, Kernel.OP_STATUS, Kernel.OP_INTEREST,
                 Kernel.OP_BUFFER_READ, Kernel.OP_BUFFER_WRITE, Kernel.OP_IFACE, Kernel.OP_SNAPSHOT, Kernel.OP_IFACE_HANDLE,
                 Kernel.OP_MIGRATE, Kernel.OP_CHECKPOINT, Kernel.OP_FORK, Kernel.OP_REPLACE -> INC;
            case Kernel.OP_REBIND_STREAM, Kernel.OP_FREEZE_STREAM -> STREAM;
            case Kernel.OP_ACTIVATE, Kernel.OP_ATTACH, Kernel.OP_DETACH, Kernel.OP_REBIND_AT_RECEIVER -> PORT;
            default -> NONE;
        };
    }

    /** Passes a request on unchanged (the answer goes straight to whoever asked), or with a port's new address. */
    private boolean forwardTo(int node, int src, long call, boolean bound, DirectBuffer buf, int off, int len, int subjectInFrame, long newPortGid) {
        if (node == 0 || node == k.nodeId()) return false;
        if (bound) {
            k.publisher.respondError(src, call, Authority.movedTo(k.nodeId(), node));
            return true;
        }
        k.publisher.kbuf.putBytes(0, buf, off, len);
        if (newPortGid != 0) k.publisher.kbuf.putLong(subjectInFrame, newPortGid);
        k.outbox.offer(node, k.publisher.kbuf, 0, len);
        return true;
    }

    // =====================================================================================
    // Source side

    /** M1 at S: a manager (or the incarnation itself) asks for a migration. */
    void onMigrate(int src, long call, MigrateDecoder r) {
        long gid = r.incarnation();
        int dest = r.destination();
        long withinNs = r.withinNanos();
        boolean waitForEnd = r.waitForEnd() != 0;
        Incarnation inc = k.local(gid);
        if (inc.pseudo) throw new OperationException("the operator session cannot migrate");
        if (inc.state == Incarnation.State.FAULTING) throw new OperationException(inc.name + " is FAULTING; it can only be destroyed");
        if (inc.state == Incarnation.State.INCHOATE)
            throw new OperationException(inc.name + " is INCHOATE; unfreeze it first, or create it at node " + dest);
        if (k.pool().node(dest) == null)
            throw new OperationException("node " + dest + " is not in the pool (nodes: " + k.pool().nodeIds() + ")");
        if (dest == k.nodeId()) {
            k.publisher.respond(src, call, Frames.OK, migrated(0, 0));
            return;
        }
        Outgoing o = new Outgoing(inc, dest, withinNs, src, call, waitForEnd);
        outgoing.put(gid, o);
        inc.migratingTo = dest;
        k.requests.requestAsync(dest, Kernel.OP_MIGRATE_PREPARE, prepareRequest(gid, inc.moduleHash()), Kernel.REQUEST_TIMEOUT_NS, resp -> {
            if (o.ended) {
                // Ended (a destroy) before D answered: the abort sent then may have gone ahead of this
                // request (which waited for a new publication to connect). D has the arrival now: drop it.
                if (resp.status() == Frames.OK) k.requests.requestAsync(dest, Kernel.OP_MIGRATE_ABORT, abortRequest(gid), null);
                return;
            }
            if (resp.status() != Frames.OK) {
                end(o, "node " + dest + " refused: " + resp.error(), 0, 0);
                return;
            }
            o.destHasCode = resp.read(new PreparedDecoder()).hasCode() != 0;
            o.preparedNanos = System.nanoTime();
            if (!o.waitForEnd) {
                o.answered = true;
                k.publisher.respond(src, call, Frames.OK, migrated(-1, -1));
            }
            o.installCall = k.requests.expectResponse(dest, withinNs + INSTALL_TIMEOUT_NS, installed -> onInstalled(o, installed));
            k.ghosts.runOnIncarnation(inc, (BoundaryTask) () -> move(o));
            o.timeout = k.ghosts.schedule(withinNs, () -> {
                if (!o.phase.compareAndSet(0, 2)) return;
                k.requests.requestAsync(dest, Kernel.OP_MIGRATE_ABORT, abortRequest(gid), null); // D prepared: it drops what it has
                end(o, "a handler of " + inc.name + " was still running after " + TimeUnit.NANOSECONDS.toMillis(withinNs)
                            + " ms; the migration was abandoned and it carries on at node " + k.nodeId(), 0, 0);
            });
        });
    }

    static KernelCodec.Outgoing migrated(long elapsedNs, long frozenNs) {
        KernelCodec.Outgoing out = new KernelCodec.Outgoing(32);
        out.begin(new MigratedEncoder()).elapsedNanos(elapsedNs).frozenNanos(frozenNs);
        return out;
    }

    static KernelCodec.Outgoing prepareRequest(long transfer, String moduleHash) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(96);
        q.begin(new MigratePrepareEncoder()).transfer(transfer).moduleHash(moduleHash);
        return q;
    }

    static KernelCodec.Outgoing abortRequest(long transfer) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(32);
        q.begin(new MigrateAbortEncoder()).transfer(transfer);
        return q;
    }

    static KernelCodec.Outgoing installRequest(long transfer, int total, int mode, String name, int origin) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(64);
        q.begin(new MigrateInstallEncoder()).transfer(transfer).total(total).mode((short) mode).origin(origin).name(name);
        return q;
    }

    /** Arrivals under way here (a plain read of a kernel-thread map's size: may be momentarily stale). */
    int arrivalsInProgress() {
        return incoming.size();
    }

    /** Kernel thread: the arrivals under way, one line each. */
    String describeArrivals() {
        StringBuilder b = new StringBuilder();
        long now = System.nanoTime();
        incoming.forEach((gid, in) -> b.append(Ids.show(gid)).append(" from node ").append(in.from).append(": ")
                .append(in.inc != null ? "installed" : in.received + " of " + in.total + " bytes").append(", begun ")
                .append(TimeUnit.NANOSECONDS.toMillis(now - in.preparedAt)).append(" ms ago\n"));
        return b.toString();
    }

    /** Kernel thread: a node died; what it had begun to move here can never be committed, so it goes. */
    void onNodeDown(int node) {
        var it = incoming.values().iterator();
        while (it.hasNext()) {
            Incoming in = it.next();
            if (in.from != node) continue;
            it.remove();
            discard(in);
        }
    }

    /** Called when an incarnation is destroyed: a migration under way is abandoned. */
    void abortOutgoing(Incarnation inc, String why) {
        Outgoing o = outgoing.get(inc.gid);
        if (o == null) return;
        o.abortedWhy = why;
        if (o.phase.compareAndSet(0, 2)) end(o, "aborted: " + why, 0, 0);
        k.requests.requestAsync(o.dest, Kernel.OP_MIGRATE_ABORT, abortRequest(inc.gid), null);
    }

    /** M2–M3 on the incarnation's own thread, at a handler boundary: stop, flush, take the state, ship it. */
    private void move(Outgoing o) {
        if (!o.phase.compareAndSet(0, 1)) return;
        Incarnation inc = o.inc;
        inc.migrating = true;
        o.frozenNanos = System.nanoTime();
        try {
            MigrationRecord.Record record = k.records.takeRecord(inc, o.destHasCode, null);
            o.capturedNanos = System.nanoTime();
            checkNotAborted(o);
            k.records.ship(o.dest, inc.gid, record);
            o.shippedNanos = System.nanoTime();
            // INSTALL follows the chunks on the same publication, from this thread; its answer is taken on
            // the kernel thread (onInstalled). This thread need not wake again: it waits, stopped, while
            // 'migrating' is set, and ends with the switch.
            KernelCodec.Outgoing install = installRequest(inc.gid, record.length(), MIGRATE, null, 0);
            if (k.publisher.offerFrame(o.dest, Frames.REQUEST, o.installCall, Kernel.OP_MIGRATE_INSTALL, install) != Frames.OK)
                throw new OperationException("node " + o.dest + " is unreachable");
        } catch (RuntimeException e) {
            // A destroy while it ships cancels the context under the capture: say so, not what that broke.
            String aborted = abortedWhy(o);
            String why = aborted != null ? aborted : e.getMessage() == null ? e.toString() : e.getMessage();
            k.onKernel(() -> failMoving(o, why));
        }
    }

    /** Kernel thread: D has re-made it (or could not); on success, the switch. */
    private void onInstalled(Outgoing o, Kernel.Response resp) {
        if (o.ended) return;
        o.installedNanos = System.nanoTime();
        if (resp.status() != Frames.OK) {
            failMoving(o, "node " + o.dest + " could not take it: " + resp.error());
            return;
        }
        Long2LongHashMap portMap = new Long2LongHashMap(0);
        for (InstalledDecoder.PortsDecoder p : resp.read(new InstalledDecoder()).ports()) portMap.put(p.oldPort(), p.newPort());
        switchOver(o, portMap);
    }

    /** Kernel thread: a migration failed after the incarnation stopped; D drops what it has, it carries on here. */
    private void failMoving(Outgoing o, String why) {
        k.requests.requestAsync(o.dest, Kernel.OP_MIGRATE_ABORT, abortRequest(o.inc.gid), null);
        end(o, why, 0, 0);
    }

    private static void checkNotAborted(Outgoing o) {
        String why = abortedWhy(o);
        if (why != null) throw new OperationException(why);
    }

    /** Why the migration was abandoned (a destroy), or null. */
    private static String abortedWhy(Outgoing o) {
        if (o.abortedWhy != null) return "aborted: " + o.abortedWhy;
        if (o.inc.destroyed) return "aborted: " + o.inc.name + " was destroyed";
        return null;
    }

    /** M4 at S, in one step on the kernel thread: the routes, the queue and the events go to D. */
    private void switchOver(Outgoing o, Long2LongHashMap portMap) {
        Incarnation inc = o.inc;
        String aborted = abortedWhy(o);
        if (aborted != null) {
            failMoving(o, aborted);
            return;
        }
        List<Port> withHeld = new ArrayList<>(0); // ports whose held arrivals follow them (see below)
        LongArrayList stillHolding = new LongArrayList(); // their new addresses, for those holding senders
        for (Port p : inc.ports()) {
            long to = portMap.get(p.gid);
            if (to == 0) continue;
            if (p.holdSenders || !p.held.isEmpty()) withHeld.add(p);
            if (p.holdSenders) stillHolding.addLong(to);
            for (long ch : p.channels()) {
                if (Ids.isMulticast(ch)) {
                    // This node stays on the group for it (a proxy member): one path, in order, no duplicates.
                    ArrayList<Port> members = k.router.channelPorts.get(ch);
                    if (members != null && members.contains(p)) multicastProxies.computeIfAbsent(ch, c -> new LongArrayList()).addLong(to);
                } else {
                    k.router.channelRedirections.put(ch, to);
                }
                k.router.unroute(p, ch);
            }
            // Proxies kept here for this port's earlier self now point at its new address.
            for (LongArrayList l : multicastProxies.values()) {
                int i = l.indexOf(p.gid);
                if (i >= 0) l.setLong(i, to);
            }
            // A port whose traffic went elsewhere (retained after propagation: its receiver activated the
            // new port, §6.2.1) keeps the redirection made then; only a port still receiving here gets one to D.
            if (k.router.ports.get(p.gid) == p) {
                k.router.ports.remove(p.gid);
                k.router.redirections.put(p.gid, to);
            }
            p.closed = true;
        }
        // Queued messages go first, in arrival order; what arrives from now on follows the redirections.
        List<Event> events = new ArrayList<>();
        for (Message m : inc.inbox.drainMessages()) {
            long to = portMap.get(m.port.gid);
            if (to != 0) k.publisher.forwardMessage(m, to);
            else k.sender.failInvoker(m, inc.name + " migrated and its port " + Ids.show(m.port.gid) + " did not");
        }
        Object item;
        while ((item = inc.inbox.poll(x -> x instanceof Event)) != null) events.add((Event) item);
        for (Stream s : inc.streams()) {
            k.router.streams.remove(s.gid);
            movedTo.put(s.gid, o.dest);
        }
        movedTo.put(inc.gid, o.dest);
        k.incarnations.remove(inc.gid);
        long now = System.nanoTime();
        if (TRACE)
            System.err.printf("migrate %s: prepare %.3f, wait %.3f, capture %.3f, ship %.3f, install %.3f, switch %.3f ms%n", inc.name,
                    (o.preparedNanos - o.startNanos) / 1e6, (o.frozenNanos - o.preparedNanos) / 1e6, (o.capturedNanos - o.frozenNanos) / 1e6,
                    (o.shippedNanos - o.capturedNanos) / 1e6, (o.installedNanos - o.shippedNanos) / 1e6, (now - o.installedNanos) / 1e6);
        // A retained port whose senders are held (§6.2.4) stays holding where it went: COMMIT says so,
        // and the arrivals held here follow COMMIT on the same publication, ahead of any later arrival
        // (which follows the redirection); the new port's receiver gets them all when it activates.
        KernelCodec.Outgoing w = commitRequest(inc.gid, k.nodeId(), now - o.startNanos, now - o.frozenNanos, events, stillHolding);
        k.requests.requestAsync(o.dest, Kernel.OP_MIGRATE_COMMIT, w, Kernel.REQUEST_TIMEOUT_NS, resp -> {
            // The old record is gone either way: its thread ends, its context closes.
            inc.livesOnElsewhere = true;
            inc.destroyed = true;
            inc.inbox.poke();
            if (resp.status() != Frames.OK) {
                end(o, "node " + o.dest + " failed after taking " + inc.name + ": " + resp.error(), 0, 0);
                return;
            }
            MigratedDecoder done = resp.read(new MigratedDecoder());
            end(o, null, done.elapsedNanos(), done.frozenNanos());
        });
        for (Port p : withHeld) {
            long to = portMap.get(p.gid);
            for (byte[] f : p.held) k.publisher.forwardFrame(new UnsafeBuffer(f), 0, f.length, to, 0, 0);
            p.held.clear();
            p.holdSenders = false;
        }
    }

    /** The end of a migration at S, either way: the manager hears, held requests are applied or forwarded. */
    private void end(Outgoing o, String error, long elapsedNs, long frozenNs) {
        if (o.ended) return;
        o.ended = true;
        o.phase.set(2);
        Ghosts.Timer t = o.timeout;
        if (t != null) t.cancel();
        if (o.installCall != 0) k.requests.forgetResponse(o.installCall);
        Incarnation inc = o.inc;
        outgoing.remove(inc.gid);
        inc.migratingTo = 0;
        if (error != null && !inc.destroyed) {
            inc.migrating = false; // it carries on here
            inc.inbox.poke();
        }
        if (error != null) k.ghosts.raise(inc, Event.Type.MIGRATEFAILED, error);
        if (!o.answered) {
            o.answered = true;
            if (error != null) k.publisher.respondError(o.managerNode, o.managerCall, "migrate " + inc.name + " to node " + o.dest + ": " + error);
            else k.publisher.respond(o.managerNode, o.managerCall, Frames.OK, migrated(elapsedNs, frozenNs));
        }
        for (byte[] f : o.held) k.adapter.onRequest(new UnsafeBuffer(f), 0, f.length);
    }

    // =====================================================================================
    // Destination side

    /** The RDC of an arrival whose record has come whole (its second field), or 0. Kernel thread. */
    long rdcOfArrival(long gid) {
        Incoming in = incoming.get(gid);
        if (in == null || in.data == null || in.received < 16) return 0;
        return new Wire.Reader(new UnsafeBuffer(in.data), 8, 8).i64();
    }

    /** M1 at D: commit resources (or refuse), and say whether the module's code is needed. */
    static KernelCodec.Outgoing commitRequest(long transfer, int from, long elapsedNs, long frozenNs, List<Event> events, LongArrayList holding) {
        KernelCodec.Outgoing w = new KernelCodec.Outgoing(128);
        MigrateCommitEncoder e = w.begin(new MigrateCommitEncoder()).transfer(transfer).from(from).elapsedNanos(elapsedNs).frozenNanos(frozenNs);
        MigrateCommitEncoder.EventsEncoder ee = e.eventsCount(events.size());
        for (Event ev : events)
            ee.next().eventType((short) ev.type().ordinal()).subject(ev.subject()).atMillis(ev.atMillis()).subjectName(ev.subjectName()).detail(ev.detail());
        MigrateCommitEncoder.HoldingEncoder he = e.holdingCount(holding.size());
        for (int i = 0; i < holding.size(); i++) he.next().port(holding.getLong(i));
        return w;
    }

    void onPrepare(int src, long call, MigratePrepareDecoder r) {
        long gid = r.transfer();
        String hash = r.moduleHash();
        if (!k.acceptingIncarnations) throw new OperationException("node " + k.nodeId() + " is not allocated to new incarnations");
        if (k.launcher() == null) throw new OperationException("node " + k.nodeId() + " has no incarnation host");
        Incoming in = new Incoming(src, gid);
        Incoming old = incoming.put(gid, in);
        if (old != null) discard(old);
        ModuleStore.Module mod = k.loader.modules().get(hash);
        if (mod != null) k.launcher().prepareArrival(gid, mod); // load it while the source ships the state
        KernelCodec.Outgoing out = k.publisher.out;
        out.begin(prepared).hasCode((short) (mod != null ? 1 : 0));
        k.publisher.respond(src, call, Frames.OK, out);
    }

    /** A piece of the record (no response: the INSTALL request that follows on the same path is answered). */
    private final PreparedEncoder prepared = new PreparedEncoder();

    void onChunk(MigrateChunkDecoder r) {
        long gid = r.transfer();
        int offset = r.at();
        int total = r.total();
        Incoming in = incoming.get(gid);
        if (in == null) return;
        int n = r.pieceLength();
        // Chunks come in order on one publication. One that does not fit its claims is dropped: INSTALL
        // then finds the record incomplete and says so.
        // n is checked against the bytes the frame really holds before anything is allocated for it
        // (the fuzz test found a 53-byte chunk claiming 2 GB allocate that much).
        if (total < 0 || !KernelCodec.holds(r, n) || offset != (in.total == total ? in.received : 0) || (long) offset + n > total) return;
        if (in.data == null || in.total != total) {
            recordBuffers.release(in.data);
            in.data = null;
            in.total = total;
            in.received = 0;
        }
        if (in.data == null || in.data.length < offset + n) in.data = grow(in.data, in.received, offset + n, total);
        long t0 = TRACE ? System.nanoTime() : 0;
        if (TRACE && in.firstChunk == 0) in.firstChunk = t0;
        in.received += r.getPiece(in.data, offset, n); // from Aeron's log straight into place
        if (TRACE) {
            in.lastChunk = System.nanoTime();
            in.copyNanos += in.lastChunk - t0;
        }
    }

    /**
     * Room for a record as it arrives, not as its chunks claim (issue 21: a frame's claim must not make
     * the node allocate): at most 8 × the bytes that have come, at least 64 KB, until the claimed total
     * fits, then a pooled array of that size. Regrowing copies at most about a seventh of the record.
     */
    private byte[] grow(byte[] old, int filled, int need, int total) {
        long want = Math.min(total, Math.max(need, Math.max(64 * 1024L, 8L * need)));
        byte[] b = want == total ? recordBuffers.take(total) : new byte[(int) want];
        if (old != null && filled > 0) System.arraycopy(old, 0, b, 0, filled);
        recordBuffers.release(old);
        return b;
    }

    /** M2–M3 at D: re-make the record, ports (not yet routed), streams, table; load and restore the code. */
    void onInstall(int src, long call, MigrateInstallDecoder req) {
        long gid = req.transfer();
        int total = req.total();
        int mode = req.mode();
        int origin = req.origin();
        String newName = KernelCodec.orNull(req.name());
        Incoming in = incoming.get(gid);
        if (in == null) throw new OperationException("no migration of " + Ids.show(gid) + " was prepared at node " + k.nodeId());
        in.origin = origin; // a restore: where it was checkpointed, not who restores it (issue 14)
        if (TRACE) // the chunks' span against the time copying them: the rest is waiting for Aeron's flow control
            System.err.printf("receive %d bytes: first to last chunk %.3f ms, copying %.3f ms%n", total, (in.lastChunk - in.firstChunk) / 1e6, in.copyNanos / 1e6);
        if (in.data == null || in.total != total || in.received != total)
            throw new OperationException("the record arrived incomplete (" + in.received + " of " + total + " bytes)");
        Wire.Reader r = new Wire.Reader(new UnsafeBuffer(in.data), 0, total);
        long g = r.i64(), rdc = r.i64();
        String name = r.str();
        long parent = r.i64();
        in.mode = mode;
        if (mode != MIGRATE) {
            // A new incarnation from the record: its own id and streams (the original may still run).
            if (mode == FORK) parent = g;
            g = k.newGid();
            name = newName != null && !newName.isEmpty() ? newName : name + (mode == FORK ? "-fork" : "-restored");
        }
        String hash = r.str(), moduleName = r.str(), code = r.str(), args = r.str();
        int priority = r.i32();
        boolean frozenRequested = r.bool();
        Incarnation.State state = Incarnation.State.values()[r.i8()];
        long handlerNanos = r.i64(), handlerRuns = r.i64(), created = r.i64(), stateSize = r.i64();
        String statePreview = r.str();
        String refused = k.placement.refusal(rdc, moduleName, (mode == MIGRATE ? "migration of " : "arrival of ") + name, k.adapter.acting);
        if (refused != null) throw new OperationException(refused);
        ModuleStore.Module mod = code != null ? k.loader.modules().add(moduleName, code) : k.loader.modules().get(hash);
        if (mod == null) throw new OperationException("module " + moduleName + " (" + hash + ") is not at node " + k.nodeId());
        Incarnation inc = new Incarnation(k, g, rdc, name, parent, mod, args, state, created);
        inc.priority = priority;
        inc.frozenRequested = frozenRequested;
        inc.handlerNanos = handlerNanos;
        inc.handlerRuns = handlerRuns;
        inc.stateBytes = stateSize; // measured at the source: no need to measure it again on arrival
        inc.statePreview = statePreview;
        inc.wantStateSize = false;
        inc.started = true; // it ran its preamble and init where it was made
        inc.migrating = true; // until COMMIT
        in.inc = inc;
        in.state = state;
        in.frozenRequested = frozenRequested;
        for (int i = r.i32(); i > 0; i--) inc.interests.add(new Incarnation.Interest(r.i64(), r.i32()));
        for (int i = r.i32(); i > 0; i--) inc.buffers.put(r.i64(), r.bytes());
        inc.held.read(r);
        List<Ref> table = new ArrayList<>();
        Long2ObjectHashMap<Port> byOld = new Long2ObjectHashMap<>();
        LongArrayList pairs = new LongArrayList();
        for (int i = r.i32(); i > 0; i--) {
            RefKind kind = RefKind.of(r.i8());
            int rights = r.i32();
            boolean noFurther = r.bool();
            Object target;
            if (kind == RefKind.STREAM) {
                long sg = r.i64(), ch = r.i64(), dest = r.i64(), lastSeq = r.i64();
                if (mode != MIGRATE) {
                    sg = k.newGid();
                    lastSeq = 0;
                }
                Stream s = new Stream(sg, inc, ch, dest);
                s.lastSeq = lastSeq;
                s.ackedSeq = lastSeq;
                s.name = r.str();
                s.frozen = r.bool();
                s.failure = r.str();
                long rtc = r.i64(), rta = r.i64(), rte = r.i64();
                s.sent = r.i64();
                long epoch = r.i64(), issued = r.i64();
                if (mode == MIGRATE) { // the same stream: its binding epochs go on (a new one starts afresh)
                    if (rtc != 0) s.retarget = new Stream.Retarget(rtc, rta, rte);
                    s.epoch = epoch;
                    s.epochsIssued = issued;
                }
                inc.streams.add(s);
                in.streams.add(s);
                k.router.streams.put(sg, s);
                target = s;
            } else if (kind == RefKind.PORT) {
                long old = r.i64();
                String pname = r.str();
                int nch = r.i32();
                Port p = new Port(k.newGid(), inc, 0);
                p.channels.clear();
                for (int c = 0; c < nch; c++) p.channels.addLong(r.i64());
                p.name = pname;
                inc.ports.add(p);
                in.ports.add(p);
                k.router.ports.put(p.gid, p); // reachable by address (forwarded queue) before its channels are routed
                byOld.put(old, p);
                pairs.addLong(old);
                pairs.addLong(p.gid);
                target = p;
            } else {
                target = RefDescriptor.read(r);
            }
            Ref ref = inc.refs.add(kind, target, rights, noFurther);
            if (target instanceof Port p) p.ownerRef = ref;
            table.add(ref);
        }
        int[] stateAt = r.skipBytes(), ifacesAt = r.skipBytes(); // decoded in place by the new context
        if (r.hasMore()) for (int i = r.i32(); i > 0; i--) {
            String label = r.str();
            int at = r.i32();
            if (at < 0 || at >= table.size()) throw new OperationException("corrupt record: stream-space port " + at + " of " + table.size());
            // A fork is a new incarnation: what the original got from stream space is the original's to return.
            if (mode != FORK) inc.spacePorts.put(label, table.get(at));
        }
        if (r.hasMore()) for (int i = r.i32(); i > 0; i--) {
            long on = r.i64();
            int dm = r.i32();
            // A fork is a new incarnation, nobody's dependent yet; a moved or restored one keeps its parents.
            if (mode != FORK && dm > Dependencies.NONE && dm <= Dependencies.GROUP) inc.dependsOn.add(new Dependencies.Dependency(on, dm));
        }
        // Its children and what it watches, with their nodes (a fork is a new incarnation: none of its own yet).
        if (r.hasMore()) for (int i = r.i32(); i > 0; i--) {
            long kid = r.i64();
            String kidName = r.str();
            int at = r.i32();
            if (mode != FORK) inc.children.put(kid, new Incarnation.Child(kidName, at));
        }
        if (r.hasMore()) for (int i = r.i32(); i > 0; i--) {
            long subject = r.i64();
            int mask = r.i32(), at = r.i32();
            if (mode == FORK) continue;
            inc.watching.put(subject, mask);
            if (at != 0) inc.watchedAt.put(subject, at);
        }
        byte[] data = in.data;
        in.data = null;
        k.launcher().resume(inc, new Launcher.Arrival(data, stateAt[0], stateAt[1], ifacesAt[0], ifacesAt[1], table, byOld::get, in.origin > 0 ? in.origin : in.from, mode, gid),
                () -> {
                    // Answered from the arriving incarnation's thread as soon as it has its state: no hop
                    // through this kernel thread (nothing here depends on the answer's order).
                    KernelCodec.Outgoing ok = new KernelCodec.Outgoing(32 + pairs.size() * 8);
                    InstalledEncoder.PortsEncoder pe = ok.begin(new InstalledEncoder()).incarnation(inc.gid).portsCount(pairs.size() / 2);
                    for (int i = 0; i < pairs.size(); i += 2) pe.next().oldPort(pairs.getLong(i)).newPort(pairs.getLong(i + 1));
                    recordBuffers.release(data); // decoded: nothing reads it any more
                    if (k.publisher.offerFrame(src, Frames.RESPONSE, call, Frames.OK, ok) != Frames.OK)
                        k.onKernel(() -> {
                            incoming.remove(gid);
                            discard(in);
                        });
                },
                why -> k.onKernel(() -> {
                    recordBuffers.release(data);
                    incoming.remove(gid);
                    discard(in);
                    k.publisher.respondError(src, call, "restoring " + inc.name + " failed: " + why);
                }));
    }

    /** M4 at D: route the ports, resume the incarnation, raise MIGRATEDONE. */
    void onCommit(int src, long call, MigrateCommitDecoder r) {
        long gid = r.transfer();
        int from = r.from();
        long elapsed = r.elapsedNanos(), frozen = r.frozenNanos();
        Incoming in = incoming.remove(gid);
        if (in == null || in.inc == null) throw new OperationException("no migration of " + Ids.show(gid) + " is installed at node " + k.nodeId());
        Incarnation inc = in.inc;
        for (Port p : in.ports)
            for (long ch : p.channels())
                // A migrated multicast port is served by its proxy member (the node it first left); a
                // restored or forked one is a new member of the group.
                if (!Ids.isMulticast(ch) || in.mode != MIGRATE) {
                    k.router.route(p, ch);
                    if (!Ids.isMulticast(ch)) k.router.channelRedirections.remove(ch);
                }
        movedTo.remove(inc.gid);
        for (Stream s : in.streams) movedTo.remove(s.gid);
        k.incarnations.put(inc.gid, inc);
        for (MigrateCommitDecoder.EventsDecoder e : r.events()) {
            Event.Type type = Event.Type.values()[e.eventType()];
            long subject = e.subject(), at = e.atMillis();
            String subjectName = KernelCodec.orNull(e.subjectName());
            inc.inbox.put(new Event(type, subject, subjectName, KernelCodec.orNull(e.detail()), at));
        }
        // Retained ports still holding their senders (§6.2.4): the held arrivals come next from S, and wait here.
        for (MigrateCommitDecoder.HoldingDecoder h : r.holding()) {
            Port p = k.router.ports.get(h.port());
            if (p != null) p.holdSenders = true;
        }
        long total = elapsed; // S measured from the request to its switch; the commit is one message more
        inc.migrating = false;
        k.dependencies.arrived(inc);
        inc.inbox.poke();
        if (in.mode == MIGRATE) k.ghosts.tellRelocated(inc);
        k.ghosts.raise(inc, Event.Type.MIGRATEDONE, "from node " + from + " to node " + k.nodeId() + " in "
                + String.format(java.util.Locale.ROOT, "%.3f", total / 1e6) + " ms (frozen "
                + String.format(java.util.Locale.ROOT, "%.3f", frozen / 1e6) + " ms)");
        k.publisher.respond(src, call, Frames.OK, migrated(total, frozen));
    }

    /** S gave up (a failure, a destroy): whatever was installed here goes. */
    void onAbort(int src, long call, long gid) {
        Incoming in = incoming.remove(gid);
        if (in != null) discard(in);
        k.publisher.respond(src, call, Frames.OK, null);
    }

    private void discard(Incoming in) {
        Launcher launcher = k.launcher();
        if (launcher != null) launcher.discardArrival(in.transfer);
        recordBuffers.release(in.data); // null once handed to the arriving incarnation (which releases it)
        in.data = null;
        Incarnation inc = in.inc;
        if (inc == null) return;
        for (Port p : in.ports) {
            p.closed = true;
            k.router.ports.remove(p.gid);
        }
        for (Stream s : in.streams) k.router.streams.remove(s.gid);
        inc.livesOnElsewhere = true; // the original runs on at its node, and writes its files' buffers
        inc.destroyed = true;
        inc.inbox.poke();
        ControlThreads.kill(k.launcher(), inc);
    }

    /**
     * Migrates an incarnation to {@code node} (§7.4). A handler running when it is asked is waited
     * for up to {@code withinNs}. With {@code waitForEnd} this returns when the incarnation runs at
     * the destination (or throws why it stayed where it was); without, as soon as the destination
     * has committed resources — the end is then told by a MIGRATEDONE or MIGRATEFAILED event. An
     * incarnation migrating itself must not wait (it moves when its handler returns).
     */
    public Migration migrate(long gid, int node, long withinNs, boolean waitForEnd) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(48);
        q.begin(new MigrateEncoder()).incarnation(gid).destination(node).withinNanos(withinNs).waitForEnd((short) (waitForEnd ? 1 : 0));
        Response r = k.requests.request(Ids.node(gid), OP_MIGRATE, q, withinNs + Migrator.INSTALL_TIMEOUT_NS + REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException(r.error());
        MigratedDecoder d = r.read(new MigratedDecoder());
        return new Migration(d.elapsedNanos(), d.frozenNanos());
    }
}
