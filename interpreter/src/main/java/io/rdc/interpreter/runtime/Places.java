package io.rdc.interpreter.runtime;

import static io.rdc.interpreter.runtime.RuntimeOperations.declared;

import io.rdc.interpreter.InterfaceRef;
import io.rdc.interpreter.Operations.InterfaceSpec;
import io.rdc.interpreter.runtime.RuntimeOperations.IncarnationHandle;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;

/**
 * What link, unlink, attach, rebind and freeze stream name, resolved to what the kernel takes:
 * a stream, a port or a channel. A script names each one of three ways: a stream-space label (a
 * string), an interface of an incarnation ({@code w.out}, {@code spool.in}), or a reference it got
 * from {@code get}, {@code lookup} or {@code incarnation()}. References follow the dissertation's
 * appendix B: a stream or stream handle is rebound (inc_rebindStream), a port or port handle is
 * attached (inc_attachPort), and a channel is reached through a stream on it or a port attached to
 * it. A combination that names the wrong kind fails here with what would have fitted.
 */
final class Places {
    private final RuntimeOperations ops;

    Places(RuntimeOperations ops) {
        this.ops = ops;
    }

    /** The two ends a script names: a stream, which sends, and a port, which receives. */
    enum End {
        STREAM("stream", RefKind.STREAM, RefKind.STREAM_HANDLE, "a stream sends; rebind moves streams"),
        PORT("port", RefKind.PORT, RefKind.PORT_HANDLE, "a port receives; attach moves ports");

        final String noun;
        final RefKind own, handle;
        /** Said when this end is given where the other is needed. */
        final String hint;

        End(String noun, RefKind own, RefKind handle, String hint) {
            this.noun = noun;
            this.own = own;
            this.handle = handle;
            this.hint = hint;
        }

        boolean fits(RefKind kind) {
            return kind == own || kind == handle;
        }

        End other() {
            return this == STREAM ? PORT : STREAM;
        }
    }

    /** The stream of an incarnation's stream (handle) or of the session's own stream, to rebind or freeze. */
    RefDescriptor stream(Object place, String role) {
        return end(End.STREAM, place, role);
    }

    /** The port of an incarnation's port, a port (handle) reference or a label of one in stream space, to attach or move from. */
    RefDescriptor port(Object place, String role) {
        return end(End.PORT, place, role);
    }

    private RefDescriptor end(End end, Object place, String role) {
        Object p = unwrap(place);
        return switch (p) {
            case String label -> end(end, ops.spaceGet(label), role, quoted(label) + " in stream space");
            case InterfaceRef i -> {
                RefDescriptor d = interfaceHandle(i);
                if (d.kind() != end.handle)
                    throw new OperationException(i + " is a " + end.other().noun + ": " + role + " needs a " + end.noun + example(handle(i), end));
                yield d;
            }
            case Ref r -> end(end, r, role, "a " + r.kind.label + " reference");
            case IncarnationHandle h -> throw new OperationException(h.name() + " is an incarnation: " + role
                    + " needs one of its " + end.noun + "s" + example(h, end));
            default -> throw new OperationException(role + " needs a " + end.noun + ", not " + p);
        };
    }

    private RefDescriptor end(End end, Ref r, String role, String what) {
        if (!end.fits(r.kind))
            throw new OperationException(what + " is a " + r.kind.label + ": " + role + " needs a " + end.noun + " or " + end.noun + " handle"
                    + (end.other().fits(r.kind) ? " (" + end.other().hint + ")" : ""));
        return end == End.STREAM ? kernel().streamOf(op().session(), r) : kernel().portOf(op().session(), r);
    }

    /**
     * The channel a label, interface or reference reaches: a label's channel, the channel of a
     * named port (by its label, as link has always taken it) or stream, or of a stream, port or
     * handle reference.
     */
    long channel(Object place, String role) {
        Object p = unwrap(place);
        return switch (p) {
            case String label -> RuntimeOperations.channelOf(ops.streamTo(label));
            case InterfaceRef i -> {
                IncarnationHandle h = (IncarnationHandle) i.incarnation().reference();
                InterfaceSpec spec = h.iface(i.name());
                yield spec != null && spec.kind() != InterfaceSpec.Kind.STREAM
                        ? RuntimeOperations.channelOf(ops.streamTo(spec.label())) : interfaceHandle(i).channel();
            }
            case Ref r -> switch (r.kind) {
                case STREAM, STREAM_HANDLE -> kernel().channelOf(op().session(), r);
                case PORT, PORT_HANDLE -> kernel().portOf(op().session(), r).channel();
                default -> throw new OperationException(role + " needs a channel: a " + r.kind.label
                        + " reference is on none (give a label, a port, or a stream or port reference)");
            };
            case IncarnationHandle h -> throw new OperationException(h.name() + " is an incarnation: " + role
                    + " needs a channel, like one of its ports (" + h.name() + ".in)" + declared(h));
            default -> throw new OperationException(role + " needs a channel, not " + p);
        };
    }

