package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.ref.Rights;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * References in messages (§4.6): their portable form for propagation, and the working reference a
 * received one becomes in the receiver's table (a stream, a port that moves or joins a group, a
 * handle).
 */
final class References {
    private final Kernel k;

    References(Kernel k) {
        this.k = k;
    }

    /**
     * Prepares a reference for propagation in a message (§4.6): refuses one marked
     * no-further-propagation, applies reduced rights and the no-further flag to the copy.
     * {@code flags}: 1 destroy the original after sending, 2 no further propagation, 4 reduced rights.
     */
    public RefDescriptor propagate(Incarnation inc, Ref r, int flags, int rightsMask) {
        inc.refs.check(r);
        if (r.noFurtherPropagation())
            throw new OperationException(r + " was received with no-further-propagation and cannot be passed on");
        RefDescriptor d = describe(r);
        if (r.kind == RefKind.PORT && (flags & (FLAG_RETAIN | FLAG_HOLD)) != 0) d = new RefDescriptor(d.kind(), d.gid(), d.channel(), d.addr(), d.rights(), d.noFurther(), RETAIN);
        if ((flags & 2) != 0) d = d.withNoFurther(true);
        if ((flags & 4) != 0 || rightsMask >= 0) {
            int mask = rightsMask >= 0 ? rightsMask : Rights.OBSERVE;
            d = d.withRights(d.rights() & mask);
        }
        return d;
    }

    /** After a successful send: a reference propagated with "destroy original" leaves the sender's table. */
    public void afterPropagate(Incarnation inc, Ref r, int flags) {
        if ((flags & FLAG_HOLD) != 0 && r.kind == RefKind.PORT && r.target() instanceof Port p && !Ids.isMulticast(p.firstChannel()))
            k.callOnKernel(() -> p.holdSenders = k.router.ports.get(p.gid) == p); // from now on arrivals wait for the new port (§6.2.4)
        if ((flags & 1) == 0) return;
        // A unicast port moves when its receiver takes it (the original detaches then), so it is not closed here.
        if (r.kind == RefKind.PORT && !Ids.isMulticast(((Port) r.target()).firstChannel())) return;
        release(inc, r);
    }

    /** The port a port or port-handle reference names: {gid, channel}. */
    public RefDescriptor portOf(Incarnation inc, Ref r) {
        inc.refs.check(r, RefKind.PORT, RefKind.PORT_HANDLE);
        return r.kind == RefKind.PORT ? handleFor(r) : (RefDescriptor) r.target();
    }

    /** The stream a stream or stream-handle reference names. */
    public RefDescriptor streamOf(Incarnation inc, Ref r) {
        inc.refs.check(r, RefKind.STREAM, RefKind.STREAM_HANDLE);
        return r.kind == RefKind.STREAM ? handleFor(r) : (RefDescriptor) r.target();
    }

    /** The channel a stream (or stream handle) is attached to. */
    public long channelOf(Incarnation inc, Ref r) {
        inc.refs.check(r, RefKind.STREAM, RefKind.STREAM_HANDLE);
        return r.kind == RefKind.STREAM ? ((Stream) r.target()).channel : ((RefDescriptor) r.target()).channel();
    }

    /** Closes a reference: a stream or port stops working, other kinds are dropped from the table. */
    public void release(Incarnation inc, Ref r) {
        inc.refs.check(r);
        if (r.target() instanceof Stream s) k.router.closeStream(s);
        if (r.target() instanceof Port p) k.router.closePort(p);
        inc.refs.remove(r);
    }

    // ---- references: describe for propagation, materialize on arrival

    /** The portable form of a reference, for a message, stream space or a snapshot. */
    public RefDescriptor describe(Ref r) {
        Object t = r.target();
        return switch (r.kind) {
            case STREAM -> {
                Stream s = (Stream) t;
                yield new RefDescriptor(RefKind.STREAM, s.gid, s.channel, s.destAddr, 0, r.noFurtherPropagation(), 0);
            }
            case PORT -> {
                Port p = (Port) t;
                yield new RefDescriptor(RefKind.PORT, p.gid, p.firstChannel(), p.gid, 0, r.noFurtherPropagation(), 0);
            }
            default -> ((RefDescriptor) t).withNoFurther(r.noFurtherPropagation()).withRights(r.rights());
        };
    }

    /** Turns a received descriptor into a working reference in {@code inc}'s table. */
    public Ref materialize(Incarnation inc, RefDescriptor d) {
        return switch (d.kind()) {
            case STREAM -> inc.refs.add(RefKind.STREAM, k.router.newStream(inc, d.channel(), d.addr()), 0, d.noFurther());
            case PORT -> {
                if (!Ids.isMulticast(d.channel())) {
                    // A unicast port moves, with its queue unless it was propagated retained (§6.2.1).
                    Port p = k.reconfiguration.receivePort(inc, d, d.extra() != RETAIN);
                    Ref ref = inc.refs.add(RefKind.PORT, p, 0, d.noFurther());
                    p.ownerRef = ref;
                    yield ref;
                }
                Port p = k.router.newPort(inc, d.channel()); // multicast: the receiver joins the group
                Ref ref = inc.refs.add(RefKind.PORT, p, 0, d.noFurther());
                p.ownerRef = ref;
                yield ref;
            }
            default -> inc.refs.add(d.kind(), d, d.rights(), d.noFurther());
        };
    }

    /** Makes a stream or port handle for a reference the incarnation holds (hanCreate). */
    public RefDescriptor handleFor(Ref r) {
        return switch (r.kind) {
            case STREAM -> {
                Stream s = (Stream) r.target();
                yield new RefDescriptor(RefKind.STREAM_HANDLE, s.gid, s.channel, k.nodeId, 0, false, 0);
            }
            case PORT -> {
                Port p = (Port) r.target();
                yield new RefDescriptor(RefKind.PORT_HANDLE, p.gid, p.firstChannel(), k.nodeId, 0, false, 0);
            }
            default -> throw new OperationException("a handle can be made only for a stream or a port, not a " + r.kind.label);
        };
    }

    /** A new incarnation handle with all rights, for the creator (the parent). */
    public RefDescriptor incarnationHandle(long gid) {
        return new RefDescriptor(RefKind.INCARNATION, gid, 0, Ids.node(gid), Rights.ALL, false, 0);
    }
}
