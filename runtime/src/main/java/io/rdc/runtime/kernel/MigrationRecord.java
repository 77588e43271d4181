package io.rdc.runtime.kernel;

import io.rdc.runtime.kernel.codec.MessageHeaderEncoder;
import io.rdc.runtime.kernel.codec.MigrateChunkEncoder;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Wire;
import io.rdc.runtime.util.ByteSink;
import io.rdc.runtime.util.ByteSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * An incarnation's kernel record (§7.4.3: pincdata, reference table, the routing of its queues)
 * with its state and interfaces, as migration, checkpoint and fork take it between two handlers,
 * and its shipping to a node in chunks. The format is Wire's, field by field, read back by
 * {@link Migrator#onInstall}; records in checkpoint files keep it (docs/architecture.md).
 */
final class MigrationRecord {
    private final Kernel k;

    MigrationRecord(Kernel k) {
        this.k = k;
    }
    /** The largest piece of state in one Aeron message (the publication's limit is a term/8). */
    static final int CHUNK = 256 * 1024;
    /** Records that carried module code (D lacked the hash): module code moves only then. */
    final java.util.concurrent.atomic.AtomicLong codeShipped = new java.util.concurrent.atomic.AtomicLong();

    /** The kernel record and state, as D needs them (§7.4.3: pincdata, reference table, queues' routing). */
    /**
     * A kernel record in three parts: the record proper and the state's length, the state (the bulk,
     * shipped from where the encoder wrote it), the interfaces with their length.
     */
    record Record(byte[] head, ByteSource state, byte[] tail) implements ByteSource {
        @Override
        public int length() {
            return head.length + state.length() + tail.length;
        }

        @Override
        public void writeTo(ByteSink sink) {
            sink.put(head);
            state.writeTo(sink);
            sink.put(tail);
        }

        @Override
        public void close() {
            state.close();
        }
    }

    /** As above; {@code channelsOf} (fork) gives each port the channels its copy gets. */
    Record record(Incarnation inc, List<Ref> table, Launcher.Captured c, boolean destHasCode,
                  java.util.function.Function<Port, long[]> channelsOf) {
        ModuleStore.Module mod = inc.module;
        if (!destHasCode) codeShipped.incrementAndGet();
        Wire.Writer w = new Wire.Writer(1024 + (destHasCode ? 0 : mod.code().length() * 3));
        w.i64(inc.gid).i64(inc.rdcId).str(inc.name).i64(inc.parentGid).str(mod.hash()).str(mod.name()).str(destHasCode ? null : mod.code())
                .str(inc.argsJson).i32(inc.priority).bool(inc.frozenRequested).i8(inc.state.ordinal()).i64(inc.handlerNanos).i64(inc.handlerRuns)
                .i64(inc.createdMillis).i64(inc.stateBytes).str(inc.statePreview);
        List<Incarnation.Interest> interests;
        synchronized (inc) {
            interests = new ArrayList<>(inc.interests);
        }
        w.i32(interests.size());
        for (Incarnation.Interest i : interests) w.i64(i.watcher()).i32(i.mask());
        synchronized (inc.buffers) {
            w.i32(inc.buffers.size());
            for (var e : inc.buffers.entrySet()) w.i64(e.getKey()).bytes(e.getValue());
        }
        inc.held.write(w);
        w.i32(table.size());
        for (Ref ref : table) {
            w.i8(ref.kind.ordinal()).i32(ref.rights()).bool(ref.noFurtherPropagation());
            Object t = ref.target();
            if (t instanceof Stream s) {
                Stream.Retarget rt = s.retarget;
                w.i64(s.gid).i64(s.channel).i64(s.destAddr).i64(s.lastSeq).str(s.name).bool(s.frozen).str(s.failure)
                        .i64(rt == null ? 0 : rt.channel()).i64(rt == null ? 0 : rt.addr()).i64(rt == null ? 0 : rt.epoch()).i64(s.sent)
                        .i64(s.epoch).i64(s.epochsIssued);
            } else if (t instanceof Port p) {
                long[] chans = channelsOf == null ? p.channels() : channelsOf.apply(p);
                w.i64(p.gid).str(p.name).i32(chans.length);
                for (long ch : chans) w.i64(ch);
            } else {
                ((RefDescriptor) t).write(w);
            }
        }
        w.i32(c.state().length());
        Wire.Writer tail = new Wire.Writer(8 + c.ifaces().length).bytes(c.ifaces());
        // Unicast ports it got from stream space, which only it may return: label and table index. Last,
        // and optional, so that records (checkpoint files) written before it was carried still read.
        List<String> labels = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        synchronized (inc.spaceCache) {
            for (Map.Entry<String, Ref> e : inc.spacePorts.entrySet()) {
                int i = indexOf(table, e.getValue());
                if (i < 0) continue;
                labels.add(e.getKey());
                at.add(i);
            }
        }
        tail.i32(labels.size());
        for (int i = 0; i < labels.size(); i++) tail.str(labels.get(i)).i32(at.get(i));
        // Its termination dependencies (§7.3.1), also optional: they move and are checkpointed with it.
        List<Dependencies.Dependency> deps = inc.dependsOn;
        tail.i32(deps.size());
        for (Dependencies.Dependency d : deps) tail.i64(d.parent()).i32(d.mode());
        // What it created and what it watches, with where each is now (optional too): it hears
        // UNREACHABLE of them from its new node (Ghosts.onNodeDown).
        List<Map.Entry<Long, Incarnation.Child>> kids = new ArrayList<>(inc.children.entrySet());
        tail.i32(kids.size());
        for (Map.Entry<Long, Incarnation.Child> e : kids) tail.i64(e.getKey()).str(e.getValue().name()).i32(e.getValue().node());
        List<Map.Entry<Long, Integer>> watched = new ArrayList<>(inc.watching.entrySet());
        tail.i32(watched.size());
        for (Map.Entry<Long, Integer> e : watched) tail.i64(e.getKey()).i32(e.getValue()).i32(inc.watchedAt.getOrDefault(e.getKey(), 0));
        return new Record(w.toBytes(), c.state(), tail.toBytes());
    }

    static int indexOf(List<Ref> table, Ref ref) {
        for (int i = 0; i < table.size(); i++) if (table.get(i) == ref) return i;
        return -1;
    }

    /** The module a record's incarnation runs: {hash, name} (from the record's header, in the record's own format). */
    static String[] moduleOf(byte[] record) {
        Wire.Reader hdr = new Wire.Reader(record);
        hdr.i64();
        hdr.i64();
        hdr.str();
        hdr.i64();
        String hash = hdr.str();
        return new String[] {hash, hdr.str()};
    }

    /**
     * Sends the record to D in chunks from this (the incarnation's) thread; the kernel thread never
     * blocks on it. The record is written through one frame-sized array: the state's buffers are read
     * from the context straight into it and offered from there, so the bulk is copied twice in all
     * (guest to array, array to Aeron's log) through memory that stays in cache.
     */
    void ship(int dest, long gid, ByteSource record) {
        // Whole frames where they are large (IPC: 64 KB), so D reads each in place, not reassembled.
        // The frame: a MIGRATE_CHUNK request whose data (the piece) the sink writes in place.
        int at = Frames.Q_HEADER + KernelCodec.HEADER + MigrateChunkEncoder.BLOCK_LENGTH + MigrateChunkEncoder.pieceHeaderLength();
        int frame = k.transport().maxPayloadLength(dest) - at;
        int chunk = frame >= 16 * 1024 ? frame : CHUNK;
        int total = record.length();
        // Back-pressured (D copies out slower than this fills): yield the core to D rather than spin.
        org.agrona.concurrent.IdleStrategy idle = new org.agrona.concurrent.YieldingIdleStrategy();
        UnsafeBuffer b = new UnsafeBuffer(new byte[at + chunk]);
        MessageHeaderEncoder header = new MessageHeaderEncoder();
        MigrateChunkEncoder piece = new MigrateChunkEncoder();
        ByteSink frames = new ByteSink(b.byteArray(), at) {
            int offset;

            @Override
            protected void full(byte[] array, int from, int to) {
                int n = to - from;
                Frames.putHeaderTo(b, Frames.REQUEST, 0, 0, k.nodeId());
                b.putLong(Frames.Q_CALL, 0);
                b.putInt(Frames.Q_OP, Kernel.OP_MIGRATE_CHUNK);
                piece.wrapAndApplyHeader(b, Frames.Q_HEADER, header).transfer(gid).at(offset).total(total);
                // The piece's length prefix (SBE var data: uint32 length, then the bytes, already in place).
                b.putInt(at - MigrateChunkEncoder.pieceHeaderLength(), n, java.nio.ByteOrder.LITTLE_ENDIAN);
                if (k.transport().offer(dest, b, 0, to, idle) != Frames.OK)
                    throw new OperationException("node " + dest + " is unreachable");
                offset += n;
            }
        };
        try {
            record.writeTo(frames);
            frames.finish();
        } finally {
            record.close();
        }
    }

    /**
     * Flushes what it sent and takes its record (incarnation thread, between handlers): nothing it
     * sent may be in flight when it sends again from elsewhere (a later message could overtake).
     */
    Record takeRecord(Incarnation inc, boolean destHasCode, java.util.function.Function<Port, long[]> channelsOf) {
        for (Stream s : inc.streams()) {
            if (s.closed || s.failure != null || s.lastSeq == s.ackedSeq) continue;
            try {
                k.sender.flush(s);
            } catch (OperationException e) {
                // a failed stream is recorded as failed
            }
        }
        List<Ref> table = inc.refs.snapshot();
        Launcher l = k.launcher();
        if (l == null) throw new OperationException("node " + k.nodeId() + " has no incarnation host");
        Launcher.Captured c = l.capture(inc, table);
        try {
            return record(inc, table, c, destHasCode, channelsOf);
        } catch (RuntimeException e) {
            c.state().close();
            throw e;
        }
    }
}