    /**
     * What {@code link X to DEST} gives X: a stream to DEST, which is a port of an incarnation (the
     * channel of its label), a port or port handle reference (its channel), or a stream reference
     * (the channel it sends to, as lookup gives a registered service). A stream handle names a
     * stream of somebody else's to rebind, never a destination.
     */
    RefDescriptor linkDestination(Object to, String toPort) {
        if (to instanceof IncarnationHandle b) {
            if (toPort == null) throw new OperationException("link needs a port to link to, like " + b.name() + ".in" + declared(b));
            InterfaceSpec port = b.iface(toPort);
            if (port != null && port.kind() != InterfaceSpec.Kind.STREAM) return kernel().describe(ops.streamTo(port.label()));
            if (port == null) { // not declared by this session (made by an incarnation, say): its port as it is now
                RefDescriptor d = interfaceHandle(b, toPort);
                if (d.kind() == RefKind.PORT_HANDLE) return streamToPort(d);
            }
            throw new OperationException(b.name() + "." + toPort + " is a stream: link to a port" + example(b, End.PORT));
        }
        if (to instanceof Ref r) return switch (r.kind) {
            case STREAM -> kernel().describe(r);
            case PORT, PORT_HANDLE -> streamToPort(kernel().portOf(op().session(), r));
            case STREAM_HANDLE -> throw new OperationException("a stream handle names a stream to relink, not a destination:"
                    + " link a stream to a port, a port handle or a stream reference (from get or lookup)");
            default -> throw new OperationException("a " + r.kind.label + " reference cannot be linked to: link a stream to a port,"
                    + " a port handle or a stream reference (from get or lookup)");
        };
        throw new OperationException("link needs a port or a reference from get or lookup to link to, not " + to);
    }

    /** A stream descriptor reaching a port's channel (a copy made from it sends to that port, or to the group). */
    static RefDescriptor streamToPort(RefDescriptor port) {
        return streamTo(port.channel(), port.gid());
    }

    /** A stream descriptor on a channel whose port was last known as {@code portGid}. */
    static RefDescriptor streamTo(long channel, long portGid) {
        return new RefDescriptor(RefKind.STREAM, 0, channel, Ids.isMulticast(channel) ? 0 : portGid, 0, false, 0);
    }

    // ------------------------------------------------------------ helpers

    /** An interface ref without a name is a reference standing where an interface does (see Evaluator.interfaceRef). */
    private static Object unwrap(Object place) {
        return place instanceof InterfaceRef i && i.name() == null ? i.incarnation().reference() : place;
    }

    private RefDescriptor interfaceHandle(InterfaceRef i) {
        if (!(i.incarnation().reference() instanceof IncarnationHandle h))
            throw new OperationException(i + " is not an incarnation's interface");
        return interfaceHandle(h, i.name());
    }

    private RefDescriptor interfaceHandle(IncarnationHandle h, String name) {
        ops.settledStatus(h); // its interfaces exist once its preamble has run (create returns before)
        return kernel().interfaceHandle(h.gid(), name);
    }

    private static IncarnationHandle handle(InterfaceRef i) {
        return (IncarnationHandle) i.incarnation().reference();
    }

    /** An interface of h of that end, to show as an example, or that it has none. */
    static String example(IncarnationHandle h, End end) {
        for (InterfaceSpec s : h.interfaces())
            if ((s.kind() == InterfaceSpec.Kind.STREAM) == (end == End.STREAM)) return " (like " + h.name() + "." + s.name() + ")";
        return " (" + h.name() + " declares no " + end.noun + "s)";
    }

    private static String quoted(String label) {
        return "\"" + label + "\"";
    }

    private Operator op() {
        return ops.op();
    }

    private Kernel kernel() {
        return ops.op().kernel();
    }
}
