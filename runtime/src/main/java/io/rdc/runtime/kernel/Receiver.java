package io.rdc.runtime.kernel;

import java.util.ArrayList;
import java.util.List;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * The owner's side of its queues (ch. 4's receive, testPort; the handlers' next message, event or
 * task), on the incarnation's own thread: what it may take while it is frozen, faulting, arriving
 * by migration or destroyed.
 */
final class Receiver {
    private final Kernel k;

    Receiver(Kernel k) {
        this.k = k;
    }

    // =====================================================================================
    // The owner's side of its queues (incarnation thread)

    /**
     * The next thing for an incarnation's handlers: a Message (when it has an onMessage handler,
     * and its source is not held: {@link Held}), an Event or a Runnable. Waits while it is frozen or faulting; returns null once destroyed.
     */
    public Object nextForHandler(Incarnation inc, boolean messages) {
        Inbox.Filter f = messages ? inc.held::dispatchable : o -> !(o instanceof Message);
        while (!inc.destroyed) {
            if (inc.migrating) {
                inc.inbox.take(o -> false, 50_000_000L, () -> inc.destroyed || !inc.migrating);
                continue;
            }
            if (inc.frozenRequested || inc.state == Incarnation.State.FAULTING) {
                // Frozen between handlers: only the kernel's own boundary work (a migration) runs.
                Object o = inc.inbox.take(x -> x instanceof BoundaryTask, 50_000_000L,
                        () -> inc.destroyed || inc.migrating || (!inc.frozenRequested && inc.state != Incarnation.State.FAULTING));
                if (o != null) return o;
                continue;
            }
            Object o = inc.inbox.take(f, -1, () -> inc.destroyed || inc.frozenRequested, k);
            if (o != null) return o;
        }
        return null;
    }

    /**
     * Blocking receive (§4.4) at one port (or any, when port is null), optionally only messages
     * from one source stream. Returns null on timeout. A frozen incarnation receives nothing until
     * it is unfrozen.
     */
    public Message receive(Incarnation inc, Port port, long fromStream, long timeoutNs) {
        if (port != null && port.owner != inc) throw new OperationException(inc.name + " does not own " + port);
        if (port != null && port.closed) throw new OperationException(port + " is closed");
        Inbox.Filter f = o -> o instanceof Message m && (port == null || m.port == port) && (fromStream == 0 || m.streamGid == fromStream);
        long deadline = timeoutNs < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNs;
        while (!inc.destroyed) {
            long left = deadline == Long.MAX_VALUE ? -1 : deadline - System.nanoTime();
            if (deadline != Long.MAX_VALUE && left <= 0) return null;
            if (inc.frozenRequested) {
                inc.inbox.take(o -> false, Math.min(left < 0 ? 50_000_000L : left, 50_000_000L), () -> inc.destroyed || !inc.frozenRequested);
                continue;
            }
            Object o = inc.inbox.take(f, left, () -> inc.destroyed || inc.frozenRequested, k);
            if (o != null) return (Message) o;
        }
        throw new OperationException(inc.name + " was destroyed while receiving");
    }

    /** testPort (§4.4): how many messages wait at a port, their heads, and how many from each source. */
    public java.util.Map<String, Object> testPort(Incarnation inc, Port port, long fromStream) {
        if (port.owner != inc) throw new OperationException(inc.name + " does not own " + port);
        List<Object> heads = new ArrayList<>();
        java.util.Map<String, Object> sources = new java.util.LinkedHashMap<>();
        int count = 0;
        for (Message m : inc.inbox.messages()) {
            if (m.port != port || (fromStream != 0 && m.streamGid != fromStream)) continue;
            count++;
            if (heads.size() < 32) heads.add(io.rdc.runtime.util.Json.parse(m.headText()));
            sources.merge(Ids.show(m.streamGid), 1L, (a, b) -> (Long) a + (Long) b);
        }
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("count", (long) count);
        out.put("heads", heads);
        out.put("sources", sources);
        return out;
    }

    /** Waits until an incarnation arriving by migration is committed here (or destroyed). */
    public void awaitArrival(Incarnation inc) {
        while (inc.migrating && !inc.destroyed) inc.inbox.take(o -> false, 50_000_000L, () -> inc.destroyed || !inc.migrating);
    }

    /**
     * After an arrival, before its hook: a frozen incarnation runs no guest code, so its
     * {@code onMigrated} waits for the unfreeze as its handlers do; boundary work (a further
     * migration) still runs meanwhile. False if it left or was destroyed while it waited.
     */
    public boolean awaitUnfrozen(Incarnation inc) {
        while (!inc.destroyed && (inc.frozenRequested || inc.migrating)) {
            if (inc.migrating) {
                awaitArrival(inc);
                continue;
            }
            Object o = inc.inbox.take(x -> x instanceof BoundaryTask, 50_000_000L,
                    () -> inc.destroyed || inc.migrating || !inc.frozenRequested);
            if (o != null) ((Runnable) o).run();
        }
        return !inc.destroyed;
    }

    /** Waits a little while an incarnation is INCHOATE (it starts when first unfrozen). */
    public void nextForHandlerWait(Incarnation inc) {
        inc.inbox.take(o -> false, 50_000_000L, () -> inc.destroyed || inc.state != Incarnation.State.INCHOATE);
    }

    /** The next event delivered to an incarnation (the operator polls its events this way); null on timeout. */
    public Object nextEvent(Incarnation inc, long timeoutNs) {
        return inc.inbox.take(o -> o instanceof Event, timeoutNs, () -> inc.destroyed, k);
    }

    /** The receiver keeps the invoker waiting for a later reply (no implicit acknowledgement). */
    public void defer(Message m) {
        if (m.invokeId == 0) throw new OperationException("the message was not sent by invoke; there is no reply to defer");
        m.deferred = true;
    }
}
