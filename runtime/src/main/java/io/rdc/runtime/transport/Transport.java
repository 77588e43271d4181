package io.rdc.runtime.transport;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.rdc.runtime.node.NodeInfo;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * One node's connection to the others: one subscription for everything addressed to it, and a
 * publication per peer created on first use ("connect as needed, then talk directly"). Publications
 * are concurrent so that incarnation threads offer data messages themselves, without a hop through
 * the kernel thread.
 */
public final class Transport implements AutoCloseable {
    /** Stream id used by every node subscription in UDP mode (IPC mode uses the node id). */
    private static final int UDP_STREAM_ID = 1001;
    private static final long CONNECT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long BACKPRESSURE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final Aeron aeron;
    private final TransportMode mode;
    private final int selfNode;
    private final Subscription subscription;
    /** Publications by peer node id: an array, so the send path neither boxes nor hashes. */
    private volatile Publication[] publications = new Publication[0];
    /**
     * Ids at or above this go in a map instead: operators' session kernels take ids from a large
     * space (never reused, so a departed session's endpoint is never mistaken for a new one's).
     */
    static final int ARRAY_IDS = 65_536;
    private final java.util.concurrent.ConcurrentHashMap<Integer, Publication> farPublications = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.function.IntFunction<NodeInfo> nodes;
    /** Whether the pool's control plane reports a node gone (no heartbeat, or it said goodbye); asked only when an offer finds it not connected. */
    private volatile java.util.function.IntPredicate down = n -> false;
    private final String ipcParams, ipcMtu;
    /**
     * Frames within one JVM may be as large as Aeron allows (64 KB less its header): bulk transfers
     * (a migrating incarnation's state) then go in whole frames, without fragmenting and reassembly.
     */
    static final int IPC_MTU = 65504;

    public Transport(Aeron aeron, TransportMode mode, NodeInfo self, java.util.function.IntFunction<NodeInfo> nodes, int termLength) {
        this.aeron = aeron;
        this.mode = mode;
        this.selfNode = self.id();
        this.nodes = nodes;
        this.ipcParams = "?term-length=" + termLength;
        this.ipcMtu = "|mtu=" + IPC_MTU;
        this.subscription = aeron.addSubscription(channelOf(self), streamIdOf(self.id()));
    }

    private String channelOf(NodeInfo node) {
        if (mode == TransportMode.IPC) return "aeron:ipc" + ipcParams + ipcMtu;
        String ep = node.endpoint();
        if (ep == null) throw new IllegalStateException("node " + node.id() + " has no endpoint= attribute in its descriptor, needed for UDP");
        return "aeron:udp?endpoint=" + ep + "|term-length=" + ipcParams.substring("?term-length=".length());
    }

    private int streamIdOf(int node) {
        return mode == TransportMode.IPC ? node : UDP_STREAM_ID;
    }

    public int poll(FragmentHandler handler, int limit) {
        return subscription.poll(handler, limit);
    }

    /** The publication to a peer, created and awaited on first use; null when the peer is not known. */
    public Publication publicationTo(int node) {
        Publication[] ps = publications;
        if (node >= 0 && node < ps.length && ps[node] != null) return ps[node];
        if (node >= ARRAY_IDS) {
            Publication p = farPublications.get(node);
            if (p != null) return p;
        }
        return addPublication(node);
    }

    private synchronized Publication addPublication(int node) {
        Publication[] ps = publications;
        if (node >= 0 && node < ps.length && ps[node] != null) return ps[node];
        NodeInfo info = nodes.apply(node);
        if (info == null || node < 0) return null;
        if (node >= ARRAY_IDS) return farPublications.computeIfAbsent(node, n -> aeron.addPublication(channelOf(info), streamIdOf(n)));
        Publication p = aeron.addPublication(channelOf(info), streamIdOf(node));
        Publication[] grown = java.util.Arrays.copyOf(ps, Math.max(ps.length, node + 1));
        grown[node] = p;
        publications = grown;
        return p;
    }

