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
 */
final class StreamSpace {
    private static final class Entry {
        RefDescriptor ref;
        int copies; // remaining copies when limited (>= 0), or Kernel.UNLIMITED / Kernel.DONTCACHE

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
        e.copies = copies;
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

    void giveBack(String label, Kernel k) {
        Entry e = entries.get(label);
        if (e == null) throw new OperationException("nothing is labelled '" + label + "' in stream space");
        if (!e.limited()) throw new OperationException("'" + label + "' has unlimited copies; there is nothing to return");
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
            out.add("entry\t" + me.getKey() + "\t" + e.ref.kind().label + "\t" + Ids.show(e.ref.channel() != 0 ? e.ref.channel() : e.ref.gid()) + "\t" + copies);
        }
        for (Map.Entry<String, ArrayDeque<Getter>> me : waiting.entrySet())
            out.add("waiting\t" + me.getKey() + "\t" + me.getValue().size() + " getter(s)");
        return out;
    }
}
