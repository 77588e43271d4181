package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.kernel.codec.*;
import java.util.ArrayList;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * Reconfiguration (ch. 6, §8.5) at the nodes it touches: port propagation (§6.2.1, figures 8.4 and
 * 8.5), port attachment (§6.2.2, §8.5.2), stream rebinding (§6.2.3, figure 8.6) and stream freezing.
 *
 * <p>Equus needed "moving" ports and "pending" messages because its forwarding could be interleaved
 * with arrivals. Here the node that gives a port up does so in one step on its kernel thread: the
 * routing entries go, the redirection comes, the queue is forwarded (drained under the inbox lock,
 * so reception cannot interleave) — arrivals are processed before or after, never during. What
 * arrives later follows the redirection, in order. Senders switch to the new address only once
 * nothing they sent is in flight (Stream.retarget). Stream redirections are scoped by binding epoch
 * (Frames.D_EPOCH): they catch the frames of earlier bindings, however those travelled, and never a
 * frame of the new one, so none has to be taken back (docs/reconfiguration.md, "Binding epochs").
 */
final class Reconfiguration {
    private final Kernel k;

    Reconfiguration(Kernel k) {
        this.k = k;
    }

    // ---- port propagation (§6.2.1, figures 8.4 and 8.5)

    /**
     * The receiving side of a propagated unicast port (figure 8.4): a new port here on the same
     * channels, activated by the node that held it, which forwards the queue (unless retained)
     * and leaves redirection entries; then this node enters the port in its routing database.
     */
    Port receivePort(Incarnation inc, RefDescriptor d, boolean moveQueue) {
        Port p = new Port(k.newGid(), inc, d.channel());
        synchronized (inc) {
            inc.ports.add(p);
        }
        k.callOnKernel(() -> k.router.ports.put(p.gid, p)); // reachable by address (forwarded queue) before the channel entry
        Response r = k.requests.request(Ids.node(d.gid()), OP_ACTIVATE, activateRequest(d.gid(), p.gid, moveQueue, 0), REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) {
            k.callOnKernel(() -> k.router.ports.remove(p.gid));
            synchronized (inc) {
                inc.ports.remove(p);
            }
            throw new OperationException("receiving port " + Ids.show(d.gid()) + ": " + r.error());
        }
        ActivatedDecoder.ChannelsDecoder given = r.read(new ActivatedDecoder()).channels();
        long[] chans = new long[given.count()];
        for (int i = 0; i < chans.length; i++) chans[i] = given.next().channel();
        k.callOnKernel(() -> {
            p.channels.clear();
            for (long c : chans) k.router.route(p, c);
            return null;
        });
        return p;
    }

