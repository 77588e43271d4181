package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Wire;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * Stream space (§5.5) and the name service (§5.4) as a kernel sees them: with a control plane both
 * live there (replicated) and this delegates to it; without one the stream space of an RDC is
 * held at its home node and the name service at the pool's first node, served by these handlers.
 */
final class SpaceAndNames {
    private final Kernel k;

    SpaceAndNames(Kernel k) {
        this.k = k;
    }
    final java.util.HashMap<Long, StreamSpace> spaces = new java.util.HashMap<>();
    final NameService names = new NameService();

    // ---- stream space (§5.5), held at the RDC's home node

    void onSpace(int src, long call, int op, Wire.Reader r) {
        long rdc = r.i64();
        StreamSpace space = spaces.computeIfAbsent(rdc, StreamSpace::new);
        switch (op) {
            case OP_SPACE_PUT -> {
                String label = r.str();
                RefDescriptor d = RefDescriptor.read(r);
                int copies = r.i32();
                space.put(label, d, copies, k, src);
                k.publisher.respond(src, call, Frames.OK, null);
            }
            case OP_SPACE_GET -> {
                String label = r.str();
                space.get(label, src, call, r.hasMore() ? r.i64() : 0, k);
            }
            case OP_SPACE_RETURN -> {
                String label = r.str();
                RefDescriptor port = r.hasMore() && r.bool() ? RefDescriptor.read(r) : null;
                space.giveBack(label, port, r.hasMore() ? r.i64() : 0, k);
                k.publisher.respond(src, call, Frames.OK, null);
            }
            case OP_SPACE_DELETE -> {
                boolean existed = space.delete(r.str());
                k.publisher.respond(src, call, Frames.OK, k.publisher.kw.reset().bool(existed));
            }
            case OP_SPACE_PRINT -> {
                List<String> lines = space.print();
                Wire.Writer w = k.publisher.kw.reset().i32(lines.size());
                for (String s : lines) w.str(s);
                k.publisher.respond(src, call, Frames.OK, w);
            }
            default -> throw new IllegalStateException();
        }
    }

    int spaceHome(Incarnation inc) {
        return Ids.node(inc.rdcId);
    }

    public void spacePut(Incarnation inc, String label, RefDescriptor d, int copies) {
        ControlPlane cp = k.pool.control();
        if (cp != null) {
            cp.spacePut(inc.rdcId, label, d, copies);
            return;
        }
        Wire.Writer w = new Wire.Writer().i64(inc.rdcId).str(label);
        d.write(w);
        w.i32(copies);
        Response r = k.requests.request(spaceHome(inc), OP_SPACE_PUT, w, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("stream space put '" + label + "': " + r.error());
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
        Ref ref = k.references.materialize(inc, d);
        synchronized (inc.spaceCache) {
            if (cacheable[0]) inc.spaceCache.put(label, ref);
            if (StreamSpace.unicastPort(d)) inc.spacePorts.put(label, ref); // the one copy: this incarnation may return it
            else if (!cacheable[0] && ref.kind == RefKind.STREAM) inc.spaceCopies.computeIfAbsent(label, l -> new java.util.ArrayDeque<>()).addLast(ref);
        }
        return ref;
    }

    /** Fetches what stream space holds under a label (waiting for it), without making a reference of it. */
    RefDescriptor spaceFetch(Incarnation inc, String label, long timeoutNs, boolean[] cacheable) {
        ControlPlane cp = k.pool.control();
        if (cp != null) {
            ControlPlane.SpaceGot got = cp.spaceGet(inc.rdcId, label, inc.gid, timeoutNs < 0 ? TimeUnit.DAYS.toNanos(365) : timeoutNs);
            cacheable[0] = got.cacheable();
            return got.ref();
        }
        int home = spaceHome(inc);
        Response r;
        try {
            r = k.requests.request(home, OP_SPACE_GET, new Wire.Writer().i64(inc.rdcId).str(label).i64(inc.gid), timeoutNs < 0 ? TimeUnit.DAYS.toNanos(365) : timeoutNs);
        } catch (OperationException e) {
            // The home waits for a put and answers only then: a time-out usually means nothing was put, not a dead node.
            if (String.valueOf(e.getMessage()).contains("did not answer") && (home == k.nodeId || k.transport.isConnected(home)))
                throw new OperationException("stream space get '" + label + "': nothing under '" + label + "' was available within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms (none put, or its copies all taken; stream space at node " + home + ")");
            throw new OperationException("stream space get '" + label + "': " + e.getMessage() + " (node " + home + ", the RDC's stream space, is unreachable)");
        }
        if (r.status() != Frames.OK) throw new OperationException("stream space get '" + label + "': " + r.error());
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
            if (held.isClosed() || !k.callOnKernel(() -> k.router.ports.get(p.gid) == p)) {
                synchronized (inc.spaceCache) {
                    inc.spacePorts.remove(label);
                }
                throw new OperationException("stream space return '" + label + "': the port got under this label has since been closed or passed on");
            }
            port = k.references.describe(held);
        }
        ControlPlane cp = k.pool.control();
        if (cp != null) {
            cp.spaceReturn(inc.rdcId, label, port, inc.gid);
        } else {
            Wire.Writer w = new Wire.Writer().i64(inc.rdcId).str(label).bool(port != null);
            if (port != null) port.write(w);
            w.i64(inc.gid); // the home checks that this incarnation holds a copy (issue 14)
            Response r = k.requests.request(spaceHome(inc), OP_SPACE_RETURN, w, REQUEST_TIMEOUT_NS);
            if (r.status() != Frames.OK) throw new OperationException("stream space return '" + label + "': " + r.error());
        }
        if (held != null) synchronized (inc.spaceCache) {
            inc.spacePorts.remove(label, held);
        }
        if (held == null) revokeCopy(inc, label);
    }

