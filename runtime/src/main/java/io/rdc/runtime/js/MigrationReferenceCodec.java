package io.rdc.runtime.js;

import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.Message;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.kernel.Port;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.state.ReferenceCodec;
import io.rdc.runtime.transport.Wire;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.LongFunction;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.graalvm.polyglot.proxy.Proxy;

/**
 * References inside a migrating incarnation's state. Unlike a snapshot's portable descriptors
 * ({@link KernelReferenceCodec}), which make new streams and move ports when restored, a migration
 * keeps the very same objects: each reference is written as its position in the incarnation's
 * table, which travels alongside and is re-made at the destination with the same stream ids and
 * sequence numbers and the ports at their new addresses. A reply handle (a deferred invocation)
 * travels inline, so the invoker, still waiting, is answered from the new node.
 */
final class MigrationReferenceCodec implements ReferenceCodec {
    private static final byte TABLE = 1, DEFERRED = 2, FILE = 3;

    private final IdentityHashMap<Ref, Integer> positions;
    private final List<Ref> table;
    private final LongFunction<Port> portByOldGid;
    /** Where files it brings are reopened, and how it arrives (arrivals only). */
    private final FileHandles files;
    private final io.rdc.runtime.files.OpenFile.Arrival how;

    private MigrationReferenceCodec(IdentityHashMap<Ref, Integer> positions, List<Ref> table, LongFunction<Port> portByOldGid,
                                    FileHandles files, io.rdc.runtime.files.OpenFile.Arrival how) {
        this.positions = positions;
        this.table = table;
        this.portByOldGid = portByOldGid;
        this.files = files;
        this.how = how;
    }

    static MigrationReferenceCodec forCapture(Kernel kernel, Incarnation inc, List<Ref> table) {
        IdentityHashMap<Ref, Integer> pos = new IdentityHashMap<>();
        for (int i = 0; i < table.size(); i++) pos.put(table.get(i), i);
        return new MigrationReferenceCodec(pos, table, null, null, null);
    }

    /** {@code mode}: the arrival's (0 migrated, 1 restored, 2 forked); open files are reopened through {@code files}. */
    static MigrationReferenceCodec forArrival(List<Ref> table, LongFunction<Port> portByOldGid, FileHandles files, int mode) {
        io.rdc.runtime.files.OpenFile.Arrival how = io.rdc.runtime.files.OpenFile.Arrival.values()[mode];
        return new MigrationReferenceCodec(null, table, portByOldGid, files, how);
    }

    @Override
    public boolean isReference(Proxy proxy) {
        return proxy instanceof JsRef || proxy instanceof JsReply || proxy instanceof JsFile;
    }

    @Override
    public int encode(Proxy reference, MutableDirectBuffer dst, int offset) {
        if (reference instanceof JsRef r) {
            Integer i = positions.get(r.ref);
            if (i == null) throw new OperationException(r.ref + " is closed or not in its table; it cannot move");
            dst.putByte(offset, TABLE);
            dst.putInt(offset + 1, i);
            return 5;
        }
        if (reference instanceof JsFile f) {
            // Inline, like a deferred invocation: path, position and unflushed writes (OpenFile.writeTo).
            Wire.Writer w = new Wire.Writer(64).i8(FILE);
            f.file.writeTo(w);
            dst.putBytes(offset, w.buffer(), 0, w.length());
            return w.length();
        }
        Message m = ((JsReply) reference).message;
        Wire.Writer w = new Wire.Writer(64 + (m.head == null ? 0 : m.head.length) + (m.body == null ? 0 : m.body.length));
        w.i8(DEFERRED).i64(m.port.gid).i64(m.streamGid).i64(m.seq).i64(m.channel).i32(m.srcNode).i32(m.kind).i64(m.invokeId)
                .i32(m.replyNode).bytes(m.head).bytes(m.body).bool(m.ref != null).bool(m.awaitsReply());
        if (m.ref != null) m.ref.write(w);
        dst.putBytes(offset, w.buffer(), 0, w.length());
        return w.length();
    }

    @Override
    public Object decode(DirectBuffer src, int offset, int length) {
        if (src.getByte(offset) == TABLE) {
            int i = src.getInt(offset + 1);
            if (i < 0 || i >= table.size()) throw new IllegalArgumentException("reference position " + i + " outside its table");
            return JsRef.of(table.get(i));
        }
        Wire.Reader r = new Wire.Reader(src, offset + 1, length - 1);
        if (src.getByte(offset) == FILE) return files.arrived(io.rdc.runtime.files.OpenFile.reopen(r, files.dir(), how));
        long portGid = r.i64(), stream = r.i64(), seq = r.i64(), channel = r.i64();
        int srcNode = r.i32(), kind = r.i32();
        long invokeId = r.i64();
        int replyNode = r.i32();
        byte[] head = r.bytes(), body = r.bytes();
        boolean hasRef = r.bool();
        boolean awaits = r.bool();
        RefDescriptor ref = hasRef ? RefDescriptor.read(r) : null;
        Port p = portByOldGid.apply(portGid);
        Message m = Message.deferredAt(p, stream, seq, channel, srcNode, kind, awaits ? invokeId : 0, replyNode, head, body, ref);
        return new JsReply(m);
    }
}