    /**
     * Drops the publication to a peer whose endpoint changed (a node restarted at another address,
     * an operator's session kernel reusing an id): the next send connects to where it is now.
     */
    public synchronized void forget(int node) {
        Publication far = node >= ARRAY_IDS ? farPublications.remove(node) : null;
        if (far != null) far.close();
        Publication[] ps = publications;
        if (node < 0 || node >= ps.length || ps[node] == null) return;
        Publication old = ps[node];
        Publication[] copy = ps.clone();
        copy[node] = null;
        publications = copy;
        old.close();
    }

    public void downNodes(java.util.function.IntPredicate isDown) {
        this.down = isDown;
    }

    /** Whether a peer's subscription is reachable now (its publication is connected). */
    public boolean isConnected(int node) {
        Publication p = publicationTo(node);
        return p != null && p.isConnected();
    }

    /** The largest message to {@code node} that Aeron sends as one frame (no fragments). */
    public int maxPayloadLength(int node) {
        Publication p = publicationTo(node);
        return p == null ? 0 : p.maxPayloadLength();
    }

    public int maxMessageLength(int node) {
        Publication p = publicationTo(node);
        return p == null ? 0 : p.maxMessageLength();
    }

    /**
     * Offers a frame to a peer, waiting out back pressure and a not-yet-connected publication.
     * Returns a Frames status: OK, or UNREACHABLE when the peer never connected or stayed blocked.
     */
    public int offer(int node, DirectBuffer buf, int off, int len, IdleStrategy idle) {
        return offer(node, buf, off, len, null, 0, 0, idle);
    }

    /**
     * Offers one frame gathered from two buffers (a header and a slice of data), so bulk data goes
     * into Aeron's log without first being copied behind its header.
     */
    public int offer(int node, DirectBuffer buf, int off, int len, DirectBuffer buf2, int off2, int len2, IdleStrategy idle) {
        Publication p = publicationTo(node);
        if (p == null) return Frames.UNREACHABLE;
        long deadline = 0;
        while (true) {
            long r = buf2 == null ? p.offer(buf, off, len) : p.offer(buf, off, len, buf2, off2, len2, null);
            if (r > 0) {
                if (idle != null) idle.reset();
                return Frames.OK;
            }
            if (r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED)
                return Frames.UNREACHABLE;
            if (r == Publication.NOT_CONNECTED && down.test(node)) return Frames.UNREACHABLE; // gone for the control plane: no 5 s wait
            if (r == Publication.NOT_CONNECTED || r == Publication.BACK_PRESSURED || r == Publication.ADMIN_ACTION) {
                long now = System.nanoTime();
                if (deadline == 0) deadline = now + (r == Publication.NOT_CONNECTED ? CONNECT_TIMEOUT_NS : BACKPRESSURE_TIMEOUT_NS);
                else if (now - deadline > 0) return Frames.UNREACHABLE;
                if (idle != null) idle.idle(); else Thread.onSpinWait();
                continue;
            }
            throw new IllegalStateException("unexpected Aeron offer result " + r);
        }
    }

    /** Like offer, but gives up at once if the peer is not connected (used for broadcasts to optional nodes). */
    public int offerIfConnected(int node, DirectBuffer buf, int off, int len, IdleStrategy idle) {
        Publication p = publicationTo(node);
        if (p == null || !p.isConnected()) {
            // A new publication needs a moment to connect; give it a short grace period.
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            SleepingMillisIdleStrategy wait = new SleepingMillisIdleStrategy(1);
            while (p != null && !p.isConnected() && System.nanoTime() < until) wait.idle();
            if (p == null || !p.isConnected()) return Frames.UNREACHABLE;
        }
        return offer(node, buf, off, len, idle);
    }

    public int selfNode() {
        return selfNode;
    }

    @Override
    public void close() {
        for (Publication p : publications) if (p != null) p.close();
        farPublications.values().forEach(Publication::close);
        subscription.close();
    }
}
