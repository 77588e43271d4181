package io.rdc.runtime.kernel;

import io.rdc.runtime.control.SpaceTable;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.kernel.codec.SpaceGotEncoder;
import java.util.List;

/**
 * One RDC's stream space (§5.5) in a pool without a control plane, held at the RDC's home node and
 * used only on its kernel thread. The semantics (blocking get, copy limits, returns, unicast ports
 * one copy at a time) are {@link SpaceTable}'s, the same table the control plane replicates; here a
 * getter is a request (its node and call id) and a hand-out is that request's response.
 */
final class StreamSpace {
    private final long rdc;
    private final SpaceTable table;

    StreamSpace(long rdc) {
        this.rdc = rdc;
        this.table = new SpaceTable(rdc);
    }

    static boolean unicastPort(RefDescriptor d) {
        return SpaceTable.unicastPort(d);
    }

    void put(String label, RefDescriptor ref, int copies, Kernel k, int src) {
        table.put(label, ref, copies, handout(k));
    }

    /** A get for incarnation {@code holder} (0 from a node too old to say: not counted as a holder). */
    void get(String label, int node, long call, long holder, Kernel k) {
        table.get(label, new SpaceTable.Getter(node, call, holder), handout(k));
    }

    /**
     * A copy comes back from {@code holder}; {@code port} is the returner's port when the entry is a
     * unicast port (else null). As in the control plane, only a holder may return (issue 14).
     */
    void giveBack(String label, RefDescriptor port, long holder, Kernel k) {
        table.giveBack(label, port, holder, handout(k));
    }

    boolean delete(String label) {
        return table.delete(label);
    }

    List<String> print() {
        return table.print();
    }

    /** A hand-out answers the getter's request (SpaceGot): the RDC, the label, limited, cacheable, the reference. */
    private SpaceTable.Handout handout(Kernel k) {
        return (g, label, ref, limited, cacheable) -> {
            KernelCodec.Outgoing w = new KernelCodec.Outgoing(96);
            SpaceGotEncoder e = w.begin(new SpaceGotEncoder()).rdc(rdc).limited((short) (limited ? 1 : 0)).cacheable((short) (cacheable ? 1 : 0));
            ref.encode(e.reference());
            e.holder(g.holder()).label(label); // the holder: so that a getter who gave up can give the copy back as its holder
            k.publisher.respond((int) g.client(), g.seq(), Frames.OK, w);
        };
    }
}
