package io.rdc.runtime.kernel;

import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Where an RDC may place incarnations at this node (docs/pool.md): the node's allocation as the
 * control plane last told it (which RDCs are allocated this node), and the node's access list.
 * Checked by the loader on create and by the migrator on accepting an arrival.
 *
 * <p>The check costs no control-plane round trip: the node keeps its allocation and reads it again
 * when its heartbeat's answer says the pool's allocation epoch moved ({@link #onEpoch}). A create
 * for an RDC the node does not know to be allocated here may only be newer than the node's copy
 * (the RDC was given the node a moment ago), so it is held while the node reads its allocation
 * once more, then dispatched again and checked for good ({@link #holdUntilRead}). A refused RDC's
 * creates cost a read each, bounded by the creation quota; allowed ones none.
 */
final class Placement {
    private final Kernel k;
    /** This node's access list; null: every user may create any module here. */
    volatile AccessList access;
    /** The node's allocation as last read; null: not read yet (or no control plane). */
    volatile io.rdc.runtime.kernel.ControlPlane.Allocation allocation;
    private volatile String readError;

    // kernel thread only
    private List<byte[]> held = new ArrayList<>(), heldDuringRead = new ArrayList<>();
    private boolean reading;
    /** True while held requests are dispatched again: they are checked, not held a second time. */
    boolean redispatching;

    Placement(Kernel k) {
        this.k = k;
    }

    /** Whether the control plane decides allocation here (it has a users file); false without one. */
    private boolean enforced() {
        ControlPlane a = k.pool.control();
        if (a == null) return false;
        var view = allocation;
        return view == null || !view.open();
    }

    private boolean allocated(long rdc) {
        var view = allocation;
        if (view == null) return false;
        for (var n : view.nodes()) if (n.rdc() == rdc) return true;
        return false;
    }

    /** True when a request placing an incarnation of {@code rdc} here must wait for the node to read its allocation again. Kernel thread. */
    boolean mustHold(long rdc) {
        return rdc != 0 && !redispatching && enforced() && !allocated(rdc);
    }

    /** Holds a request (a copy of its frame) until the allocation has been read again, then dispatches it once more. Kernel thread. */
    void holdUntilRead(org.agrona.DirectBuffer buf, int off, int len) {
        byte[] frame = new byte[len];
        buf.getBytes(off, frame);
        (reading ? heldDuringRead : held).add(frame);
        if (!reading) startRead();
    }

    private void startRead() {
        reading = true;
        ControlThreads.run(() -> {
            read();
            k.onKernel(this::afterRead);
        });
    }

    private void afterRead() {
        List<byte[]> ready = held;
        held = heldDuringRead;
        heldDuringRead = new ArrayList<>();
        reading = false;
        redispatching = true;
        try {
            for (byte[] f : ready) k.adapter.onRequest(new UnsafeBuffer(f), 0, f.length);
        } finally {
            redispatching = false;
        }
        // Requests that came while that read was under way may be newer than what it read.
        if (!held.isEmpty()) startRead();
    }

    /** Reads this node's allocation from the control plane (any thread but the kernel's). */
    void read() {
        ControlPlane cp = k.pool.control();
        if (cp == null) return;
        try {
            allocation = cp.nodeAllocation(k.nodeId);
            readError = null;
        } catch (RuntimeException e) {
            readError = e.getMessage();
        }
    }

    /** A heartbeat's answer: the pool's allocation epoch. Reads the allocation again when it moved (the heartbeat's thread). */
    void onEpoch(long epoch) {
        var view = allocation;
        if (view == null || view.epoch() != epoch) read();
    }

    /** The RDC's owner as this node knows it: from its allocation, else from operators' requests. */
    private String ownerOf(long rdc, Authority.Acting acting) {
        var view = allocation;
        if (view != null) for (var n : view.nodes()) if (n.rdc() == rdc) return n.owner();
        if (acting != null && acting.rdc() == rdc) return acting.access().owner();
        String learnt = k.authority.ownerOf(rdc);
        if (learnt != null) return learnt;
        return acting != null ? acting.operator() : "?";
    }

    /**
     * Why an incarnation of {@code module} in RDC {@code rdc} may not be placed here ({@code what}:
     * "create of worker"), naming the rule that refused; null when it may. Kernel thread.
     */
    String refusal(long rdc, String module, String what, Authority.Acting acting) {
        if (enforced() && !allocated(rdc)) {
            var view = allocation;
            return "node " + k.nodeId + " is not allocated to RDC " + Ids.show(rdc) + ": " + what + " refused (the pool users file is in force; "
                    + "the RDCs allocated this node: " + (view == null ? "not known" : rdcs(view)) + (readError == null ? "" : "; reading them failed: " + readError)
                    + "; ask for nodes with allocate N from GROUP)";
        }
        AccessList list = access;
        if (list == null) return null;
        String user = ownerOf(rdc, acting);
        String why = list.refusal(user, module);
        return why == null ? null : "node " + k.nodeId + "'s access list refuses module '" + module + "' of RDC " + Ids.show(rdc) + " (user '" + user + "'): "
                + what + " " + why;
    }

    private static String rdcs(io.rdc.runtime.kernel.ControlPlane.Allocation view) {
        List<String> out = new ArrayList<>();
        for (var n : view.nodes()) out.add(Ids.show(n.rdc()));
        return out.isEmpty() ? "none" : String.join(", ", out);
    }
}
