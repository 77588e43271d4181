package io.rdc.runtime.control;

import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Publication;
import io.rdc.runtime.control.codecs.*;
import io.rdc.runtime.kernel.NameService;
import io.rdc.runtime.node.NodeInfo;
import java.util.ArrayDeque;
import java.util.Map;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.IdleStrategy;

/**
 * The control service's whole state as SBE snapshot records (rdc-control.xml, templates 100+),
 * written in a fixed order and read back in the same order: counters, id blocks, members, RDCs
 * with their names, stream-space entries and waiting getters, registrations, clients with their
 * remembered answers, the users file and node allocations (version 4), operator-token revocations
 * (version 6), then an end record carrying
 * the record count as a check.
 */
final class ControlSnapshot {
    private ControlSnapshot() {}

    static void write(ControlService s, ExclusivePublication pub, IdleStrategy idle) {
        Writer w = new Writer(pub, idle);
        MessageHeaderEncoder h = new MessageHeaderEncoder();
        ExpandableDirectByteBuffer b = w.buf;
        w.send(new SnapCountersEncoder().wrapAndApplyHeader(b, 0, h).nextRdc(s.nextRdc).blockSize(ControlService.ID_BLOCK_SIZE)
                .unreachableAfterMs(s.unreachableAfterMs).revocations(s.revocations.version()).encodedLength());
        for (Map.Entry<Integer, Long> e : s.blockNext.entrySet())
            w.send(new SnapBlockEncoder().wrapAndApplyHeader(b, 0, h).node(e.getKey()).nextCounter(e.getValue()).encodedLength());
        for (ControlService.MemberState m : s.members.values())
            w.send(new SnapMemberEncoder().wrapAndApplyHeader(b, 0, h).node(m.info.id()).isOperator(ControlCodec.flag(m.operator))
                    .reachable(ControlCodec.flag(m.reachable)).incarnations(m.incarnations).lastHeartbeat(m.lastHeartbeat).load(m.load)
                    .name(m.info.name()).nodeType(m.info.type()).groups(ControlCodec.lines(m.info.groups()))
                    .attributes(ControlCodec.pairs(m.info.attributes())).encodedLength());
        for (ControlService.RdcState r : s.rdcs.values()) {
            w.send(new SnapRdcEncoder().wrapAndApplyHeader(b, 0, h).id(r.id).attached(ControlCodec.flag(r.attached))
                    .terminated(ControlCodec.flag(r.terminated)).openerClient(r.openerClient).name(r.name).owner(r.owner).encodedLength());
            for (Map.Entry<String, String> n : r.names.entrySet())
                w.send(new SnapNameEncoder().wrapAndApplyHeader(b, 0, h).rdc(r.id).name(n.getKey()).value(n.getValue()).encodedLength());
        }
        for (SpaceTable t : s.spaces.values()) {
            for (Map.Entry<String, SpaceTable.Entry> e : t.entries.entrySet()) {
                SnapEntryEncoder enc = new SnapEntryEncoder().wrapAndApplyHeader(b, 0, h).rdc(t.rdc).copies(e.getValue().copies).copyLimit(e.getValue().limit);
                ControlCodec.put(enc.desc(), e.getValue().ref);
                w.send(enc.label(e.getKey()).encodedLength());
                for (Map.Entry<Long, Integer> held : e.getValue().holders.entrySet())
                    w.send(new SnapHolderEncoder().wrapAndApplyHeader(b, 0, h).rdc(t.rdc).holder(held.getKey()).count(held.getValue())
                            .label(e.getKey()).encodedLength());
            }
            for (Map.Entry<String, ArrayDeque<SpaceTable.Getter>> q : t.waiting.entrySet())
                for (SpaceTable.Getter g : q.getValue())
                    w.send(new SnapWaiterEncoder().wrapAndApplyHeader(b, 0, h).rdc(t.rdc).client(g.client()).seq(g.seq()).holder(g.holder())
                            .label(q.getKey()).encodedLength());
        }
        for (Map.Entry<String, NameService.Registration> e : s.registry.entries().entrySet()) {
            SnapRegistrationEncoder enc = new SnapRegistrationEncoder().wrapAndApplyHeader(b, 0, h).ownerRdc(e.getValue().ownerRdc());
            ControlCodec.put(enc.desc(), e.getValue().ref());
            w.send(enc.name(e.getKey()).readers(ControlCodec.lines(e.getValue().readers())).encodedLength());
        }
        for (Map.Entry<Long, ControlService.ClientState> e : s.clients.entrySet()) {
            ControlService.ClientState c = e.getValue();
            w.send(new SnapClientEncoder().wrapAndApplyHeader(b, 0, h).client(e.getKey()).session(c.session).maxApplied(c.forgottenUpTo)
                    .closedAt(c.closedAt).encodedLength());
            for (Map.Entry<Long, byte[]> a : c.answers.entrySet()) {
                byte[] bytes = a.getValue() == null ? new byte[0] : a.getValue();
                w.send(new SnapResponseEncoder().wrapAndApplyHeader(b, 0, h).client(e.getKey()).seq(a.getKey())
                        .pending(ControlCodec.flag(a.getValue() == null)).putBytes(bytes, 0, bytes.length).encodedLength());
            }
        }
        Allocations al = s.allocations;
        w.send(new SnapUsersEncoder().wrapAndApplyHeader(b, 0, h).epoch(al.epoch).open(ControlCodec.flag(al.users == null))
                .source(al.users == null ? "" : al.users.source()).text(al.users == null ? "" : al.users.text()).encodedLength());
        for (Map.Entry<Long, java.util.TreeSet<Integer>> e : al.held.entrySet())
            for (int node : e.getValue())
                w.send(new SnapAllocatedEncoder().wrapAndApplyHeader(b, 0, h).rdc(e.getKey()).node(node).encodedLength());
        for (Allocations.Demand d : al.demands)
            w.send(new SnapDemandEncoder().wrapAndApplyHeader(b, 0, h).rdc(d.rdc).count(d.count).group(d.group).encodedLength());
        s.onDemand.snapshot(b, h, w::send);
        s.revocations.forEach((operator, rdc, at) ->
                w.send(new SnapRevocationEncoder().wrapAndApplyHeader(b, 0, h).rdc(rdc).revokedAt(at).operatorName(operator).encodedLength()));
        long records = w.records;
        w.send(new SnapEndEncoder().wrapAndApplyHeader(b, 0, h).records(records).encodedLength());
    }

