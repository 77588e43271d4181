package io.rdc.runtime.transport;

import io.aeron.Aeron;
import io.aeron.DirectBufferVector;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.security.FrameAuth;
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
    public static final int UDP_STREAM_ID = 1001;
    private static final long CONNECT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long BACKPRESSURE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final Aeron aeron;
    private final TransportMode mode;
    private final int selfNode;
    private final Subscription subscription;
    /** Publications (with their sealers) by peer node id: an array, so the send path neither boxes nor hashes. */
    private volatile Peer[] peers = new Peer[0];
    /**
     * Ids at or above this go in a map instead: operators' session kernels take ids from a large
     * space (never reused, so a departed session's endpoint is never mistaken for a new one's).
     */
    static final int ARRAY_IDS = 65_536;
    private final java.util.concurrent.ConcurrentHashMap<Integer, Peer> farPeers = new java.util.concurrent.ConcurrentHashMap<>();
    /** Whether the pool's control plane reports a node gone (no heartbeat, or it said goodbye); asked only when an offer finds it not connected. */
    private volatile java.util.function.IntPredicate down = n -> false;
    private final FrameAuth auth;
    private final FrameAuth.Opener opener;
    private FragmentHandler lastHandler, assembler;
    private final int termLength;
    /** Images to reject, found by Aeron's conductor thread, rejected by the polling thread. */
    private final java.util.concurrent.ConcurrentLinkedQueue<io.aeron.Image> misfits = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicLong rejectedImages = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.function.IntFunction<NodeInfo> nodes;
    private final String ipcParams, ipcMtu;
    /**
     * Frames within one JVM may be as large as Aeron allows (64 KB less its header): bulk transfers
     * (a migrating incarnation's state) then go in whole frames, without fragmenting and reassembly.
     */
    static final int IPC_MTU = 65504;

    /** One peer's publication, and the state that authenticates what goes to it (guarded by the Peer's lock). */
    private static final class Peer {
        final Publication publication;
        final FrameAuth.Sealer sealer;
        final DirectBufferVector[] three = {new DirectBufferVector(), new DirectBufferVector(), new DirectBufferVector()};
        /**
         * When offers first found the peer not connected (0 while connected). The connect wait runs
         * from here, not from each offer: a peer that has been gone for the whole wait fails every
         * later offer at once, so frames naming a dead or made-up node cannot stall the kernel's duty
         * cycle 5 s each. A racy plain field: a lost update costs at most one more wait.
         */
        long notConnectedSince;

        Peer(Publication publication, FrameAuth.Sealer sealer) {
            this.publication = publication;
            this.sealer = sealer;
        }
    }

    public Transport(Aeron aeron, TransportMode mode, NodeInfo self, java.util.function.IntFunction<NodeInfo> nodes, int termLength, FrameAuth auth) {
        this.aeron = aeron;
        this.auth = auth;
        this.opener = auth.opener(self.id());
        this.mode = mode;
        this.selfNode = self.id();
        this.nodes = nodes;
        this.ipcParams = "?term-length=" + termLength;
        this.ipcMtu = "|mtu=" + IPC_MTU;
        this.termLength = termLength;
        // Aeron lets a peer's SETUP frame choose an image's term length (up to 1 GB): images whose
        // term length is not the pool's are rejected (from the polling thread: Aeron's handlers
        // run on its conductor, where client calls are not allowed).
        this.subscription = aeron.addSubscription(channelOf(self), streamIdOf(self.id()), image -> {
            if (image.termBufferLength() != termLength) misfits.offer(image);
        }, image -> { });
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

    /**
     * Polls for whole, authenticated messages: fragments are reassembled here, each message is
     * checked, and {@code handler} sees only those that pass, without their trailer.
     */
    public int poll(FragmentHandler handler, int limit) {
        if (handler != lastHandler) {
            int trailer = auth.trailer();
            assembler = new FragmentAssembler((buf, off, len, header) -> {
                if (opener.open(buf, off, len)) handler.onFragment(buf, off, len - trailer, header);
                else onRefused(header.sessionId());
            });
            lastHandler = handler;
        }
        int n = subscription.poll(assembler, limit);
        if (!misfits.isEmpty()) rejectMisfits();
        return n;
    }

    /** Frames refused from one Aeron session before its image is rejected: a key holder's session sends none. */
    static final int REJECT_AFTER_REFUSALS = 16;
    /** Refusals by Aeron session id (cleared when large: it only needs to catch a session that keeps failing). */
    private final org.agrona.collections.Int2IntCounterMap refusalsBySession = new org.agrona.collections.Int2IntCounterMap(0);

    private void onRefused(int sessionId) {
        if (refusalsBySession.size() > 4096) refusalsBySession.clear();
        if (refusalsBySession.incrementAndGet(sessionId) == REJECT_AFTER_REFUSALS) {
            io.aeron.Image image = subscription.imageBySessionId(sessionId);
            if (image != null) misfits.offer(image);
        }
    }

    private void rejectMisfits() {
        io.aeron.Image image;
        while ((image = misfits.poll()) != null) {
            long n = rejectedImages.incrementAndGet();
            String why = image.termBufferLength() != termLength ? "term length " + image.termBufferLength() + " is not the pool's " + termLength
                    : REJECT_AFTER_REFUSALS + " unauthenticated frames";
            if (n <= 10 || Long.bitCount(n) == 1) // the first ten, then at powers of two: a flood does not flood the log
                System.err.println("node " + selfNode + ": rejected Aeron image of session " + image.sessionId() + " from "
                        + image.sourceIdentity() + ": " + why + " (" + n + " rejected in all)");
            try {
                image.reject(why);
            } catch (RuntimeException e) {
                // already gone (closed or timed out): nothing to reject
            }
        }
    }

    /** Aeron images (peer sessions) rejected: a term length other than the pool's, or unauthenticated frames. */
    public long rejectedImages() {
        return rejectedImages.get();
    }

    /** Frames this node has refused (bad or missing MAC, replayed, stale) since it started. */
    public long refusedFrames() {
        return opener.refused();
    }

    public FrameAuth.Opener opener() {
        return opener;
    }

    /** The publication to a peer, created and awaited on first use; null when the peer is not known. */
    public Publication publicationTo(int node) {
        Peer p = peer(node);
        return p == null ? null : p.publication;
    }

    private Peer peer(int node) {
        Peer[] ps = peers;
        if (node >= 0 && node < ps.length && ps[node] != null) return ps[node];
        if (node >= ARRAY_IDS) {
            Peer p = farPeers.get(node);
            if (p != null) return p;
        }
        return addPeer(node);
    }

    private synchronized Peer addPeer(int node) {
        Peer[] ps = peers;
        if (node >= 0 && node < ps.length && ps[node] != null) return ps[node];
        NodeInfo info = nodes.apply(node);
        if (info == null || node < 0) return null;
        if (node >= ARRAY_IDS)
            return farPeers.computeIfAbsent(node, n -> new Peer(aeron.addPublication(channelOf(info), streamIdOf(n)), auth.sealer(selfNode, n)));
        Publication p = aeron.addPublication(channelOf(info), streamIdOf(node));
        Peer[] grown = java.util.Arrays.copyOf(ps, Math.max(ps.length, node + 1));
        grown[node] = new Peer(p, auth.sealer(selfNode, node));
        peers = grown;
        return grown[node];
    }

    /**
     * Drops the publication to a peer whose endpoint changed (a node restarted at another address):
     * the next send connects to where it is now.
     */
    public synchronized void forget(int node) {
        Peer far = node >= ARRAY_IDS ? farPeers.remove(node) : null;
        if (far != null) far.publication.close();
        Peer[] ps = peers;
        if (node < 0 || node >= ps.length || ps[node] == null) return;
        Peer old = ps[node];
        Peer[] copy = ps.clone();
        copy[node] = null;
        peers = copy;
        old.publication.close();
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
        return p == null ? 0 : p.maxPayloadLength() - auth.trailer();
    }

    public int maxMessageLength(int node) {
        Publication p = publicationTo(node);
        return p == null ? 0 : p.maxMessageLength() - auth.trailer();
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
        Peer peer = peer(node);
        if (peer == null) return Frames.UNREACHABLE;
        long deadline = 0;
        while (true) {
            int r = sealAndAttempt(node, peer, buf, off, len, buf2, off2, len2);
            if (r != AGAIN) {
                if (r == Frames.OK && idle != null) idle.reset();
                return r;
            }
            // Not connected: the connect wait runs from the outage's start (attempt's own bound); back pressure: from here.
            long now = System.nanoTime();
            if (deadline == 0) deadline = now + BACKPRESSURE_TIMEOUT_NS;
            if (now - deadline > 0) return Frames.UNREACHABLE;
            if (idle != null) idle.idle(); else Thread.onSpinWait();
        }
    }

    /**
     * What {@link #tryOffer} returns when the peer's log cannot take the frame now (back pressure, or a
     * publication still connecting within its wait): not a Frames status, the caller tries again later.
     */
    public static final int AGAIN = -1;

    /**
     * Offers a frame once, without waiting: OK, UNREACHABLE (the peer is gone, or has not connected
     * within the connect wait), or {@link #AGAIN}. For the kernel's duty cycle, which must not wait on
     * a peer whose log it may itself be the one to drain (kernel.Outbox).
     */
    public int tryOffer(int node, DirectBuffer buf, int off, int len) {
        Peer peer = peer(node);
        if (peer == null) return Frames.UNREACHABLE;
        return sealAndAttempt(node, peer, buf, off, len, null, 0, 0);
    }

    /**
     * One offer, sealed when frames are authenticated. Sequence and log order must agree (the receiver
     * refuses a sequence at or below the last), so the peer's lock is held from sealing until the frame
     * is in the log, and only for that: never while back pressure is waited out. The kernels' thread
     * takes the same lock to send its acknowledgements, and it is the thread that drains the peer's log:
     * four flooding incarnations that held the lock while they waited stalled every kernel of their JVM
     * for 5–10 s (ContainmentTest's flood attack). A frame that did not go in leaves a gap in the
     * sequence (allowed) and is sealed again, with a new sequence, when it is offered again.
     */
    private int sealAndAttempt(int node, Peer peer, DirectBuffer buf, int off, int len, DirectBuffer buf2, int off2, int len2) {
        if (!auth.on()) return attempt(node, peer, buf, off, len, buf2, off2, len2);
        synchronized (peer) {
            FrameAuth.Sealer s = peer.sealer;
            s.seal(buf, off, len, buf2, off2, len2);
            if (buf2 == null) return attempt(node, peer, buf, off, len, s.trailer, 0, FrameAuth.TRAILER);
            DirectBufferVector[] v = peer.three;
            v[0].reset(buf, off, len);
            v[1].reset(buf2, off2, len2);
            v[2].reset(s.trailer, 0, FrameAuth.TRAILER);
            return attempt(node, peer, null, 0, 0, null, 0, 0);
        }
    }

    /** One offer of a sealed frame: OK, UNREACHABLE, or AGAIN (back pressure, or not connected within the connect wait). */
    private int attempt(int node, Peer peer, DirectBuffer buf, int off, int len, DirectBuffer buf2, int off2, int len2) {
        Publication p = peer.publication;
        long r = buf == null ? p.offer(peer.three, null) : buf2 == null ? p.offer(buf, off, len) : p.offer(buf, off, len, buf2, off2, len2, null);
        if (r > 0) {
            if (peer.notConnectedSince != 0) peer.notConnectedSince = 0;
            return Frames.OK;
        }
        if (r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) return Frames.UNREACHABLE;
        if (r == Publication.NOT_CONNECTED) {
            if (down.test(node)) return Frames.UNREACHABLE; // gone for the control plane: no 5 s wait
            long now = System.nanoTime(), since = peer.notConnectedSince;
            if (since == 0) peer.notConnectedSince = since = now;
            return now - since > CONNECT_TIMEOUT_NS ? Frames.UNREACHABLE : AGAIN;
        }
        if (r == Publication.BACK_PRESSURED || r == Publication.ADMIN_ACTION) return AGAIN;
        throw new IllegalStateException("unexpected Aeron offer result " + r);
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
        for (Peer p : peers) if (p != null) p.publication.close();
        farPeers.values().forEach(p -> p.publication.close());
        subscription.close();
    }
}
