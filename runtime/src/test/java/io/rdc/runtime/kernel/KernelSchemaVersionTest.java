package io.rdc.runtime.kernel;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.codec.LocateEncoder;
import io.rdc.runtime.kernel.codec.MessageHeaderEncoder;
import io.rdc.runtime.kernel.codec.NodeStatusReportDecoder;
import io.rdc.runtime.kernel.codec.NodeStatusReportEncoder;
import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.transport.Frames;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: the kernel schema is versioned. A message of an older version decodes with the
 * defaults of the fields it lacks; one this node cannot read (before the schema, another schema,
 * an unknown message) is refused with a clear error and counted, and the count is in node status.
 */
class KernelSchemaVersionTest {
    static final int NODE = 201;

    /** A node status report as a version-1 node writes it: no unreadableMessages field (sinceVersion 2), a shorter block. */
    static byte[] versionOneStatusReport(int incarnations, double load, long refusedFrames) {
        KernelCodec.Outgoing out = new KernelCodec.Outgoing();
        out.begin(new NodeStatusReportEncoder()).incarnations(incarnations).load(load).refusedFrames(refusedFrames);
        int blockV1 = 4 + 8 + 8;
        UnsafeBuffer b = new UnsafeBuffer(new byte[KernelCodec.HEADER + blockV1]);
        b.putBytes(0, out.buffer(), 0, b.capacity());
        new MessageHeaderEncoder().wrap(b, 0).blockLength(blockV1).version(1);
        return b.byteArray();
    }

    @Test
    void aVersionOneNodeStatusReportDecodesWithTheNewFieldAtItsDefault() {
        assertTrue(KernelCodec.VERSION >= 2, "the schema has a version-2 field");
        NodeInfo n = new NodeInfo(NODE, "n1", List.of("all"), "default", java.util.Map.of());
        NodeStatus s = NodeLoad.statusOf(n, new Kernel.Response(Frames.OK, versionOneStatusReport(3, 0.5, 7)));
        assertEquals(3, s.incarnations());
        assertEquals(0.5, s.load());
        assertEquals(7, s.refusedFrames());
        assertEquals(0, s.unreadableMessages(), "a version-1 node does not count unreadable messages: the default");
        assertEquals(0, s.queued(), "nor queued work (version 3): the default");
        assertEquals(0.0, s.busy(), "nor handler time (version 3): the default, not SBE's NaN");

        // The same report at the current version carries the field (so the default above is not what any decoding gives).
        KernelCodec.Outgoing current = new KernelCodec.Outgoing();
        current.begin(new NodeStatusReportEncoder()).incarnations(3).load(0.5).refusedFrames(7).unreadableMessages(11).queued(13).busy(1.5);
        NodeStatus now = NodeLoad.statusOf(n, new Kernel.Response(Frames.OK, current.toBytes()));
        assertEquals(11, now.unreadableMessages());
        assertEquals(13, now.queued());
        assertEquals(1.5, now.busy());
        assertEquals(7, now.refusedFrames());
    }

    /**
     * Version 4 added module versions to list and status: in a group of their own after the
     * incarnations (not as var data inside each entry, which would shift an older reader's next
     * entry), and as trailing var data of the status report. A version-3 message reads with none.
     */
    @Test
    void aVersionThreeListingReadsEveryEntryAndNoVersions() {
        KernelCodec.Outgoing out = new KernelCodec.Outgoing();
        io.rdc.runtime.kernel.codec.ListingEncoder enc = out.begin(new io.rdc.runtime.kernel.codec.ListingEncoder());
        io.rdc.runtime.kernel.codec.ListingEncoder.IncarnationsEncoder e = enc.incarnationsCount(2);
        e.next().incarnation(1).rdc(9).name("a").module("m1");
        e.next().incarnation(2).rdc(9).name("b").module("m2");
        byte[] v3 = out.toBytes(); // what a version-3 node writes: the incarnations only
        new MessageHeaderEncoder().wrap(new UnsafeBuffer(v3), 0).version(3);
        io.rdc.runtime.kernel.codec.ListingDecoder d = new Kernel.Response(Frames.OK, v3).read(new io.rdc.runtime.kernel.codec.ListingDecoder());
        List<String> names = new java.util.ArrayList<>();
        for (var i : d.incarnations()) names.add(i.name() + "/" + i.module());
        assertEquals(List.of("a/m1", "b/m2"), names);
        assertEquals(0, d.moduleHashes().count(), "a version-3 node sends no versions");

        enc.moduleHashesCount(2).next().moduleHash("h1").next().moduleHash("h2");
        io.rdc.runtime.kernel.codec.ListingDecoder d4 = new Kernel.Response(Frames.OK, out.toBytes()).read(new io.rdc.runtime.kernel.codec.ListingDecoder());
        names.clear();
        for (var i : d4.incarnations()) names.add(i.name() + "/" + i.module()); // var data is read in order, all of it
        for (var h : d4.moduleHashes()) names.add(h.moduleHash());
        assertEquals(List.of("a/m1", "b/m2", "h1", "h2"), names);
    }