    private static final class Writer {
        final ExpandableDirectByteBuffer buf = new ExpandableDirectByteBuffer(1024);
        final ExclusivePublication pub;
        final IdleStrategy idle;
        long records;

        Writer(ExclusivePublication pub, IdleStrategy idle) {
            this.pub = pub;
            this.idle = idle;
        }

        void send(int bodyLength) {
            int len = MessageHeaderEncoder.ENCODED_LENGTH + bodyLength;
            idle.reset();
            long r;
            while ((r = pub.offer(buf, 0, len)) < 0) {
                if (r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED)
                    throw new IllegalStateException("control snapshot: the snapshot publication failed (" + r + ")");
                idle.idle();
            }
            records++;
        }
    }

    static void load(ControlService s, Image image, IdleStrategy idle) {
        Loader l = new Loader(s);
        FragmentAssembler a = new FragmentAssembler((buf, off, len, hdr) -> l.on(buf, off));
        idle.reset();
        while (!l.done) {
            int n = image.poll(a, 16);
            if (n > 0) {
                idle.reset();
                continue;
            }
            if (image.isClosed() || image.isEndOfStream()) throw new IllegalStateException("control snapshot: ended before its end record");
            idle.idle();
        }
    }

    private static final class Loader {
        final ControlService s;
        final MessageHeaderDecoder h = new MessageHeaderDecoder();
        boolean done;
        long records;

