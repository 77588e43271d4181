package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.kernel.codec.*;
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

    private StreamSpace space(long rdc) {
        return spaces.computeIfAbsent(rdc, StreamSpace::new);
    }

    void onSpacePut(int src, long call, SpacePutDecoder r) {
        long rdc = r.rdc();
        RefDescriptor d = RefDescriptor.decode(r.reference());
        int copies = r.copies();
        space(rdc).put(r.label(), d, copies, k, src);
        k.publisher.respond(src, call, Frames.OK, null);
    }

    void onSpaceGet(int src, long call, SpaceGetDecoder r) {
        long rdc = r.rdc(), holder = r.holder();
        space(rdc).get(r.label(), src, call, holder, k);
    }

    void onSpaceReturn(int src, long call, SpaceReturnDecoder r) {
        long rdc = r.rdc(), holder = r.holder();
        RefDescriptor port = r.present() != 0 ? RefDescriptor.decode(r.port()) : null;
        space(rdc).giveBack(r.label(), port, holder, k);
        k.publisher.respond(src, call, Frames.OK, null);
    }

    void onSpaceDelete(int src, long call, SpaceDeleteDecoder r) {
        long rdc = r.rdc();
        respondExisted(src, call, space(rdc).delete(r.label()));
    }

    void onSpacePrint(int src, long call, long rdc) {
        List<String> lines = space(rdc).print();
        KernelCodec.Outgoing out = k.publisher.out;
        TextLinesEncoder.LinesEncoder w = out.begin(textLines).linesCount(lines.size());
        for (String s : lines) w.next().line(s);
        k.publisher.respond(src, call, Frames.OK, out);
    }

    private final TextLinesEncoder textLines = new TextLinesEncoder();
    private final ExistedEncoder existed = new ExistedEncoder();
    private final HandleEncoder handle = new HandleEncoder();

    private void respondExisted(int src, long call, boolean was) {
        KernelCodec.Outgoing out = k.publisher.out;
        out.begin(existed).existed((short) (was ? 1 : 0));
        k.publisher.respond(src, call, Frames.OK, out);
    }

    /** A limited copy given back to stream space by {@code holder} (a unicast port as {@code port}, else null). */
    static KernelCodec.Outgoing spaceReturnRequest(long rdc, String label, RefDescriptor port, long holder) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(96);
        SpaceReturnEncoder e = q.begin(new SpaceReturnEncoder()).rdc(rdc).present((short) (port != null ? 1 : 0));
        if (port != null) port.encode(e.port());
        e.holder(holder).label(label);
        return q;
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
        KernelCodec.Outgoing w = new KernelCodec.Outgoing(96);
        SpacePutEncoder e = w.begin(new SpacePutEncoder()).rdc(inc.rdcId);
        d.encode(e.reference());
        e.copies(copies).label(label);
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
            KernelCodec.Outgoing q = new KernelCodec.Outgoing(64);
            q.begin(new SpaceGetEncoder()).rdc(inc.rdcId).holder(inc.gid).label(label);
            r = k.requests.request(home, OP_SPACE_GET, q, timeoutNs < 0 ? TimeUnit.DAYS.toNanos(365) : timeoutNs);
        } catch (OperationException e) {
            // The home waits for a put and answers only then: a time-out usually means nothing was put, not a dead node.
            if (String.valueOf(e.getMessage()).contains("did not answer") && (home == k.nodeId || k.transport.isConnected(home)))
                throw new OperationException("stream space get '" + label + "': nothing under '" + label + "' was available within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms (none put, or its copies all taken; stream space at node " + home + ")");
            throw new OperationException("stream space get '" + label + "': " + e.getMessage() + " (node " + home + ", the RDC's stream space, is unreachable)");
        }
        if (r.status() != Frames.OK) throw new OperationException("stream space get '" + label + "': " + r.error());
        SpaceGotDecoder got = r.read(new SpaceGotDecoder());
        cacheable[0] = got.cacheable() != 0;
        return RefDescriptor.decode(got.reference());
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
            // The holder: the home checks that this incarnation holds a copy (issue 14).
            Response r = k.requests.request(spaceHome(inc), OP_SPACE_RETURN, spaceReturnRequest(inc.rdcId, label, port, inc.gid), REQUEST_TIMEOUT_NS);
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
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(64);
        q.begin(new SpaceDeleteEncoder()).rdc(inc.rdcId).label(label);
        Response r = k.requests.request(spaceHome(inc), OP_SPACE_DELETE, q, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("stream space delete '" + label + "': " + r.error());
        return r.read(new ExistedDecoder()).existed() != 0;
    }

    public List<String> spacePrint(Incarnation inc) {
        if (k.pool.control() != null) return k.pool.control().spacePrint(inc.rdcId);
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(32);
        q.begin(new SpacePrintEncoder()).rdc(inc.rdcId);
        Response r = k.requests.request(spaceHome(inc), OP_SPACE_PRINT, q, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("stream space print: " + r.error());
        List<String> out = new ArrayList<>();
        for (TextLinesDecoder.LinesDecoder line : r.read(new TextLinesDecoder()).lines()) out.add(line.line());
        return out;
    }

    // ---- name service (§5.4), held at the pool's first node

    /** rdc: the owner registering or deleting. */
    void onNameRegister(int src, long call, NameRegisterDecoder r) {
        long rdc = r.rdc();
        boolean delete = r.deleting() != 0;
        RefDescriptor d = RefDescriptor.decode(r.reference());
        List<String> readers = new ArrayList<>();
        for (NameRegisterDecoder.ReadersDecoder reader : r.readers()) readers.add(reader.reader());
        String name = r.name();
        if (delete) {
            respondExisted(src, call, names.unregister(name, rdc));
            return;
        }
        names.register(name, d, rdc, readers);
        k.publisher.respond(src, call, Frames.OK, null);
    }

    /** rdc: the RDC looking up. */
    void onNameLookup(int src, long call, NameLookupDecoder r) {
        long rdc = r.rdc();
        RefDescriptor d = names.lookup(r.name(), rdc, null); // without a control plane RDCs have no names: readers are ids
        KernelCodec.Outgoing out = k.publisher.out;
        d.encode(out.begin(handle).reference());
        k.publisher.respond(src, call, Frames.OK, out);
    }

    private static KernelCodec.Outgoing nameRegisterRequest(String name, long rdc, RefDescriptor d, List<String> readers) {
        KernelCodec.Outgoing w = new KernelCodec.Outgoing(128);
        NameRegisterEncoder e = w.begin(new NameRegisterEncoder()).rdc(rdc).deleting((short) (d == null ? 1 : 0));
        (d != null ? d : NO_REFERENCE).encode(e.reference());
        NameRegisterEncoder.ReadersEncoder re = e.readersCount(readers.size());
        for (String s : readers) re.next().reader(s);
        e.name(name);
        return w;
    }

    /** What a deleting NAME_REGISTER carries in its reference field. */
    private static final RefDescriptor NO_REFERENCE = new RefDescriptor(RefKind.INCARNATION, 0, 0, 0, 0, false, 0);

    /** Registers {@code name} for {@code inc}'s RDC, looked up by every RDC ({@code readers} empty) or by those listed. */
    public void register(Incarnation inc, String name, RefDescriptor d, List<String> readers) {
        if (k.pool.control() != null) {
            k.pool.control().register(name, d, inc.rdcId, readers);
            return;
        }
        Response r = k.requests.request(k.pool.nameServiceNode(), OP_NAME_REGISTER, nameRegisterRequest(name, inc.rdcId, d, readers), REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("register '" + name + "': " + r.error());
    }

    /** Deletes a name {@code inc}'s RDC registered; false when none was registered. */
    public boolean unregister(Incarnation inc, String name) {
        if (k.pool.control() != null) return k.pool.control().unregister(name, inc.rdcId);
        Response r = k.requests.request(k.pool.nameServiceNode(), OP_NAME_REGISTER, nameRegisterRequest(name, inc.rdcId, null, List.of()), REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("delete name '" + name + "': " + r.error());
        return r.read(new ExistedDecoder()).existed() != 0;
    }

    public RefDescriptor lookup(Incarnation inc, String name) {
        if (k.pool.control() != null) return k.pool.control().lookup(name, inc.rdcId);
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(64);
        q.begin(new NameLookupEncoder()).rdc(inc.rdcId).name(name);
        Response r = k.requests.request(k.pool.nameServiceNode(), OP_NAME_LOOKUP, q, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("lookup '" + name + "': " + r.error());
        return RefDescriptor.decode(r.read(new HandleDecoder()).reference());
    }
}
