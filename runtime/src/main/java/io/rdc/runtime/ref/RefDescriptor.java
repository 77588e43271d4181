package io.rdc.runtime.ref;

import io.rdc.runtime.kernel.codec.DescriptorDecoder;
import io.rdc.runtime.kernel.codec.DescriptorEncoder;
import io.rdc.runtime.transport.Wire;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

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

    /** The kernel schema's descriptor composite (src/main/sbe/rdc-kernel.xml): the bytes a message, a snapshot or a record holds. */
    public static final int ENCODED_LENGTH = DescriptorEncoder.ENCODED_LENGTH;

    public void encode(DescriptorEncoder e) {
        e.kind((short) kind.ordinal()).gid(gid).channel(channel).addr(addr).rights(rights).noFurther((short) (noFurther ? 1 : 0)).extra(extra);
    }

    public static RefDescriptor decode(DescriptorDecoder d) {
        return new RefDescriptor(RefKind.of(d.kind()), d.gid(), d.channel(), d.addr(), d.rights(), d.noFurther() != 0, d.extra());
    }

    /** The descriptor in {@code [off, off + len)} (a frame's reference bytes); a clear error when they are too few. */
    public static RefDescriptor read(DirectBuffer buf, int off, int len) {
        if (len < ENCODED_LENGTH) throw new IllegalArgumentException("a reference of " + len + " bytes, shorter than a descriptor (" + ENCODED_LENGTH + ")");
        return decode(new DescriptorDecoder().wrap(buf, off));
    }

    public void write(Wire.Writer w) {
        w.i8(kind.ordinal()).i64(gid).i64(channel).i64(addr).i32(rights).bool(noFurther).i64(extra);
    }

    public static RefDescriptor read(Wire.Reader r) {
        return new RefDescriptor(RefKind.of(r.i8()), r.i64(), r.i64(), r.i64(), r.i32(), r.bool(), r.i64());
    }

    public byte[] toBytes() {
        byte[] b = new byte[ENCODED_LENGTH];
        encode(new DescriptorEncoder().wrap(new UnsafeBuffer(b), 0));
        return b;
    }

    public static RefDescriptor fromBytes(byte[] b) {
        return read(new UnsafeBuffer(b), 0, b.length);
    }

    public RefDescriptor withRights(int r) {
        return new RefDescriptor(kind, gid, channel, addr, r, noFurther, extra);
    }

    public RefDescriptor withNoFurther(boolean nf) {
        return new RefDescriptor(kind, gid, channel, addr, rights, nf, extra);
    }
}
