package io.rdc.runtime.kernel;

import io.rdc.runtime.control.SpaceTable;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Wire;
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

    void get(String label, int node, long call, Kernel k) {
        table.get(label, new SpaceTable.Getter(node, call, 0), handout(k));
    }

    /** A copy comes back; {@code port} is the returner's port when the entry is a unicast port (else null). */
    void giveBack(String label, RefDescriptor port, Kernel k) {
        table.giveBack(label, port, 0, handout(k)); // without a control plane, getters are not known by gid
    }

    boolean delete(String label) {
        return table.delete(label);
    }

    List<String> print() {
        return table.print();
    }

    /** A hand-out answers the getter's request: 'G', the RDC, the label, limited, cacheable, the reference. */
    private SpaceTable.Handout handout(Kernel k) {
        return (g, label, ref, limited, cacheable) -> {
            Wire.Writer w = new Wire.Writer(96).i8('G').i64(rdc).str(label).bool(limited).bool(cacheable);
            ref.write(w);
            k.publisher.respond((int) g.client(), g.seq(), Frames.OK, w);
        };
    }
}
