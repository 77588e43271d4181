package io.rdc.runtime.control;

import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One RDC's stream space (§5.5): the semantics, in one place, for the control plane's state
 * machine and for a pool without a control plane (kernel.StreamSpace, at the RDC's home node). A get of a label not (yet) present waits (a {@link Getter} in
 * the replicated state) until a put or a return; a limited entry hands out its copies one at a time.
 * A port on a unicast channel is limited to one copy whatever the put asked for (§6.2.1), and a
 * return by its getter puts the getter's port back in the entry. Deterministic: insertion-ordered
 * maps only, no clock. Used on the service thread only.
 */
public final class SpaceTable {

    /** Receives each hand-out: a copy of {@code label} goes to the getter {@code g}. */
    public interface Handout {
        void hand(Getter g, String label, RefDescriptor ref, boolean limited, boolean cacheable);
    }

    /** A waiting get: the client's request (client, seq) for an incarnation (holder). */
    public record Getter(long client, long seq, long holder) {}

    static final class Entry {
        RefDescriptor ref;
        int copies; // remaining copies when limited (>= 0), or Kernel.UNLIMITED / Kernel.DONTCACHE
        int limit; // the copies the put allowed, when limited: a return never raises copies above it
        /** Who holds the copies that are out, and how many each (limited entries; holder 0, unknown, is not counted). */
        final Map<Long, Integer> holders = new LinkedHashMap<>();

        boolean limited() {
            return copies >= 0;
        }

        boolean available() {
            return !limited() || copies > 0;
        }
    }

    final long rdc;
    final Map<String, Entry> entries = new LinkedHashMap<>();
    final Map<String, ArrayDeque<Getter>> waiting = new LinkedHashMap<>();

    public SpaceTable(long rdc) {
        this.rdc = rdc;
    }

    public static boolean unicastPort(RefDescriptor d) {
        return d.kind() == RefKind.PORT && !Ids.isMulticast(d.channel());
    }

    public void put(String label, RefDescriptor ref, int copies, Handout out) {
        if (copies == 0 || copies < Kernel.DONTCACHE)
            throw new OperationException("copies must be a positive count, UNLIMITED or DONTCACHE, not " + copies);
        Entry e = new Entry();
        e.ref = ref;
        e.copies = unicastPort(ref) ? 1 : copies; // one holder of a unicast port at a time (§6.2.1)
        e.limit = e.copies;
        entries.put(label, e);
        serve(label, out);
    }

    /** Hands a copy out at once when one is available, else queues the getter. */
    public void get(String label, Getter g, Handout out) {
        Entry e = entries.get(label);
        if (e != null && e.available()) {
            hand(label, e, g, out);
            return;
        }
        waiting.computeIfAbsent(label, x -> new ArrayDeque<>()).add(g);
    }

    /**
     * A copy comes back from {@code holder} (an incarnation's gid; 0 when the caller cannot say, as
     * pools without a control plane); {@code port} is the returner's port when the entry is a unicast
     * port (else null). Only a holder of a copy got under this label may return one (issue 14).
     */
    public void giveBack(String label, RefDescriptor port, long holder, Handout out) {
        Entry e = entries.get(label);
        if (e == null) throw new OperationException("nothing is labelled '" + label + "' in stream space");
        if (!e.limited()) throw new OperationException("'" + label + "' has unlimited copies; there is nothing to return");
        boolean unicast = unicastPort(e.ref);
        if (unicast) {
            if (port == null)
                throw new OperationException("'" + label + "' is a unicast port: only the incarnation that got it from stream space can return it");
            if (e.copies > 0) throw new OperationException("'" + label + "' is in stream space already (nobody has taken it)");
        }
        if (e.copies >= e.limit)
            throw new OperationException("no copy of '" + label + "' is out (all " + e.limit + " are in stream space): there is nothing to return");
        if (holder != 0 && e.holders.getOrDefault(holder, 0) == 0)
            throw new OperationException("'" + label + "': " + Ids.show(holder) + " holds no copy got from it; only an incarnation that got a copy may return one");
        // checked: now change
        if (unicast) e.ref = new RefDescriptor(RefKind.PORT, port.gid(), port.channel(), port.addr(), e.ref.rights(), e.ref.noFurther(), 0);
        e.copies++;
        if (holder != 0) e.holders.computeIfPresent(holder, (h, n) -> n > 1 ? n - 1 : null);
        serve(label, out);
    }

    public boolean delete(String label) {
        return entries.remove(label) != null;
    }

    /** Removes the waiting getter for (client, seq); true when it was still waiting. */
    boolean cancel(long client, long seq) {
        return removeGetters(g -> g.client() == client && g.seq() == seq) > 0;
    }

    /** Removes every waiting getter the predicate selects (a closed session's); returns how many. */
    int removeGetters(java.util.function.Predicate<Getter> which) {
        int n = 0;
        for (Iterator<ArrayDeque<Getter>> it = waiting.values().iterator(); it.hasNext(); ) {
            ArrayDeque<Getter> q = it.next();
            int before = q.size();
            q.removeIf(which);
            n += before - q.size();
            if (q.isEmpty()) it.remove();
        }
        return n;
    }

    private void serve(String label, Handout out) {
        ArrayDeque<Getter> q = waiting.get(label);
        Entry e = entries.get(label);
        while (q != null && !q.isEmpty() && e != null && e.available()) hand(label, e, q.poll(), out);
        if (q != null && q.isEmpty()) waiting.remove(label);
    }

    private void hand(String label, Entry e, Getter g, Handout out) {
        if (e.limited()) {
            e.copies--;
            if (g.holder() != 0) e.holders.merge(g.holder(), 1, Integer::sum);
        }
        boolean handle = e.ref.kind() == RefKind.STREAM_HANDLE || e.ref.kind() == RefKind.PORT_HANDLE;
        // §5.5.3: unlimited copies are cached by the getter; limited, DONTCACHE and handles are not,
        // so that a reconfiguration that replaces them is seen by the next get.
        boolean cacheable = e.copies == Kernel.UNLIMITED && !handle;
        out.hand(g, label, e.ref, e.limited(), cacheable);
    }

    public List<String> print() {
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
