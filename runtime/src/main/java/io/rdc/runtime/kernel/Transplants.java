package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.kernel.codec.*;
import io.rdc.runtime.transport.Payload;
import io.rdc.runtime.util.ByteSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * Checkpoint, restore and fork (§9.2, §5.3): the migration record written to a file or made into a
 * new incarnation at another node, by the same PREPARE, chunks, INSTALL and COMMIT as a migration
 * (the {@link Migrator}'s destination side), with a new id instead of the original's.
 */
final class Transplants {
    private final Kernel k;

    Transplants(Kernel k) {
        this.k = k;
    }

    // =====================================================================================
    // Checkpoint, restore, fork: the same record, to a file or to a new incarnation

    /** Runs {@code work} on the incarnation's thread at its next handler boundary, or fails it after {@code withinNs}. */
    void atBoundary(Incarnation inc, long withinNs, int src, long call, String what, java.util.function.Supplier<Payload> work) {
        AtomicInteger phase = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Ghosts.Timer> timeout = new java.util.concurrent.atomic.AtomicReference<>();
        k.ghosts.runOnIncarnation(inc, (BoundaryTask) () -> {
            if (!phase.compareAndSet(0, 1)) return;
            Ghosts.Timer t = timeout.get();
            if (t != null) t.cancel();
            try {
                Payload w = work.get();
                k.publisher.respondFromAnyThread(src, call, Frames.OK, w);
            } catch (RuntimeException e) {
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                k.onKernel(() -> k.publisher.respondError(src, call, what + " " + inc.name + ": " + why));
            }
        });
        timeout.set(k.ghosts.schedule(withinNs, () -> {
            if (phase.compareAndSet(0, 2))
                k.publisher.respondError(src, call, what + " " + inc.name + ": a handler was still running after "
                        + TimeUnit.NANOSECONDS.toMillis(withinNs) + " ms; nothing was done");
        }));
    }

    /**
     * Hot code replacement (issue 19, R5) at the incarnation's node: at a handler boundary its state
     * moves into a context of the new module (whose {@code upgrade} may transform it); ports, streams,
     * queue, references, parents and interests stay, as they belong to the incarnation, not its code.
     * If the new code fails to load or its upgrade throws, the old code runs on untouched.
     */
    void onReplace(int src, long call, ReplaceDecoder r) {
        Incarnation inc = k.local(r.incarnation());
        long withinNs = r.withinNanos();
        String name = r.moduleName();
        String code = r.code();
        if (inc.pseudo) throw new OperationException("the operator session has no code to replace");
        if (inc.state == Incarnation.State.FAULTING) throw new OperationException(inc.name + " is FAULTING; it can only be destroyed");
        Launcher l = k.launcher();
        if (l == null) throw new OperationException("node " + k.nodeId() + " has no incarnation host");
        ModuleStore.Module next = k.loader.modules().add(name, code);
        String refused = k.placement.refusal(inc.rdcId, next.name(), "replacing the code of " + inc.name, k.adapter.acting);
        if (refused != null) throw new OperationException(refused);
        atBoundary(inc, withinNs, src, call, "replace", () -> {
            String failed = l.replace(inc, next);
            if (failed != null) throw new OperationException(failed);
            inc.module = next; // what a migration or checkpoint carries from now on
            return null;
        });
    }

    void replace(long gid, ModuleStore.Module module, long withinNs) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(64 + module.code().length() * 3);
        q.begin(new ReplaceEncoder()).incarnation(gid).withinNanos(withinNs).moduleName(module.name()).code(module.code());
        Response r = k.requests.request(Ids.node(gid), OP_REPLACE, q, withinNs + REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException(r.error());
    }

    /** checkpoint(inc, file) at the incarnation's node: written there; with destroy, its ports are parked. */
    void onCheckpoint(int src, long call, CheckpointDecoder r) {
        Incarnation inc = k.local(r.incarnation());
        long withinNs = r.withinNanos();
        boolean destroy = r.destroy() != 0;
        // Confined to the pool's checkpoint directory here, at the node, before anything is touched.
        java.nio.file.Path path = k.pool().checkpoints().forWriting(r.file(), "checkpoint of " + inc.name);
        if (inc.pseudo) throw new OperationException("the operator session has no state to checkpoint");
        if (inc.state == Incarnation.State.FAULTING || inc.state == Incarnation.State.INCHOATE)
            throw new OperationException(inc.name + " is " + inc.state + "; it cannot be checkpointed");
        atBoundary(inc, withinNs, src, call, "checkpoint", () -> {
            byte[] record = k.records.takeRecord(inc, false, null).toBytes();
            long bytes = CheckpointFile.write(path, record, k.pool().key(), k.nodeId());
            if (destroy) k.callOnKernel(() -> {
                park(inc);
                return null;
            });
            KernelCodec.Outgoing written = new KernelCodec.Outgoing(32);
            written.begin(new CheckpointWrittenEncoder()).bytes(bytes);
            return written;
        });
    }

    /**
     * Destroys an incarnation but keeps its ports routed, queueing what arrives (and keeping its
     * invokers waiting) until a restore takes them over.
     */
    void park(Incarnation inc) {
        inc.parked = true;
        inc.livesOnElsewhere = true;
        inc.destroyed = true;
        inc.state = Incarnation.State.DEAD;
        k.incarnations.remove(inc.gid);
        for (Stream s : inc.streams()) k.router.streams.remove(s.gid);
        inc.inbox.poke();
        ControlThreads.kill(k.launcher(), inc);
        k.ghosts.raise(inc, Event.Type.DEAD, "checkpointed and destroyed; its ports wait for a restore");
    }

    /** A record (from a checkpoint or a fork) made into a new incarnation at {@code node}; returns {new id, port pairs}. */
    long[] transplant(int node, byte[] record, int mode, String name) {
        return transplant(node, record, mode, name, 0);
    }

    /** As above; {@code origin} (a restore: the node it was checkpointed at) is the new incarnation's {@code from}, else this node. */
    long[] transplant(int node, byte[] record, int mode, String name, int origin) {
        long transfer = k.newGid();
        String hash = MigrationRecord.moduleOf(record)[0];
        Kernel.Response prep = k.requests.request(node, Kernel.OP_MIGRATE_PREPARE, Migrator.prepareRequest(transfer, hash), Kernel.REQUEST_TIMEOUT_NS);
        if (prep.status() != Frames.OK) throw new OperationException("node " + node + " refused: " + prep.error());
        Kernel.Response resp;
        try {
            k.records.ship(node, transfer, ByteSource.of(record));
            resp = k.requests.request(node, Kernel.OP_MIGRATE_INSTALL, Migrator.installRequest(transfer, record.length, mode, name, origin),
                    Migrator.INSTALL_TIMEOUT_NS);
            if (resp.status() != Frames.OK) throw new OperationException("node " + node + " could not make it: " + resp.error());
        } catch (OperationException e) {
            // Prepared (a context readied), perhaps half-made: abort, so the node keeps nothing of it.
            abortTransplant(node, transfer);
            throw e;
        }
        InstalledDecoder installed = resp.read(new InstalledDecoder());
        long gid = installed.incarnation();
        InstalledDecoder.PortsDecoder ports = installed.ports();
        long[] out = new long[2 + 2 * ports.count()];
        out[0] = transfer;
        out[1] = gid;
        for (int i = 2; i < out.length; i += 2) {
            ports.next();
            out[i] = ports.oldPort();
            out[i + 1] = ports.newPort();
        }
        return out;
    }

    void commitTransplant(int node, long transfer) {
        Kernel.Response r = k.requests.request(node, Kernel.OP_MIGRATE_COMMIT,
                Migrator.commitRequest(transfer, k.nodeId(), 0, 0, List.of(), new org.agrona.collections.LongArrayList()), Kernel.REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("node " + node + " did not start it: " + r.error());
    }

    void abortTransplant(int node, long transfer) {
        try {
            k.requests.request(node, Kernel.OP_MIGRATE_ABORT, Migrator.abortRequest(transfer), Kernel.REQUEST_TIMEOUT_NS);
        } catch (OperationException ignored) {
            // the node is gone: nothing of it remains there either
        }
    }

    /**
     * restore(file, node): the checkpointed incarnation re-made at {@code node} under a new id; its
     * ports take over the parked originals (with what queued there meanwhile) or, if those are
     * gone, attach afresh to their channels. Refused, with nothing created, if a port is still held
     * by a running incarnation.
     */
    long restore(byte[] record, int node, String name) {
        return restore(record, node, name, 0);
    }

    long restore(byte[] record, int node, String name, int origin) {
        long[] t = transplant(node, record, Migrator.RESTORE, name, origin);
        try {
            for (int i = 2; i < t.length; i += 2) {
                Kernel.Response r = k.requests.request(Ids.node(t[i]), Kernel.OP_ACTIVATE, Reconfiguration.activateRequest(t[i], t[i + 1], true, 1),
                        Kernel.REQUEST_TIMEOUT_NS);
                if (r.status() != Frames.OK) throw new OperationException(r.error());
            }
        } catch (OperationException e) {
            abortTransplant(node, t[0]);
            throw new OperationException("restore: " + e.getMessage());
        }
        for (int i = 2; i < t.length; i += 2) {
            try {
                k.requests.request(Ids.node(t[i]), Kernel.OP_ACTIVATE, Reconfiguration.activateRequest(t[i], t[i + 1], true, 2), Kernel.REQUEST_TIMEOUT_NS);
            } catch (OperationException e) {
                // its node is gone with the queue: the restored port takes the channel afresh
            }
        }
        commitTransplant(node, t[0]);
        return t[1];
    }

    /** The operator's fork of an incarnation: done by the incarnation itself at its next handler boundary. */
    void onFork(int src, long call, ForkDecoder r) {
        Incarnation inc = k.local(r.incarnation());
        int node = r.node();
        long withinNs = r.withinNanos();
        List<String> portNames = new ArrayList<>();
        for (ForkDecoder.PortsDecoder p : r.ports()) portNames.add(p.port());
        String name = KernelCodec.orNull(r.name());
        atBoundary(inc, withinNs, src, call, "fork", () -> {
            List<Port> listed = new ArrayList<>();
            for (String pn : portNames) {
                Port found = null;
                for (Port p : inc.ports()) if (pn.equals(p.name)) found = p;
                if (found == null) throw new OperationException(inc.name + " has no port named " + pn);
                listed.add(found);
            }
            Fork f = fork(inc, node, listed, name);
            KernelCodec.Outgoing w = new KernelCodec.Outgoing(128);
            ForkedEncoder.StreamsEncoder se = w.begin(new ForkedEncoder()).child(f.child()).streamsCount(f.channels().size());
            for (var e : f.channels().entrySet()) {
                new RefDescriptor(RefKind.STREAM, 0, e.getValue(), 0, 0, false, 0).encode(se.next().stream());
                se.port(e.getKey());
            }
            return w;
        });
    }

    /** What a fork gives the parent: the child, and for each listed unicast port a stream to the child's copy of it. */
    record Fork(long child, java.util.Map<String, Long> channels) {}

    /**
     * fork (§5.3), on the parent's own thread: a copy of its state and non-port references at
     * {@code node}. Its ports are unattached in the child unless listed; a listed multicast port's
     * copy joins the group; a listed unicast port's copy gets a new channel, and the parent a stream to it.
     */
    Fork fork(Incarnation inc, int node, List<Port> listed, String name) {
        java.util.Map<Port, long[]> channels = new java.util.HashMap<>();
        java.util.Map<String, Long> streams = new java.util.LinkedHashMap<>();
        for (Port p : inc.ports()) {
            boolean isListed = listed.contains(p);
            if (isListed && Ids.isMulticast(p.firstChannel())) channels.put(p, p.channels());
            else {
                long ch = k.newChannel(false);
                channels.put(p, new long[] {ch});
                if (isListed) streams.put(p.name != null ? p.name : Ids.show(p.gid), ch);
            }
        }
        byte[] record = k.records.takeRecord(inc, false, p -> channels.getOrDefault(p, new long[] {k.newChannel(false)})).toBytes();
        long[] t = transplant(node, record, Migrator.FORK, name);
        commitTransplant(node, t[0]);
        return new Fork(t[1], streams);
    }

    /**
     * checkpoint (§9.2): at its next handler boundary (waited for up to {@code withinNs}) the
     * incarnation's record is written to {@code file} at the node where it runs; with
     * {@code destroy} it is then destroyed, its ports parked for a restore. Returns the file's size.
     */
    public long checkpoint(long gid, String file, boolean destroy, long withinNs) {
        Response r = k.requests.request(Ids.node(gid), OP_CHECKPOINT, checkpointRequest(gid, withinNs, destroy, file), withinNs + Migrator.INSTALL_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException(r.error());
        return r.read(new CheckpointWrittenDecoder()).bytes();
    }

    static KernelCodec.Outgoing checkpointRequest(long gid, long withinNs, boolean destroy, String file) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(96);
        q.begin(new CheckpointEncoder()).incarnation(gid).withinNanos(withinNs).destroy((short) (destroy ? 1 : 0)).file(file);
        return q;
    }

    /**
     * restore: a checkpoint file (read here, from the pool's checkpoint directory; its MAC checked
     * with the pool's key) re-made as a new incarnation at {@code node}; returns its id.
     */
    public long restore(java.nio.file.Path file, int node, String name) {
        return restore(null, file, node, name, null);
    }

    /**
     * As above, for an operator session {@code by}: when the session's RDC now declares the
     * checkpointed module's name with other code, {@code warnings} gets a line saying so before the
     * restore proceeds (issue 20: running new code on old state is hot replacement's business, so the
     * checkpoint's own code runs; the operator should know the two differ).
     */
    public long restore(Incarnation by, java.nio.file.Path file, int node, String name, java.util.function.Consumer<String> warnings) {
        CheckpointFile.Contents c = CheckpointFile.readContents(k.pool.checkpoints().forReading(file.toString(), "restore"), k.pool.key());
        byte[] record = c.record();
        if (k.pool.node(node) == null) throw new OperationException("node " + node + " is not in the pool (nodes: " + k.pool.nodeIds() + ")");
        if (by != null && warnings != null) {
            String changed = moduleChange(by, record, file);
            if (changed != null) warnings.accept(changed);
        }
        return restore(record, node, name, c.node()); // onRestored's from: where it was checkpointed
    }

    /** The warning when {@code by}'s RDC declares the checkpointed module's name with code of another hash; null when the same or not declared. */
    private String moduleChange(Incarnation by, byte[] record, java.nio.file.Path file) {
        String[] recorded = MigrationRecord.moduleOf(record);
        String hash = recorded[0], module = recorded[1];
        ModuleStore.Module now;
        try {
            now = k.loader.moduleByName(by, module);
        } catch (OperationException notDeclared) {
            return null; // nothing to compare with: the checkpoint carries its code
        }
        if (now.hash().equals(hash)) return null;
        return "restore " + file + ": module '" + module + "' has changed since the checkpoint (checkpointed code " + shortHash(hash)
                + ", declared now " + shortHash(now.hash()) + "); the restored incarnation runs the checkpoint's code on its state";
    }

    private static String shortHash(String hash) {
        return hash.length() > 12 ? hash.substring(0, 12) : hash;
    }

    /** fork by a holder of the incarnation's handle: done by the incarnation at its next handler boundary. */
    public Forked fork(long gid, int node, List<String> ports, String name, long withinNs) {
        KernelCodec.Outgoing w = new KernelCodec.Outgoing(128);
        ForkEncoder fe = w.begin(new ForkEncoder()).incarnation(gid).node(node).withinNanos(withinNs);
        ForkEncoder.PortsEncoder pe = fe.portsCount(ports.size());
        for (String p : ports) pe.next().port(p);
        fe.name(name);
        Response r = k.requests.request(Ids.node(gid), OP_FORK, w, withinNs + Migrator.INSTALL_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException(r.error());
        ForkedDecoder forked = r.read(new ForkedDecoder());
        long child = forked.child();
        java.util.Map<String, RefDescriptor> streams = new java.util.LinkedHashMap<>();
        for (ForkedDecoder.StreamsDecoder s : forked.streams()) {
            RefDescriptor d = RefDescriptor.decode(s.stream());
            streams.put(s.port(), d);
        }
        return new Forked(child, streams);
    }

    /** ctx.fork, on the calling incarnation's own thread: returns the child's id and the parent's new streams (already in its table). */
    public java.util.Map.Entry<Long, java.util.Map<String, Ref>> forkSelf(Incarnation inc, int node, List<Ref> ports, String name) {
        List<Port> listed = new ArrayList<>();
        for (Ref p : ports) listed.add((Port) inc.refs.check(p, RefKind.PORT).target());
        if (k.pool.node(node) == null) throw new OperationException("node " + node + " is not in the pool (nodes: " + k.pool.nodeIds() + ")");
        Fork f = fork(inc, node, listed, name);
        java.util.Map<String, Ref> streams = new java.util.LinkedHashMap<>();
        for (var e : f.channels().entrySet()) streams.put(e.getKey(), inc.refs.add(RefKind.STREAM, k.router.newStream(inc, e.getValue(), 0), 0, false));
        return java.util.Map.entry(f.child(), streams);
    }
}
