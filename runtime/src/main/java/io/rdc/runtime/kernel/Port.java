package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.Ref;
import org.agrona.collections.LongArrayList;

/**
 * An incarnation port (§4.1): attached to one or more channels, it queues arriving messages in
 * arrival order. Its global id is also its kernel port address (§8.4.2). The queue itself is the
 * owner's per-incarnation arrived queue ({@link Inbox}), as in Equus; the port counts its share.
 */
public final class Port {
    public final long gid;
    public final Incarnation owner;
    final LongArrayList channels = new LongArrayList();
    /** Channels being attached to this port (kernel thread): forwarded messages over them are accepted already. */
    final LongArrayList pendingChannels = new LongArrayList();
    /** Direct arrivals held while a route into this port is re-established (kernel thread), replayed in order after. */
    final java.util.ArrayList<byte[]> held = new java.util.ArrayList<>();
    /**
     * Propagated retained with senders held (§6.2.4): arrivals wait in {@link #held}, unacknowledged,
     * until the new port is received, then follow it (kernel thread).
     */
    boolean holdSenders;
    /** Messages queued for this port; guarded by the owner's inbox monitor. */
    int queued;
    /** Bytes (heads and bodies) of the messages queued for this port (Limits.portBytes); guarded as {@link #queued}. */
    long queuedBytes;
    volatile boolean closed;
    /** The interface name the port was declared with (null for ports made by code). */
    volatile String name;
    /** The owner's reference to this port, so handlers receive the very object they were given. */
    volatile Ref ownerRef;

    Port(long gid, Incarnation owner, long channel) {
        this.gid = gid;
        this.owner = owner;
        this.channels.addLong(channel);
    }

    public long firstChannel() {
        return channels.isEmpty() ? 0 : channels.getLong(0);
    }

    public long[] channels() {
        return channels.toLongArray();
    }

    public int queued() {
        synchronized (owner.inbox) {
            return queued;
        }
    }

    public String name() {
        return name;
    }

    public Ref ownerRefOrNull() {
        return ownerRef;
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "port " + Ids.show(gid);
    }
}
