package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Wire;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One RDC's stream space (§5.5): labelled references that incarnations put and get, held at the
 * RDC's home node and used only on its kernel thread. A get of a label not (yet) present waits
 * until a put; a limited entry hands out its copies one at a time until they are returned.
 *
 * <p>A port attached to a unicast channel is limited to one copy whatever the put asked for
 * (§6.2.1): a get moves the port (and its queue) to the getter, and a return by that getter puts
 * the getter's port back in the entry, so the next get moves it on from there.
 */
final class StreamSpace {
    private static final class Entry {
        RefDescriptor ref;
        int copies; // remaining copies when limited (>= 0), or Kernel.UNLIMITED / Kernel.DONTCACHE
        int limit; // the copies the put allowed, when limited: a return never raises copies above it

        boolean limited() {
            return copies >= 0;
        }

        boolean available() {
            return !limited() || copies > 0;
        }
    }

    private record Getter(int node, long call) {}

    private final long rdc;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, ArrayDeque<Getter>> waiting = new LinkedHashMap<>();

    StreamSpace(long rdc) {
        this.rdc = rdc;
    }

    void put(String label, RefDescriptor ref, int copies, Kernel k, int src) {
        if (copies == 0 || copies < Kernel.DONTCACHE)
            throw new OperationException("copies must be a positive count, UNLIMITED or DONTCACHE, not " + copies);
        Entry e = new Entry();
        e.ref = ref;
        e.copies = unicastPort(ref) ? 1 : copies; // one holder of a unicast port at a time (§6.2.1)
        e.limit = e.copies;
        entries.put(label, e);
        serve(label, k);
    }

    void get(String label, int node, long call, Kernel k) {
        Entry e = entries.get(label);
        if (e != null && e.available()) {
            hand(label, e, node, call, k);
            return;
        }
        waiting.computeIfAbsent(label, x -> new ArrayDeque<>()).add(new Getter(node, call));
    }

    static boolean unicastPort(RefDescriptor d) {
        return d.kind() == RefKind.PORT && !Ids.isMulticast(d.channel());
    }

    /** A copy comes back; {@code port} is the returner's port when the entry is a unicast port (else null). */
    void giveBack(String label, RefDescriptor port, Kernel k) {
        Entry e = entries.get(label);
        if (e == null) throw new OperationException("nothing is labelled '" + label + "' in stream space");
        if (!e.limited()) throw new OperationException("'" + label + "' has unlimited copies; there is nothing to return");
        if (unicastPort(e.ref)) {
            if (port == null)
                throw new OperationException("'" + label + "' is a unicast port: only the incarnation that got it from stream space can return it");
            if (e.copies > 0) throw new OperationException("'" + label + "' is in stream space already (nobody has taken it)");
            e.ref = new RefDescriptor(RefKind.PORT, port.gid(), port.channel(), port.addr(), e.ref.rights(), e.ref.noFurther(), 0);
        }
        if (e.copies >= e.limit)
            throw new OperationException("no copy of '" + label + "' is out (all " + e.limit + " are in stream space): there is nothing to return");
        e.copies++;
        serve(label, k);
    }

    boolean delete(String label) {
        return entries.remove(label) != null;
    }

    private void serve(String label, Kernel k) {
        ArrayDeque<Getter> q = waiting.get(label);
        Entry e = entries.get(label);
        while (q != null && !q.isEmpty() && e != null && e.available()) {
            Getter g = q.poll();
            hand(label, e, g.node(), g.call(), k);
        }
        if (q != null && q.isEmpty()) waiting.remove(label);
    }

    private void hand(String label, Entry e, int node, long call, Kernel k) {
        if (e.limited()) e.copies--;
        boolean handle = e.ref.kind() == RefKind.STREAM_HANDLE || e.ref.kind() == RefKind.PORT_HANDLE;
        // §5.5.3: unlimited copies are cached by the getter; limited, DONTCACHE and handles are not,
        // so that a reconfiguration that replaces them is seen by the next get.
        boolean cacheable = e.copies == Kernel.UNLIMITED && !handle;
        Wire.Writer w = new Wire.Writer(96).i8('G').i64(rdc).str(label).bool(e.limited()).bool(cacheable);
        e.ref.write(w);
        k.respond(node, call, Frames.OK, w);
    }

    List<String> print() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Entry> me : entries.entrySet()) {
            Entry e = me.getValue();
            String copies = e.copies == Kernel.UNLIMITED ? "unlimited" : e.copies == Kernel.DONTCACHE ? "dontcache" : e.copies + " left";
            if (unicastPort(e.ref)) copies += e.copies > 0 ? " (unicast port, at " + Ids.show(e.ref.gid()) + ")" : " (unicast port, taken)";
            out.add("entry\t" + me.getKey() + "\t" + e.ref.kind().label + "\t" + Ids.show(e.ref.channel() != 0 ? e.ref.channel() : e.ref.gid()) + "\t" + copies);
        }
        for (Map.Entry<String, ArrayDeque<Getter>> me : waiting.entrySet())
            out.add("waiting\t" + me.getKey() + "\t" + me.getValue().size() + " getter(s)");
        return out;
    }
}