    @Test
    void aMessageOfAnotherSchemaOrVersionIsRefusedWithAClearError() {
        byte[] report = versionOneStatusReport(1, 0, 0);
        new MessageHeaderEncoder().wrap(new UnsafeBuffer(report), 0).version(0);
        Kernel.Response preSchema = new Kernel.Response(Frames.OK, report);
        KernelCodec.Unreadable e = assertThrows(KernelCodec.Unreadable.class, () -> preSchema.read(new NodeStatusReportDecoder()));
        assertTrue(e.getMessage().contains("version 0"), e.getMessage());

        byte[] other = versionOneStatusReport(1, 0, 0);
        new MessageHeaderEncoder().wrap(new UnsafeBuffer(other), 0).schemaId(1313);
        Kernel.Response otherSchema = new Kernel.Response(Frames.OK, other);
        e = assertThrows(KernelCodec.Unreadable.class, () -> otherSchema.read(new NodeStatusReportDecoder()));
        assertTrue(e.getMessage().contains("schema 1313"), e.getMessage());
    }

    @Test
    void aLiveNodeCountsTheRequestsItCannotReadAndSaysSoInItsStatus() throws Exception {
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults())) {
            Kernel k = pool.kernel(NODE);
            // A LOCATE of version 1 (its block has not changed) is read; the same request as an rdc
            // before the schema wrote it (the channel alone, no header) is refused and counted.
            KernelCodec.Outgoing locate = new KernelCodec.Outgoing();
            locate.begin(new LocateEncoder()).channel(Ids.make(NODE, 77));
            new MessageHeaderEncoder().wrap((org.agrona.MutableDirectBuffer) locate.buffer(), 0).version(1);
            byte[] readable = request(Kernel.OP_LOCATE, locate.toBytes());
            UnsafeBuffer old = new UnsafeBuffer(new byte[8]);
            old.putLong(0, Ids.make(NODE, 77));
            byte[] unreadable = request(Kernel.OP_LOCATE, old.byteArray());
            long before = k.refusedMessages(), malformedBefore = k.malformedFrames();
            CompletableFuture<long[]> counts = new CompletableFuture<>();
            k.onKernel(() -> {
                k.receiveForTest(new UnsafeBuffer(readable), 0, readable.length);
                long afterReadable = k.refusedMessages();
                k.receiveForTest(new UnsafeBuffer(unreadable), 0, unreadable.length);
                counts.complete(new long[] {afterReadable, k.refusedMessages(), k.malformedFrames()});
            });
            long[] c = counts.get(30, TimeUnit.SECONDS);
            assertEquals(before, c[0], "a version-1 LOCATE is read");
            assertEquals(before + 1, c[1], "a request without the kernel schema's header is refused and counted");
            assertEquals(malformedBefore + 1, c[2], "and counted among the frames the kernel dropped");
            NodeStatus s = NodeLoad.statusOf(new NodeInfo(NODE, "n", List.of(), "default", java.util.Map.of()),
                    k.request(NODE, Kernel.OP_NODE_STATUS, NodeLoad.statusQuery(), TimeUnit.SECONDS.toNanos(5)));
            assertEquals(before + 1, s.unreadableMessages(), "node status says how many it refused");
        }
    }

    /** A request frame from node 250 (not in the pool: the answer goes nowhere), with an empty operator trailer. */
    private static byte[] request(int op, byte[] payload) {
        UnsafeBuffer q = new UnsafeBuffer(new byte[Frames.Q_HEADER + payload.length + Authority.TRAILER_LENGTH_BYTES]);
        Frames.putHeaderTo(q, Frames.REQUEST, 0, 0, 250);
        q.putLong(Frames.Q_CALL, 1);
        q.putInt(Frames.Q_OP, op);
        q.putBytes(Frames.Q_HEADER, payload);
        return q.byteArray();
    }
}
