package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Wire;

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

    void onBuffer(int src, long call, int op, Wire.Reader r) {
        long owner = r.i64();
        long id = r.i64();
        int offset = r.i32();
        Incarnation inc = k.local(owner);
        byte[] b = localBuffer(inc, id);
        if (op == OP_BUFFER_READ) {
            int n = r.i32();
            if (offset < 0 || n < 0 || offset + n > b.length)
                throw new OperationException("copyFrom: range " + offset + ".." + (offset + n) + " is outside the buffer of " + b.length + " bytes");
            byte[] out = java.util.Arrays.copyOfRange(b, offset, offset + n);
            k.publisher.respond(src, call, Frames.OK, k.publisher.kw.reset().bytes(out));
        } else {
            byte[] data = r.bytes();
            if (offset < 0 || offset + data.length > b.length)
                throw new OperationException("copyTo: range " + offset + ".." + (offset + data.length) + " is outside the buffer of " + b.length + " bytes");
            System.arraycopy(data, 0, b, offset, data.length);
            k.publisher.respond(src, call, Frames.OK, null);
        }
    }

    public byte[] copyFrom(RefDescriptor handle, int offset, int n) {
        Response r = k.requests.request(Ids.node(handle.gid()), OP_BUFFER_READ,
                new Wire.Writer().i64(handle.gid()).i64(handle.extra()).i32(offset).i32(n), REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException(r.error());
        return r.reader().bytes();
    }

    public void copyTo(RefDescriptor handle, int offset, byte[] data) {
        Response r = k.requests.request(Ids.node(handle.gid()), OP_BUFFER_WRITE,
                new Wire.Writer().i64(handle.gid()).i64(handle.extra()).i32(offset).bytes(data), REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException(r.error());
    }
}
