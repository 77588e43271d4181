package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.kernel.codec.BufferBytesDecoder;
import io.rdc.runtime.kernel.codec.BufferBytesEncoder;
import io.rdc.runtime.kernel.codec.BufferReadDecoder;
import io.rdc.runtime.kernel.codec.BufferReadEncoder;
import io.rdc.runtime.kernel.codec.BufferWriteDecoder;
import io.rdc.runtime.kernel.codec.BufferWriteEncoder;

import static io.rdc.runtime.kernel.Kernel.*;

/** Buffer handles (§4.5): an incarnation's buffers, read and written by holders of a handle with no synchronisation with the owner. */
final class BufferHandles {
    private final Kernel k;

    BufferHandles(Kernel k) {
        this.k = k;
    }

    // ---- buffer handles: copyTo / copyFrom (§4.5), no synchronisation with the owner

    public long newBuffer(Incarnation owner, int size) {
        if (size < 0) throw new OperationException("a buffer of " + size + " bytes: the size must be 0 or more");
        long id = k.newGid(); // node-tagged: a migrated incarnation keeps its buffers' ids unique
        synchronized (owner.buffers) {
            long held = 0;
            for (byte[] b : owner.buffers.values()) held += b.length;
            long quota = k.limits.bufferBytes;
            if (held + size > quota)
                throw new OperationException("a buffer of " + size + " bytes would make " + owner.name + "'s buffers " + (held + size)
                        + " bytes, over its quota of " + quota + " bytes (rdc.limit.bufferBytes)");
            owner.buffers.put(id, new byte[size]);
        }
        return id;
    }

    public byte[] localBuffer(Incarnation owner, long id) {
        synchronized (owner.buffers) {
            byte[] b = owner.buffers.get(id);
            if (b == null) throw new OperationException("buffer " + id + " does not exist");
            return b;
        }
    }

    private final BufferBytesEncoder bufferBytes = new BufferBytesEncoder();

    void onBufferRead(int src, long call, BufferReadDecoder r) {
        long owner = r.owner(), id = r.bufferId();
        int offset = r.at(), n = r.length();
        Incarnation inc = k.local(owner);
        byte[] b = localBuffer(inc, id);
        if (offset < 0 || n < 0 || offset + n > b.length)
            throw new OperationException("copyFrom: range " + offset + ".." + (offset + n) + " is outside the buffer of " + b.length + " bytes");
        KernelCodec.Outgoing out = k.publisher.out;
        out.begin(bufferBytes).putData(b, offset, n);
        k.publisher.respond(src, call, Frames.OK, out);
    }

    void onBufferWrite(int src, long call, BufferWriteDecoder r) {
        long owner = r.owner(), id = r.bufferId();
        int offset = r.at();
        Incarnation inc = k.local(owner);
        byte[] b = localBuffer(inc, id);
        int length = KernelCodec.fits(r, r.dataLength());
        if (offset < 0 || offset + length > b.length)
            throw new OperationException("copyTo: range " + offset + ".." + (offset + length) + " is outside the buffer of " + b.length + " bytes");
        r.getData(b, offset, length);
        k.publisher.respond(src, call, Frames.OK, null);
    }

    public byte[] copyFrom(RefDescriptor handle, int offset, int n) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(48);
        q.begin(new BufferReadEncoder()).owner(handle.gid()).bufferId(handle.extra()).at(offset).length(n);
        Response r = k.requests.request(Ids.node(handle.gid()), OP_BUFFER_READ, q, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException(r.error());
        BufferBytesDecoder d = r.read(new BufferBytesDecoder());
        byte[] out = new byte[KernelCodec.fits(d, d.dataLength())];
        d.getData(out, 0, out.length);
        return out;
    }

    public void copyTo(RefDescriptor handle, int offset, byte[] data) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(48 + data.length);
        q.begin(new BufferWriteEncoder()).owner(handle.gid()).bufferId(handle.extra()).at(offset).putData(data, 0, data.length);
        Response r = k.requests.request(Ids.node(handle.gid()), OP_BUFFER_WRITE, q, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException(r.error());
    }
}
