package io.rdc.runtime.ref;

import io.rdc.runtime.transport.Wire;

/**
 * A reference as it travels: in a message, in stream space, in a state snapshot. The receiving
 * kernel turns it back into a working reference in the receiver's table. Fields by kind:
 * <ul>
 * <li>INCARNATION: gid = incarnation id, rights</li>
 * <li>STREAM: channel, addr = last known port address (a copy makes a new stream on the channel)</li>
 * <li>PORT / PORT_HANDLE: gid = port id, channel, addr = node holding the port</li>
 * <li>STREAM_HANDLE: gid = stream id, channel, addr = node holding the stream</li>
 * <li>BUFFER_HANDLE: gid = owning incarnation, extra = buffer id, addr = owner's node</li>
 * </ul>
 */
public record RefDescriptor(RefKind kind, long gid, long channel, long addr, int rights, boolean noFurther, long extra) {

    public static final int ENCODED_LENGTH = 1 + 8 + 8 + 8 + 4 + 1 + 8;

    public void write(Wire.Writer w) {
        w.i8(kind.ordinal()).i64(gid).i64(channel).i64(addr).i32(rights).bool(noFurther).i64(extra);
    }

    public static RefDescriptor read(Wire.Reader r) {
        return new RefDescriptor(RefKind.of(r.i8()), r.i64(), r.i64(), r.i64(), r.i32(), r.bool(), r.i64());
    }

    public byte[] toBytes() {
        Wire.Writer w = new Wire.Writer(ENCODED_LENGTH);
        write(w);
        return w.toBytes();
    }

    public static RefDescriptor fromBytes(byte[] b) {
        return read(new Wire.Reader(b));
    }

    public RefDescriptor withRights(int r) {
        return new RefDescriptor(kind, gid, channel, addr, r, noFurther, extra);
    }

    public RefDescriptor withNoFurther(boolean nf) {
        return new RefDescriptor(kind, gid, channel, addr, rights, nf, extra);
    }
}
