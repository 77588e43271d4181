package io.rdc.runtime.kernel;

/**
 * A stream (§4.1): attached to one channel, it sends. Sequence numbers give per-stream order;
 * acknowledgements, cumulative and batched by the receiving kernel, bound the messages in flight
 * and teach the sender the port's current address (§8.4.3). Used by its owner's thread; the kernel
 * thread updates only the volatile acknowledgement fields.
 */
public final class Stream {
    public final long gid;
    public final Incarnation owner;
    volatile long channel;
    final boolean multicast;
    /**
     * A new destination learnt from an acknowledgement or set by rebinding. The owner applies it at
     * its next send once every message already sent is acknowledged: switching while messages are
     * in flight to the old destination could let a later message overtake them.
     */
    volatile Retarget retarget;
    /** Frozen by freezeStream: sends wait until unfreezeStream. */
    volatile boolean frozen;
    /**
     * The binding epoch stamped on every frame sent (owner thread writes, when it applies a
     * rebinding's retarget). Each rebinding gets a new, larger epoch; a stream redirection left at
     * the old receiver applies only to frames of earlier epochs, so it can never catch a message
     * sent under the new binding, and a frame it redirects is restamped with its epoch.
     */
    volatile long epoch;
    /** The last epoch handed out for a rebinding of this stream (kernel thread). */
    long epochsIssued;
    /** lastSeq when the owner last switched destination: acknowledgements up to it teach nothing new. */
    volatile long switchedAt;

    static final java.util.concurrent.atomic.AtomicReferenceFieldUpdater<Stream, Retarget> RETARGET =
            java.util.concurrent.atomic.AtomicReferenceFieldUpdater.newUpdater(Stream.class, Retarget.class, "retarget");

    /** A switch of destination; epoch 0 keeps the stream's binding epoch (an address learnt from an ack). */
    record Retarget(long channel, long addr, long epoch) {}
    /** Last known kernel port address of the unicast destination; 0 when it must be located. */
    volatile long destAddr;
    /** Sequence number of the last message sent (owner thread only). */
    long lastSeq;
    /** Highest sequence number acknowledged (kernel thread writes). */
    volatile long ackedSeq;
    /** Bytes sent by asinvoke and not yet acknowledged, and the seq that will release them. */
    long bulkInFlight;
    /** Why the stream can no longer send (the destination refused a message), or null. */
    volatile String failure;
    volatile boolean closed;
    /** Why it was closed, when not by its owner (a returned stream-space copy), for the error its next use gets. */
    volatile String closedWhy;
    /** The invoke currently waiting on this stream, so a refusal can fail it at once. */
    volatile long pendingInvoke;
    /** The interface name the stream was declared with (null for streams made by code). */
    volatile String name;
    /** Messages sent to the multicast group that at least one member acknowledged. */
    long sent;
    /**
     * Multicast: the pool nodes (bit i = {@code pool.nodes().get(i)}) the last message was offered to
     * (owner thread writes), and the highest sequence each said it has no member for (kernel
     * thread). When every node reached says so for the first unacknowledged message, the group is
     * empty: the stream fails at once (issue 14). 0 (pools over 64 nodes): only the ack time-out tells.
     */
    volatile long offeredMask;
    long[] noMemberSeq;

    Stream(long gid, Incarnation owner, long channel, long destAddr) {
        this.gid = gid;
        this.owner = owner;
        this.channel = channel;
        this.multicast = Ids.isMulticast(channel);
        this.destAddr = destAddr;
    }

    public long channel() {
        return channel;
    }

    public long destination() {
        return destAddr;
    }

    public boolean isMulticast() {
        return multicast;
    }

    /** Forgets the learnt destination, so the next send locates the channel's port afresh (§8.4.3). */
    public void forgetDestination() {
        destAddr = 0;
    }

    public long unacknowledged() {
        return lastSeq - ackedSeq;
    }

    public String failure() {
        return failure;
    }

    @Override
    public String toString() {
        return "stream " + Ids.show(gid) + " to channel " + Ids.show(channel);
    }
}