        Loader(ControlService s) {
            this.s = s;
        }

        void on(DirectBuffer buf, int off) {
            h.wrap(buf, off);
            if (h.schemaId() != MessageHeaderDecoder.SCHEMA_ID)
                throw new IllegalStateException("control snapshot: a record of schema " + h.schemaId() + ", not " + MessageHeaderDecoder.SCHEMA_ID);
            int at = off + MessageHeaderDecoder.ENCODED_LENGTH, bl = h.blockLength(), v = h.version();
            switch (h.templateId()) {
                case SnapCountersDecoder.TEMPLATE_ID -> {
                    SnapCountersDecoder d = new SnapCountersDecoder().wrap(buf, at, bl, v);
                    s.nextRdc = d.nextRdc();
                    long revocations = d.revocations(); // a version-5 snapshot has none
                    s.revocations.version(revocations == SnapCountersDecoder.revocationsNullValue() ? 0 : revocations);
                }
                case SnapBlockDecoder.TEMPLATE_ID -> {
                    SnapBlockDecoder d = new SnapBlockDecoder().wrap(buf, at, bl, v);
                    s.blockNext.put(d.node(), d.nextCounter());
                }
                case SnapMemberDecoder.TEMPLATE_ID -> {
                    SnapMemberDecoder d = new SnapMemberDecoder().wrap(buf, at, bl, v);
                    ControlService.MemberState m = new ControlService.MemberState();
                    int node = d.node();
                    m.operator = d.isOperator() != 0;
                    m.reachable = d.reachable() != 0;
                    m.incarnations = d.incarnations();
                    m.lastHeartbeat = d.lastHeartbeat();
                    m.load = d.load();
                    String name = d.name(), type = d.nodeType(), groups = d.groups(), attrs = d.attributes();
                    m.info = new NodeInfo(node, name, ControlCodec.lines(groups), type, ControlCodec.pairs(attrs));
                    s.members.put(node, m);
                }
                case SnapRdcDecoder.TEMPLATE_ID -> {
                    SnapRdcDecoder d = new SnapRdcDecoder().wrap(buf, at, bl, v);
                    ControlService.RdcState r = new ControlService.RdcState();
                    r.id = d.id();
                    r.attached = d.attached() != 0;
                    r.terminated = d.terminated() != 0;
                    r.openerClient = d.openerClient();
                    r.name = d.name();
                    r.owner = d.owner();
                    s.rdcs.put(r.id, r);
                }
                case SnapNameDecoder.TEMPLATE_ID -> {
                    SnapNameDecoder d = new SnapNameDecoder().wrap(buf, at, bl, v);
                    long rdc = d.rdc();
                    String name = d.name();
                    s.rdcs.get(rdc).names.put(name, d.value());
                }
                case SnapEntryDecoder.TEMPLATE_ID -> {
                    SnapEntryDecoder d = new SnapEntryDecoder().wrap(buf, at, bl, v);
                    SpaceTable.Entry e = new SpaceTable.Entry();
                    long rdc = d.rdc();
                    e.copies = d.copies();
                    e.limit = d.copyLimit();
                    e.ref = ControlCodec.get(d.desc());
                    s.spaces.computeIfAbsent(rdc, SpaceTable::new).entries.put(d.label(), e);
                }
                case SnapHolderDecoder.TEMPLATE_ID -> {
                    SnapHolderDecoder d = new SnapHolderDecoder().wrap(buf, at, bl, v);
                    long rdc = d.rdc(), holder = d.holder();
                    int count = d.count();
                    SpaceTable.Entry e = s.spaces.get(rdc).entries.get(d.label()); // written right after its entry
                    e.holders.put(holder, count);
                }
                case SnapWaiterDecoder.TEMPLATE_ID -> {
                    SnapWaiterDecoder d = new SnapWaiterDecoder().wrap(buf, at, bl, v);
                    SpaceTable.Getter g = new SpaceTable.Getter(d.client(), d.seq(), d.holder());
                    long rdc = d.rdc();
                    s.spaces.computeIfAbsent(rdc, SpaceTable::new).waiting.computeIfAbsent(d.label(), k -> new ArrayDeque<>()).add(g);
                }
                case SnapRegistrationDecoder.TEMPLATE_ID -> {
                    SnapRegistrationDecoder d = new SnapRegistrationDecoder().wrap(buf, at, bl, v);
                    long owner = d.ownerRdc();
                    var ref = ControlCodec.get(d.desc());
                    String name = d.name(), readers = d.readers(); // "" in a version-2 snapshot: the name was public
                    s.registry.restore(name, new NameService.Registration(ref, owner, ControlCodec.lines(readers)));
                }
                case SnapClientDecoder.TEMPLATE_ID -> {
                    SnapClientDecoder d = new SnapClientDecoder().wrap(buf, at, bl, v);
                    ControlService.ClientState c = new ControlService.ClientState();
                    c.session = d.session();
                    c.forgottenUpTo = d.maxApplied();
                    c.closedAt = d.closedAt();
                    s.clients.put(d.client(), c);
                    if (c.closedAt == 0) s.sessionClients.put(c.session, d.client());
                }
                case SnapResponseDecoder.TEMPLATE_ID -> {
                    SnapResponseDecoder d = new SnapResponseDecoder().wrap(buf, at, bl, v);
                    long client = d.client(), seq = d.seq();
                    boolean pending = d.pending() != 0;
                    byte[] bytes = new byte[d.bytesLength()];
                    d.getBytes(bytes, 0, bytes.length);
                    s.clients.get(client).answers.put(seq, pending ? null : bytes);
                }
                case SnapUsersDecoder.TEMPLATE_ID -> { // absent from a version-3 snapshot: the pool stays open
                    SnapUsersDecoder d = new SnapUsersDecoder().wrap(buf, at, bl, v);
                    long epoch = d.epoch();
                    boolean open = d.open() != 0;
                    String source = d.source(), text = d.text();
                    s.allocations.users = open ? null : PoolUsers.parse(source, text);
                    s.allocations.epoch = epoch;
                }
                case SnapAllocatedDecoder.TEMPLATE_ID -> {
                    SnapAllocatedDecoder d = new SnapAllocatedDecoder().wrap(buf, at, bl, v);
                    s.allocations.held.computeIfAbsent(d.rdc(), k -> new java.util.TreeSet<>()).add(d.node());
                }
                case SnapDemandDecoder.TEMPLATE_ID -> {
                    SnapDemandDecoder d = new SnapDemandDecoder().wrap(buf, at, bl, v);
                    long rdc = d.rdc();
                    int count = d.count();
                    s.allocations.demands.add(new Allocations.Demand(rdc, d.group(), count));
                }
                case SnapNodeCounterDecoder.TEMPLATE_ID, SnapOnDemandNodeDecoder.TEMPLATE_ID -> s.onDemand.load(h.templateId(), buf, at, bl, v);
                case SnapRevocationDecoder.TEMPLATE_ID -> {
                    SnapRevocationDecoder d = new SnapRevocationDecoder().wrap(buf, at, bl, v);
                    long rdc = d.rdc(), revokedAt = d.revokedAt();
                    s.revocations.restore(d.operatorName(), rdc, revokedAt);
                }
                case SnapEndDecoder.TEMPLATE_ID -> {
                    long expected = new SnapEndDecoder().wrap(buf, at, bl, v).records();
                    if (expected != records)
                        throw new IllegalStateException("control snapshot: " + records + " records read, the end record says " + expected);
                    done = true;
                    return;
                }
                default -> throw new IllegalStateException("control snapshot: unknown record template " + h.templateId());
            }
            records++;
        }
    }
}