    /**
     * A returned copy is revoked (issue 14): the stream of the last copy this incarnation got under
     * the label closes, and its next use says it was returned. Without this a holder could keep
     * sending through a copy it gave back, and "one holder at a time" held only if holders behaved.
     */
    private void revokeCopy(Incarnation inc, String label) {
        Ref copy;
        synchronized (inc.spaceCache) {
            java.util.ArrayDeque<Ref> q = inc.spaceCopies.get(label);
            copy = q == null ? null : q.pollLast();
            if (q != null && q.isEmpty()) inc.spaceCopies.remove(label);
        }
        if (copy == null || copy.isClosed() || !(copy.target() instanceof Stream s)) return;
        s.closedWhy = "its copy was returned to stream space under '" + label + "'";
        k.router.closeStream(s);
    }

    public boolean spaceDelete(Incarnation inc, String label) {
        synchronized (inc.spaceCache) {
            inc.spaceCache.remove(label);
        }
        if (k.pool.control() != null) return k.pool.control().spaceDelete(inc.rdcId, label);
        Response r = k.requests.request(spaceHome(inc), OP_SPACE_DELETE, new Wire.Writer().i64(inc.rdcId).str(label), REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("stream space delete '" + label + "': " + r.error());
        return r.reader().bool();
    }

    public List<String> spacePrint(Incarnation inc) {
        if (k.pool.control() != null) return k.pool.control().spacePrint(inc.rdcId);
        Response r = k.requests.request(spaceHome(inc), OP_SPACE_PRINT, new Wire.Writer().i64(inc.rdcId), REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("stream space print: " + r.error());
        Wire.Reader rd = r.reader();
        List<String> out = new ArrayList<>();
        for (int i = rd.i32(); i > 0; i--) out.add(rd.str());
        return out;
    }

    // ---- name service (§5.4), held at the pool's first node

    /** Wire: name, rdc (the owner registering or deleting, or the RDC looking up), then for a register the reference and its readers. */
    void onName(int src, long call, int op, Wire.Reader r) {
        String name = r.str();
        long rdc = r.i64();
        switch (op) {
            case OP_NAME_REGISTER -> {
                boolean delete = r.bool();
                if (delete) {
                    boolean existed = names.unregister(name, rdc);
                    k.publisher.respond(src, call, Frames.OK, k.publisher.kw.reset().bool(existed));
                    return;
                }
                RefDescriptor d = RefDescriptor.read(r);
                List<String> readers = new ArrayList<>();
                for (int n = r.i32(); n > 0; n--) readers.add(r.str());
                names.register(name, d, rdc, readers);
                k.publisher.respond(src, call, Frames.OK, null);
            }
            case OP_NAME_LOOKUP -> {
                Wire.Writer w = k.publisher.kw.reset();
                names.lookup(name, rdc, null).write(w); // without a control plane RDCs have no names: readers are ids
                k.publisher.respond(src, call, Frames.OK, w);
            }
            default -> throw new IllegalStateException();
        }
    }

    /** Registers {@code name} for {@code inc}'s RDC, looked up by every RDC ({@code readers} empty) or by those listed. */
    public void register(Incarnation inc, String name, RefDescriptor d, List<String> readers) {
        if (k.pool.control() != null) {
            k.pool.control().register(name, d, inc.rdcId, readers);
            return;
        }
        Wire.Writer w = new Wire.Writer().str(name).i64(inc.rdcId).bool(false);
        d.write(w);
        w.i32(readers.size());
        for (String s : readers) w.str(s);
        Response r = k.requests.request(k.pool.nameServiceNode(), OP_NAME_REGISTER, w, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("register '" + name + "': " + r.error());
    }

    /** Deletes a name {@code inc}'s RDC registered; false when none was registered. */
    public boolean unregister(Incarnation inc, String name) {
        if (k.pool.control() != null) return k.pool.control().unregister(name, inc.rdcId);
        Response r = k.requests.request(k.pool.nameServiceNode(), OP_NAME_REGISTER, new Wire.Writer().str(name).i64(inc.rdcId).bool(true), REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("delete name '" + name + "': " + r.error());
        return r.reader().bool();
    }

    public RefDescriptor lookup(Incarnation inc, String name) {
        if (k.pool.control() != null) return k.pool.control().lookup(name, inc.rdcId);
        Response r = k.requests.request(k.pool.nameServiceNode(), OP_NAME_LOOKUP, new Wire.Writer().str(name).i64(inc.rdcId), REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("lookup '" + name + "': " + r.error());
        return RefDescriptor.read(r.reader());
    }
}
