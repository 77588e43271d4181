package io.rdc.runtime.kernel;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.locks.LockSupport;

/**
 * The per-incarnation arrived queue (§8.4.1: "all arrived messages are held together on a
 * per-process queue, distinguished by their destination kernel port"), plus events and timer
 * firings. The kernel thread appends; the owner thread takes, in arrival order or selectively.
 * One queue makes moving everything on migration one operation.
 */
public final class Inbox {
    private static final int SPINS = 100;
    /**
     * How long an owner waiting without a deadline (an idle incarnation between handlers) parks before
     * it looks again by itself. Everything that can end its wait wakes it (put and poke: arrivals,
     * freeze, unfreeze, destroy, migration), so this is only a backstop. It was 50 ms: 10,000 idle
     * incarnations then woke 200,000 times a second between them, the whole of a small machine.
     */
    private static final long IDLE_PARK_NS = 5_000_000_000L;

    private final ArrayDeque<Object> items = new ArrayDeque<>();
    private volatile Thread waiting;
    /** Bumped on every append so a spinning owner notices without taking the monitor. */
    private volatile long version;
    private int messages;

    /** Kernel thread: appends a Message, Event or Runnable and wakes the owner if it waits. */
    void put(Object item) {
        synchronized (this) {
            items.addLast(item);
            if (item instanceof Message m) {
                m.port.queued++;
                m.port.queuedBytes += m.bytes();
                messages++;
            }
            version++;
        }
        Thread t = waiting;
        if (t != null) LockSupport.unpark(t);
    }

    /** Wakes a waiting owner without adding anything (freeze, destroy). */
    void poke() {
        synchronized (this) {
            version++;
        }
        Thread t = waiting;
        if (t != null) LockSupport.unpark(t);
    }

    public interface Filter {
        boolean accept(Object item);
    }

    /** Takes the first item accepted by the filter, or null at once if none. */
    synchronized Object poll(Filter f) {
        for (Iterator<Object> it = items.iterator(); it.hasNext(); ) {
            Object o = it.next();
            if (f == null || f.accept(o)) {
                it.remove();
                if (o instanceof Message m) {
                    m.port.queued--;
                    m.port.queuedBytes -= m.bytes();
                    messages--;
                }
                return o;
            }
        }
        return null;
    }

    /**
     * Takes the first accepted item, waiting up to timeoutNanos (negative: forever). Returns null on
     * timeout or when {@code stop} says so (the owner was frozen or destroyed meanwhile).
     */
    Object take(Filter f, long timeoutNanos, java.util.function.BooleanSupplier stop) {
        return take(f, timeoutNanos, stop, null);
    }

    /** As above; while spinning, runs duty cycles of the owner's kernel, which may deliver the item itself. */
    Object take(Filter f, long timeoutNanos, java.util.function.BooleanSupplier stop, Kernel kernel) {
        long deadline = timeoutNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
        boolean spin = true;
        while (true) {
            long v = version;
            // Stop first: a message that arrives just as the owner is frozen must stay queued.
            if (stop != null && stop.getAsBoolean()) return null;
            Object o = poll(f);
            if (o != null) return o;
            if (System.nanoTime() - deadline >= 0) return null;
            int spins = 0;
            while (spin && version == v && spins++ < SPINS) {
                if (kernel != null && kernel.assist() > 0) continue;
                Thread.onSpinWait();
            }
            if (version != v) continue;
            waiting = Thread.currentThread();
            if (version == v) {
                long left = deadline == Long.MAX_VALUE ? IDLE_PARK_NS : Math.min(deadline - System.nanoTime(), 50_000_000L);
                if (left > 0) LockSupport.parkNanos(this, left);
            }
            waiting = null;
            // Spin (and drive the kernel) again only when woken by an append or a poke: an idle owner that merely
            // timed out parks again at once (hundreds of idle platform threads spinning every 50 ms cost a core).
            spin = version != v;
        }
    }

    public synchronized int size() {
        return items.size();
    }

    public synchronized int messageCount() {
        return messages;
    }

    /** A copy of the queued messages, for testPort and views. */
    public synchronized java.util.List<Message> messages() {
        java.util.List<Message> out = new java.util.ArrayList<>();
        for (Object o : items) if (o instanceof Message m) out.add(m);
        return out;
    }

    /** Removes and returns the queued messages a filter selects, in arrival order (queue movement). */
    synchronized java.util.List<Message> drain(Filter f) {
        java.util.List<Message> out = new java.util.ArrayList<>();
        for (Iterator<Object> it = items.iterator(); it.hasNext(); ) {
            Object o = it.next();
            if (o instanceof Message m && f.accept(m)) {
                it.remove();
                m.port.queued--;
                m.port.queuedBytes -= m.bytes();
                messages--;
                out.add(m);
            }
        }
        return out;
    }

    /** Removes and returns every queued message (destroy, migration). */
    synchronized java.util.List<Message> drainMessages() {
        java.util.List<Message> out = new java.util.ArrayList<>();
        for (Iterator<Object> it = items.iterator(); it.hasNext(); ) {
            Object o = it.next();
            if (o instanceof Message m) {
                it.remove();
                m.port.queued--;
                m.port.queuedBytes -= m.bytes();
                out.add(m);
            }
        }
        messages = 0;
        return out;
    }
}