    /** ACTIVATE of {@code port}, to move to {@code to}; restoring 1: only say whether it is parked; 2: take it only if parked. */
    static KernelCodec.Outgoing activateRequest(long port, long to, boolean moveQueue, int restoring) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(48);
        q.begin(new ActivatePortEncoder()).port(port).to(to).moveQueue((short) (moveQueue ? 1 : 0)).restoring((short) restoring);
        return q;
    }

    private final ActivatedEncoder activated = new ActivatedEncoder();

    private void respondActivated(int src, long call, int outcome, long[] chans) {
        KernelCodec.Outgoing out = k.publisher.out;
        ActivatedEncoder.ChannelsEncoder e = out.begin(activated).outcome(outcome).channelsCount(chans.length);
        for (long c : chans) e.next().channel(c);
        k.publisher.respond(src, call, Frames.OK, out);
    }

    /** Figure 8.5 at the node giving the port up, in one step on the kernel thread. */
    void onActivate(int src, long call, ActivatePortDecoder r) {
        long old = r.port();
        long to = r.to();
        boolean moveQueue = r.moveQueue() != 0;
        int restoring = r.restoring(); // 1: only say whether it is parked; 2: take it only if parked
        Port p = k.router.ports.get(old);
        if (restoring != 0 && (p == null || p.closed)) {
            respondActivated(src, call, -1, new long[0]); // gone: the restored port takes the channel afresh
            return;
        }
        if (p == null || p.closed) throw new OperationException("port " + Ids.show(old) + " is not at node " + k.nodeId + " (moved or closed)");
        if (restoring != 0 && !p.owner.parked)
            throw new OperationException("port " + Ids.show(old) + " is held by " + p.owner.name + ", which is still running; destroy it "
                    + "first, or checkpoint it 'and destroy'");
        if (restoring == 1) {
            respondActivated(src, call, 0, new long[0]);
            return;
        }
        long[] chans = p.channels();
        for (long c : chans) {
            k.router.unroute(p, c);
            k.router.channelRedirections.put(c, to);
        }
        k.router.ports.remove(old);
        k.router.redirections.put(old, to);
        if (moveQueue) for (Message m : p.owner.inbox.drain(o -> ((Message) o).port == p)) k.publisher.forwardMessage(m, to);
        // Senders held pending since the propagation (§6.2.4) follow the redirection just made, before any later arrival.
        if (p.holdSenders) {
            p.holdSenders = false;
            k.router.replayHeld(p);
        }
        // The original detaches (§6.2.1); retained, it keeps what was queued but receives nothing new.
        if (moveQueue) {
            p.closed = true;
            synchronized (p.owner) {
                p.owner.ports.remove(p);
            }
            Ref ref = p.ownerRef;
            if (ref != null && !ref.isClosed()) p.owner.refs.remove(ref);
        }
        respondActivated(src, call, chans.length, chans);
    }

    // ---- port attachment (§6.2.2, §8.5.2)

    /**
     * attachPort: attaches {@code newPort} to a channel — that of {@code oldPort}, which is detached
     * from it (its messages from that channel forwarded when {@code moveQueue}), or the channel of
     * {@code channelStream} when no old port is given (joining a multicast group). Applied by any
     * holder of the port handles.
     */
    public void attach(RefDescriptor newPort, RefDescriptor oldPort, long channel, boolean moveQueue) {
        long ch = channel != 0 ? channel : oldPort != null ? oldPort.channel() : 0;
        if (ch == 0) throw new OperationException("attachPort needs the old port's handle or a channel to attach to");
        KernelCodec.Outgoing w = new KernelCodec.Outgoing(48);
        w.begin(new AttachEncoder()).newPort(newPort.gid()).channel(ch).oldPort(oldPort == null ? 0 : oldPort.gid()).moveQueue((short) (moveQueue ? 1 : 0));
        Response r = k.requests.request(Ids.node(newPort.gid()), OP_ATTACH, w, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("attachPort: " + r.error());
    }

    void onAttach(int src, long call, AttachDecoder r) {
        long newGid = r.newPort();
        long ch = r.channel();
        long oldGid = r.oldPort();
        boolean moveQueue = r.moveQueue() != 0;
        Port p = k.router.ports.get(newGid);
        if (p == null || p.closed) throw new OperationException("port " + Ids.show(newGid) + " is not at node " + k.nodeId);
        if (oldGid == 0) {
            ArrayList<Port> l = k.router.channelPorts.get(ch);
            if (!Ids.isMulticast(ch) && l != null && !l.isEmpty())
                throw new OperationException("channel " + Ids.show(ch) + " is unicast and has a port; give the port to detach");
            k.router.route(p, ch);
            k.publisher.respond(src, call, Frames.OK, null);
            return;
        }
        // The channel joins this port only once the old port has let it go: until then, messages
        // sent to this node over the channel still follow the old route (which forwards them in
        // order after the old queue), and forwarded ones are delivered here by address.
        p.pendingChannels.addLong(ch);
        KernelCodec.Outgoing w = new KernelCodec.Outgoing(48);
        w.begin(new DetachEncoder()).oldPort(oldGid).channel(ch).to(newGid).moveQueue((short) (moveQueue ? 1 : 0));
        k.requests.requestAsync(Ids.node(oldGid), OP_DETACH, w, resp -> {
            p.pendingChannels.removeLong(ch);
            if (resp.status() != Frames.OK) {
                k.router.replayHeld(p); // they follow the old route after all
                k.publisher.respondError(src, call, "detaching " + Ids.show(oldGid) + ": " + resp.error());
                return;
            }
            k.router.route(p, ch);
            k.router.channelRedirections.remove(ch);
            k.router.replayHeld(p); // after the old queue, which arrived before the detach's response
            k.publisher.respond(src, call, Frames.OK, null);
        });
    }

    /** §8.5.2 at the detached port's node: one channel's attachment and its arrived messages go. */
    void onDetach(int src, long call, DetachDecoder r) {
        long oldGid = r.oldPort();
        long ch = r.channel();
        long to = r.to();
        boolean moveQueue = r.moveQueue() != 0;
        Port p = k.router.ports.get(oldGid);
        if (p == null || !p.channels.containsLong(ch))
            throw new OperationException("port " + Ids.show(oldGid) + " is not attached to channel " + Ids.show(ch) + " at node " + k.nodeId);
        k.router.unroute(p, ch);
        k.router.channelRedirections.put(ch, to);
        if (moveQueue) for (Message m : p.owner.inbox.drain(o -> ((Message) o).port == p && ((Message) o).channel == ch)) k.publisher.forwardMessage(m, to);
        k.publisher.respond(src, call, Frames.OK, null);
    }

    // ---- stream rebinding (§6.2.3, figure 8.6)

    /**
     * rebindStream: the stream of {@code streamHandle} sends to {@code newChannel} from now on. With
     * {@code fromPort}, the messages it sent that are queued there move first (the port's node
     * forwards them and redirects the stream's later arrivals); without, under failure, nothing is
     * moved.
     */
    public void rebind(RefDescriptor streamHandle, long newChannel, RefDescriptor fromPort) {
        long to = k.router.locatePort(newChannel);
        if (fromPort == null) {
            Response r = k.requests.request(Ids.node(streamHandle.gid()), OP_REBIND_STREAM, rebindStreamRequest(streamHandle.gid(), newChannel, to, 0),
                    REQUEST_TIMEOUT_NS);
            if (r.status() != Frames.OK) throw new OperationException("rebind: " + r.error());
            return;
        }
        // The new binding's epoch, numbered by the stream's node (channel 0: only reserve it).
        Response e = k.requests.request(Ids.node(streamHandle.gid()), OP_REBIND_STREAM, rebindStreamRequest(streamHandle.gid(), 0, 0, 0), REQUEST_TIMEOUT_NS);
        if (e.status() != Frames.OK) throw new OperationException("rebind: " + e.error());
        long epoch = e.read(new EpochDecoder()).epoch();
        KernelCodec.Outgoing w = new KernelCodec.Outgoing(64);
        w.begin(new RebindAtReceiverEncoder()).port(fromPort.gid()).stream(streamHandle.gid()).newChannel(newChannel).to(to).epoch(epoch);
        Response r = k.requests.request(Ids.node(fromPort.gid()), OP_REBIND_AT_RECEIVER, w, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("rebind: " + r.error());
    }

    /**
     * Figure 8.6 at the current receiver, in one step: redirect the stream's arrivals of earlier
     * bindings (epochs below the new one), forward its queued messages into the new binding. Then,
     * once they have all arrived (a barrier request on the same route), the stream switches.
     */
    private static KernelCodec.Outgoing rebindStreamRequest(long stream, long channel, long to, long epoch) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(48);
        q.begin(new RebindStreamEncoder()).stream(stream).channel(channel).to(to).epoch(epoch);
        return q;
    }

    void onRebindAtReceiver(int src, long call, RebindAtReceiverDecoder r) {
        long portGid = r.port();
        long stream = r.stream();
        long newChannel = r.newChannel();
        long to = r.to();
        long epoch = r.epoch();
        Port p = k.router.ports.get(portGid);
        if (p == null) throw new OperationException("port " + Ids.show(portGid) + " is not at node " + k.nodeId);
        redirectStream(stream, portGid, to, newChannel, epoch);
        for (Message m : p.owner.inbox.drain(o -> ((Message) o).port == p && ((Message) o).streamGid == stream))
            k.publisher.forwardMessage(m, to, newChannel, epoch);
        // The sender must not send straight to the new port before the moved messages are there.
        KernelCodec.Outgoing barrier = new KernelCodec.Outgoing(16);
        barrier.begin(new RouteBarrierEncoder());
        k.requests.requestAsync(Ids.node(to), OP_ROUTE_BARRIER, barrier, arrived ->
                k.requests.requestAsync(Ids.node(stream), OP_REBIND_STREAM, rebindStreamRequest(stream, newChannel, to, epoch), resp -> {
                    if (resp.status() != Frames.OK) k.publisher.respondError(src, call, "rebinding the stream: " + resp.error());
                    else k.publisher.respond(src, call, Frames.OK, null);
                }));
    }

    /** Enters the stream's redirection away from {@code port} here, replacing an older one from that port. */
    void redirectStream(long stream, long port, long to, long channel, long epoch) {
        long[] sr = k.router.streamRedirections.get(stream);
        int i = 0;
        while (sr != null && i < sr.length && sr[i] != port) i += 4;
        if (sr == null) sr = new long[4];
        else if (i == sr.length) sr = java.util.Arrays.copyOf(sr, i + 4);
        sr[i] = port;
        sr[i + 1] = to;
        sr[i + 2] = channel;
        sr[i + 3] = epoch;
        k.router.streamRedirections.put(stream, sr);
    }

    /**
     * At the stream's node: it will send to the new channel once nothing is in flight, under the
     * new binding's epoch. Channel 0 only reserves an epoch (answered with it); epoch 0 (rebinding
     * under failure, nothing redirected) takes the next one.
     */
    void onRebindStream(int src, long call, RebindStreamDecoder r) {
        Stream st = k.router.streams.get(r.stream());
        if (st == null) throw new OperationException("no such stream at node " + k.nodeId);
        long ch = r.channel();
        long to = r.to();
        long epoch = r.epoch();
        if (ch == 0) {
            KernelCodec.Outgoing out = k.publisher.out;
            out.begin(new EpochEncoder()).epoch(++st.epochsIssued);
            k.publisher.respond(src, call, Frames.OK, out);
            return;
        }
        if (Ids.isMulticast(ch) != st.multicast) throw new OperationException("a stream cannot be rebound between unicast and multicast channels");
        if (epoch == 0) epoch = ++st.epochsIssued;
        if (st.failure != null) {
            // A failed stream sends again once rebound (issue 14): what failed was reported; the
            // new binding starts with nothing in flight.
            st.failure = null;
            st.noMemberSeq = null;
            if (st.ackedSeq < st.lastSeq) st.ackedSeq = st.lastSeq;
        }
        Stream.Retarget pending = st.retarget;
        if (epoch > st.epoch && (pending == null || pending.epoch() < epoch)) // else a later rebinding came first
            st.retarget = new Stream.Retarget(ch, to, epoch);
        k.publisher.respond(src, call, Frames.OK, null);
    }

    /** freezeStream / unfreezeStream (§6.2.3): the stream's sends wait while it is frozen. */
    public void freezeStream(RefDescriptor streamHandle, boolean frozen) {
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(32);
        q.begin(new FreezeStreamEncoder()).stream(streamHandle.gid()).frozen((short) (frozen ? 1 : 0));
        Response r = k.requests.request(Ids.node(streamHandle.gid()), OP_FREEZE_STREAM, q, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException((frozen ? "freezeStream: " : "unfreezeStream: ") + r.error());
    }

    /** freezeStream / unfreezeStream at the stream's node. */
    void onFreezeStream(int src, long call, FreezeStreamDecoder r) {
        Stream st = k.router.streams.get(r.stream());
        if (st == null) throw new OperationException("no such stream at node " + k.nodeId);
        st.frozen = r.frozen() != 0;
        k.publisher.respond(src, call, Frames.OK, null);
    }
}
