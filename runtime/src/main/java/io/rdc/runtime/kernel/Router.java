package io.rdc.runtime.kernel;

import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.kernel.codec.ChannelInfoDecoder;
import io.rdc.runtime.kernel.codec.ChannelInfoEncoder;
import io.rdc.runtime.kernel.codec.TextLinesDecoder;
import io.rdc.runtime.kernel.codec.TextLinesEncoder;
import io.rdc.runtime.kernel.codec.LocateDecoder;
import io.rdc.runtime.kernel.codec.LocateEncoder;
import io.rdc.runtime.kernel.codec.LocatedDecoder;
import io.rdc.runtime.kernel.codec.LocatedEncoder;
import io.rdc.runtime.transport.Wire;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * The routing database (§8.4.2) and what reads it: local ports by address and by channel, the
 * redirection entries left behind by ports, channel attachments and rebound streams that moved
 * (§8.4.3, §8.5), the streams that send from here, locate (§8.4.3) and multicast delivery
 * (§8.4.4). {@link #onData} is the receiving end of the data path: it routes each arriving frame
 * to a port's queue, holds it, or forwards it along a redirection (kernel thread only).
 */
final class Router {
    private final Kernel k;

    Router(Kernel k) {
        this.k = k;
    }

    // ---- routing database and local objects (kernel thread only)
    final Long2ObjectHashMap<Port> ports = new Long2ObjectHashMap<>();
    final Long2ObjectHashMap<ArrayList<Port>> channelPorts = new Long2ObjectHashMap<>();
    final Long2LongHashMap redirections = new Long2LongHashMap(0);
    /** A unicast channel's attachment that moved away from a port here: channel to the new port (§8.5.2). */
    final Long2LongHashMap channelRedirections = new Long2LongHashMap(0);
    /**
     * A rebound stream's messages of earlier bindings still arriving at its old port(s) here (§8.5.3):
     * stream to {old port, new port, new channel, new binding's epoch}, four longs per old port.
     * Never needs removing: it applies only to frames stamped with an earlier epoch.
     */
    final Long2ObjectHashMap<long[]> streamRedirections = new Long2ObjectHashMap<>();
    final Long2ObjectHashMap<Stream> streams = new Long2ObjectHashMap<>();

    /** Creates a port owned by {@code owner}, attached to {@code channel}, and enters it in the routing database. */
    public Port newPort(Incarnation owner, long channel) {
        Port p = new Port(k.newGid(), owner, channel);
        synchronized (owner) {
            owner.ports.add(p);
        }
        k.callOnKernel(() -> {
            if (!Ids.isMulticast(channel)) {
                ArrayList<Port> existing = channelPorts.get(channel);
                if (existing != null && !existing.isEmpty())
                    throw new OperationException("channel " + Ids.show(channel) + " is unicast and already has a port");
            }
            ports.put(p.gid, p);
            route(p, channel);
            return null;
        });
        return p;
    }

    /** Creates a stream owned by {@code owner} on {@code channel}; addrHint is the port address if known. */
    public Stream newStream(Incarnation owner, long channel, long addrHint) {
        Stream s = new Stream(k.newGid(), owner, channel, addrHint);
        synchronized (owner) {
            owner.streams.add(s);
        }
        k.callOnKernel(() -> streams.put(s.gid, s));
        return s;
    }

    public void closePort(Port p) {
        if (p.closed) return;
        p.closed = true;
        synchronized (p.owner) {
            p.owner.ports.remove(p);
        }
        k.callOnKernel(() -> {
            unrouteAll(p);
            if (p.holdSenders) {
                p.holdSenders = false;
                replayHeld(p); // senders held for a new port that will not come: refused like later arrivals
            }
            return null;
        });
        // Messages still queued at a closed port are refused to their invokers.
        for (Message m : p.owner.inbox.drainMessages()) {
            if (m.port == p) k.sender.failInvoker(m, "port " + Ids.show(p.gid) + " was closed");
            else p.owner.inbox.put(m);
        }
    }

    public void closeStream(Stream s) {
        s.closed = true;
        synchronized (s.owner) {
            s.owner.streams.remove(s);
        }
        k.onKernel(() -> streams.remove(s.gid));
    }

    /** Finds the port(s) of a stream's channel by broadcasting LOCATE (§8.4.3). */
    void locate(Stream st) {
        long found = 0;
        int members = 0;
        for (NodeInfo n : k.pool.nodes()) {
            if (!k.transport.isConnected(n.id()) && n.id() != k.nodeId) continue;
            Response r;
            try {
                r = k.requests.request(n.id(), OP_LOCATE, locateRequest(st.channel), TimeUnit.SECONDS.toNanos(2));
            } catch (OperationException e) {
                continue; // an unreachable node holds no port we can use
            }
            if (r.status() == Frames.OK) {
                LocatedDecoder rd = r.read(new LocatedDecoder());
                int count = rd.ports();
                long first = rd.first();
                members += count;
                if (found == 0 && count > 0) found = first;
            }
        }
        if (members == 0)
            throw new OperationException("send on " + st + " failed: " + (st.multicast ? "group " + Ids.show(st.channel) + " has no member"
                    : "no port is attached to channel " + Ids.show(st.channel)));
        if (!st.multicast) st.destAddr = found;
    }

    /**
     * A node said the group of a multicast stream sent from here has no member there, up to
     * {@code seq}. If every node the stream's messages reach says so for its first unacknowledged
     * message, that message reached no one: the stream fails now, and its next send or flush says
     * why (a node's acknowledgements arrive in order, so a member's OK for that message would have
     * come first).
     */
    void noMember(Stream st, int node, long seq) {
        List<NodeInfo> nodes = k.pool.nodes();
        int at = -1;
        for (int i = 0; i < nodes.size() && i < 64; i++) if (nodes.get(i).id() == node) at = i;
        if (at < 0) return;
        if (st.noMemberSeq == null) st.noMemberSeq = new long[Math.min(64, nodes.size())];
        if (seq > st.noMemberSeq[at]) st.noMemberSeq[at] = seq;
        long first = st.ackedSeq + 1;
        long mask = st.offeredMask;
        if (seq < first || mask == 0 || st.failure != null || st.closed) return;
        for (long m = mask; m != 0; m &= m - 1) {
            int i = Long.numberOfTrailingZeros(m);
            if (i >= st.noMemberSeq.length || st.noMemberSeq[i] < first) return; // a node that may still have a member for it
        }
        st.failure = "multicast message " + first + " reached no member of group " + Ids.show(st.channel) + ": none of the "
                + Long.bitCount(mask) + " nodes it reached has a member";
        k.ghosts.raise(st.owner, Event.Type.STREAM_CLOSED, st.failure);
    }

    void onData(DirectBuffer buf, int off, int len) {
        int flags = buf.getByte(off + Frames.FLAGS);
        int kind = flags & Frames.KIND_MASK;
        int src = buf.getInt(off + Frames.SRC_NODE);
        long stream = buf.getLong(off + Frames.D_STREAM);
        long seq = buf.getLong(off + Frames.D_SEQ);
        long channel = buf.getLong(off + Frames.D_CHANNEL);
        long portAddr = buf.getLong(off + Frames.D_PORT);
        boolean multicast = (flags & Frames.F_MULTICAST) != 0;
        // A forwarded frame was acknowledged where it first queued; a redirected one (hops > 0) was not.
        boolean forwarded = (flags & Frames.F_FORWARDED) != 0;
        boolean rerouted = forwarded || buf.getInt(off + Frames.D_HOPS) > 0;
        boolean ack = kind != Frames.KIND_DGRAM && !forwarded;

        if (multicast) {
            ArrayList<Port> members = channelPorts.get(channel);
            org.agrona.collections.LongArrayList proxied = k.migrator.multicastProxies.get(channel);
            if ((members == null || members.isEmpty()) && proxied == null) {
                // Not a member here: drop (§8.4.4), and say so, so an empty group fails its sender at once.
                if (ack) k.acks.queueAck(src, stream, seq, 0, channel, Frames.NO_MEMBER);
                return;
            }
            long last = 0;
            if (members != null) for (int i = 0; i < members.size(); i++) {
                Port p = members.get(i);
                if (queueFull(p) != null) continue; // a member over its queue quota misses group messages until it catches up
                deliver(p, buf, off, kind, src, stream, seq, channel);
                last = p.gid;
            }
            // Members that migrated away: this kernel is their proxy on the channel (§8.5.4), so
            // the group's messages reach them by one path, in order.
            if (proxied != null) for (int i = 0; i < proxied.size(); i++) {
                long to = proxied.getLong(i);
                k.publisher.kbuf.putBytes(0, buf, off, len);
                k.publisher.kbuf.putByte(Frames.FLAGS, (byte) ((flags & ~Frames.F_MULTICAST) | Frames.F_FORWARDED));
                k.publisher.kbuf.putLong(Frames.D_PORT, to);
                k.publisher.kbuf.putInt(Frames.D_HOPS, k.publisher.kbuf.getInt(Frames.D_HOPS) + 1);
                k.outbox.offer(Ids.node(to), k.publisher.kbuf, 0, len);
                last = to;
            }
            if (ack) k.acks.queueAck(src, stream, seq, last, channel, Frames.OK);
            return;
        }

        if (portAddr != 0) {
            // The stream was rebound away from this port: a frame of an earlier binding follows it
            // (however it came here), restamped with the new binding's epoch so that no older
            // redirection catches it again; frames of that binding or a later one never do.
            long[] sr = streamRedirections.get(stream);
            if (sr != null) {
                for (int i = 0; i < sr.length; i += 4) {
                    if (sr[i] == portAddr && buf.getLong(off + Frames.D_EPOCH) < sr[i + 3]) {
                        k.publisher.forwardFrame(buf, off, len, sr[i + 1], sr[i + 2], sr[i + 3]);
                        return;
                    }
                }
            }
        }
        Port port = portAddr != 0 ? ports.get(portAddr) : null;
        if (port != null) {
            if (!rerouted && !port.channels.containsLong(channel) && port.pendingChannels.containsLong(channel)) {
                hold(port, buf, off, len); // attaching: direct arrivals wait for the old port's queue
                return;
            }
            if (!port.channels.containsLong(channel) && !(rerouted && port.pendingChannels.containsLong(channel))) {
                // This channel's attachment moved to another port: follow it, whoever sent this.
                long next = channelRedirections.get(channel);
                if (next != 0 && next != port.gid) {
                    k.publisher.forwardFrame(buf, off, len, next, 0, 0);
                    return;
                }
                port = null;
            }
        }
        if (port == null && portAddr != 0) {
            long next = redirections.get(portAddr);
            if (next == 0) next = channelRedirections.get(channel);
            if (next != 0 && next != portAddr) {
                if (Ids.node(next) != k.nodeId) {
                    k.publisher.forwardFrame(buf, off, len, next, 0, 0);
                    return;
                }
                port = ports.get(next);
            }
        }
        if (port == null && Ids.isMulticast(channel)) return; // a proxied group message for a member that is gone
        if (port == null) {
            ArrayList<Port> l = channelPorts.get(channel);
            if (l != null && !l.isEmpty()) port = l.get(0);
            else {
                long next = channelRedirections.get(channel);
                if (next != 0 && Ids.node(next) != k.nodeId) {
                    k.publisher.forwardFrame(buf, off, len, next, 0, 0);
                    return;
                }
            }
        }
        if (port == null || port.closed) {
            if (kind != Frames.KIND_DGRAM && !forwarded) {
                k.acks.queueAck(src, stream, seq, 0, channel, Frames.NO_PORT);
                long invoke = buf.getLong(off + Frames.D_INVOKE);
                if (invoke != 0) {
                    byte[] why = ("no port is attached to channel " + Ids.show(channel) + " at node " + k.nodeId).getBytes(StandardCharsets.UTF_8);
                    int rl = k.publisher.encodeReply(k.publisher.kbuf, invoke, Frames.NO_PORT, 0, why, null, null);
                    k.outbox.offer(buf.getInt(off + Frames.D_REPLY_NODE), k.publisher.kbuf, 0, rl);
                }
            }
            return;
        }
        if (port.holdSenders) {
            hold(port, buf, off, len); // propagated retained, senders held (§6.2.4): unacknowledged until the new port is received
            heldSenderMessages++;
            return;
        }
        String full = queueFull(port);
        if (full != null) {
            // Back-pressure: refused, and the sender's stream fails saying why (docs/containment.md).
            if (ack) {
                k.acks.queueAck(src, stream, seq, 0, channel, ST_QUEUE_FULL);
                long invoke = buf.getLong(off + Frames.D_INVOKE);
                if (invoke != 0) {
                    int rl = k.publisher.encodeReply(k.publisher.kbuf, invoke, Frames.FAILED, 0, full.getBytes(StandardCharsets.UTF_8), null, null);
                    k.outbox.offer(buf.getInt(off + Frames.D_REPLY_NODE), k.publisher.kbuf, 0, rl);
                }
            }
            return;
        }
        deliver(port, buf, off, kind, src, stream, seq, channel);
        if (ack) k.acks.queueAck(src, stream, seq, port.gid, channel, Frames.OK);
    }

    /** Why a port takes no more messages (its queue is at its quota), or null. Kernel thread; reads the counts unlocked (a message more or less). */
    String queueFull(Port port) {
        Limits l = k.limits;
        int n = port.queued;
        long bytes = port.queuedBytes;
        if (n < l.portMessages && bytes < l.portBytes) return null;
        return "the queue of port " + Ids.show(port.gid) + " at node " + k.nodeId + " is full (" + n + " messages, " + bytes
                + " bytes; quota " + l.portMessages + " messages, " + l.portBytes + " bytes: rdc.limit.portMessages, rdc.limit.portBytes)";
    }

    void deliver(Port port, DirectBuffer buf, int off, int kind, int src, long stream, long seq, long channel) {
        int hl = buf.getShort(off + Frames.SHORT_FIELD) & 0xFFFF;
        int bl = buf.getInt(off + Frames.D_BODY_LEN);
        int rl = buf.getInt(off + Frames.D_REF_LEN);
        byte[] head = hl == 0 ? null : new byte[hl];
        if (hl > 0) buf.getBytes(off + Frames.D_HEADER, head);
        byte[] body = bl == 0 ? null : new byte[bl];
        if (bl > 0) buf.getBytes(off + Frames.D_HEADER + hl, body);
        RefDescriptor ref = null;
        if (rl > 0) ref = RefDescriptor.read(buf, off + Frames.D_HEADER + hl + bl, rl);
        long invoke = buf.getLong(off + Frames.D_INVOKE);
        int replyNode = buf.getInt(off + Frames.D_REPLY_NODE);
        Message m = new Message(port, stream, seq, channel, src, kind, invoke, replyNode, head, body, ref, buf.getLong(off + Frames.D_EPOCH));
        if (TRACE != null) TRACE.add(Ids.show(port.gid) + " seq " + seq + " hops " + buf.getInt(off + Frames.D_HOPS)
                + ((buf.getByte(off + Frames.FLAGS) & Frames.F_FORWARDED) != 0 ? " fwd" : "") + " at node " + k.nodeId + " from " + src);
        Incarnation owner = port.owner;
        Probe.stamp(1);
        owner.inbox.put(m);
        if (!owner.interests.isEmpty()) k.ghosts.raise(owner, Event.Type.MESSAGE, "port " + Ids.show(port.gid));
    }

    /** What is attached to a channel on every reachable node: "port owner.name (id) at node" and "stream …" lines. */
    public List<String> channelInfo(long channel) {
        List<String> out = new ArrayList<>();
        for (NodeInfo n : k.pool.nodes()) {
            try {
                KernelCodec.Outgoing q = new KernelCodec.Outgoing(32);
                q.begin(new ChannelInfoEncoder()).channel(channel);
                Response r = k.requests.request(n.id(), OP_CHANNEL_INFO, q, TimeUnit.SECONDS.toNanos(2));
                if (r.status() != Frames.OK) continue;
                for (TextLinesDecoder.LinesDecoder line : r.read(new TextLinesDecoder()).lines()) out.add(line.line());
            } catch (OperationException e) {
                // unreachable node: nothing to report from it
            }
        }
        return out;
    }

    /** Arrivals this kernel held pending for a port propagated retained with senders held (§6.2.4). Kernel thread writes. */
    volatile long heldSenderMessages;

    public long heldSenderMessages() {
        return heldSenderMessages;
    }
    static void hold(Port port, DirectBuffer buf, int off, int len) {
        byte[] copy = new byte[len];
        buf.getBytes(off, copy);
        port.held.add(copy);
    }

    /** Replays held frames as arrivals, in the order they came (kernel thread). */
    void replayHeld(Port port) {
        if (port.held.isEmpty()) return;
        List<byte[]> frames = new ArrayList<>(port.held);
        port.held.clear();
        for (byte[] f : frames) onData(new org.agrona.concurrent.UnsafeBuffer(f), 0, f.length);
    }

    /** Enters a port on a channel in the routing database (kernel thread); the inverse of unroute. */
    void route(Port p, long channel) {
        if (!p.channels.containsLong(channel)) p.channels.addLong(channel);
        ArrayList<Port> l = channelPorts.computeIfAbsent(channel, k -> new ArrayList<>());
        if (!l.contains(p)) l.add(p);
    }

    /** Removes a port from the routing database altogether (kernel thread). */
    void unrouteAll(Port p) {
        ports.remove(p.gid);
        for (long ch : p.channels()) unroute(p, ch);
    }

    /** Removes a port's entries for one channel from the routing database (kernel thread). */
    void unroute(Port p, long channel) {
        p.channels.removeLong(channel);
        ArrayList<Port> l = channelPorts.get(channel);
        if (l != null) {
            l.remove(p);
            if (l.isEmpty()) channelPorts.remove(channel);
        }
    }

    /** The address of a unicast channel's port, by LOCATE (§8.4.3). */
    public long locatePort(long channel) {
        for (NodeInfo n : k.pool.nodes()) {
            if (!k.transport.isConnected(n.id()) && n.id() != k.nodeId) continue;
            try {
                Response r = k.requests.request(n.id(), OP_LOCATE, locateRequest(channel), TimeUnit.SECONDS.toNanos(2));
                LocatedDecoder rd = r.read(new LocatedDecoder());
                if (rd.ports() > 0) return rd.first();
            } catch (OperationException e) {
                // unreachable: holds nothing we can use
            }
        }
        throw new OperationException("no port is attached to channel " + Ids.show(channel));
    }

    // ---- locate (§8.4.3)

    private static KernelCodec.Outgoing locateRequest(long channel) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(32);
        q.begin(new LocateEncoder()).channel(channel);
        return q;
    }

    private final LocatedEncoder located = new LocatedEncoder();
    private final TextLinesEncoder channelInfoLines = new TextLinesEncoder();

    void onLocate(int src, long call, LocateDecoder r) {
        long channel = r.channel();
        ArrayList<Port> l = channelPorts.get(channel);
        int n = 0;
        long first = 0;
        if (l != null) for (Port p : l) if (!p.closed) {
            if (first == 0) first = p.gid;
            n++;
        }
        if (n == 0 && !Ids.isMulticast(channel) && channelRedirections.get(channel) != 0) {
            // Its port moved on (migration, propagation): the redirection is the way there.
            first = channelRedirections.get(channel);
            n = 1;
        }
        KernelCodec.Outgoing out = k.publisher.out;
        out.begin(located).ports(n).first(first);
        k.publisher.respond(src, call, Frames.OK, out);
    }

    /**
     * Attaches a port to one more channel (that of {@code channelStream}): messages from all its
     * channels merge into the port in arrival order (§4.1). A unicast channel may have one port.
     */
    public void joinChannel(Incarnation inc, Ref port, Ref channelStream) {
        Port p = (Port) inc.refs.check(port, RefKind.PORT).target();
        long ch = ((Stream) inc.refs.check(channelStream, RefKind.STREAM).target()).channel;
        k.callOnKernel(() -> {
            if (p.channels.containsLong(ch)) return null;
            ArrayList<Port> l = channelPorts.get(ch);
            if (!Ids.isMulticast(ch) && l != null && !l.isEmpty())
                throw new OperationException("channel " + Ids.show(ch) + " is unicast and already has a port");
            route(p, ch);
            return null;
        });
    }

    /** What is attached to a channel here, for channelInfo. */
    void onChannelInfo(int src, long call, ChannelInfoDecoder r) {
        long ch = r.channel();
        List<String> out = new ArrayList<>();
        ArrayList<Port> l = channelPorts.get(ch);
        // A port's queue is shown: no message is kept by a port nobody reads without it being visible (issue 14).
        if (l != null) for (Port p : l) out.add("port " + p.owner.name + (p.name != null ? "." + p.name : "") + " (" + Ids.show(p.gid) + ") at " + k.nodeId
                + (p.queued > 0 ? " queued " + p.queued : ""));
        for (Stream st : streams.values())
            if (st.channel == ch && !st.closed && !st.owner.destroyed)
                out.add("stream " + st.owner.name + (st.name != null ? "." + st.name : "") + " (" + Ids.show(st.gid) + ") at " + k.nodeId);
        KernelCodec.Outgoing message = k.publisher.out;
        TextLinesEncoder.LinesEncoder lines = message.begin(channelInfoLines).linesCount(out.size());
        for (String x : out) lines.next().line(x);
        k.publisher.respond(src, call, Frames.OK, message);
    }
}
