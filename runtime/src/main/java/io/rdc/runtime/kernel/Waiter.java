package io.rdc.runtime.kernel;

import java.util.concurrent.locks.LockSupport;

/**
 * A one-shot rendezvous between the kernel thread (which completes it when a response, reply or
 * acknowledgement arrives) and a waiting incarnation or operator thread. The waiter spins briefly
 * before parking: an invoke's reply often comes back within microseconds.
 */
public final class Waiter {
    private static final int SPINS = 2_000;
    private static final int YIELDS = 50;

    private volatile Thread thread;
    private volatile boolean done;
    int status;
    byte[] payload;
    Object value;

    /** Called by the kernel thread. Fields are published by the volatile write of done. */
    void complete(int status, byte[] payload, Object value) {
        if (done) return;
        this.status = status;
        this.payload = payload;
        this.value = value;
        done = true;
        Thread t = thread;
        if (t != null) LockSupport.unpark(t);
    }

    public boolean isDone() {
        return done;
    }

    /** Waits until completed or the deadline passes; returns whether it completed. */
    public boolean await(long timeoutNanos) {
        return await(timeoutNanos, null);
    }

    /** Waits without spinning: for answers that take milliseconds, where a spinning waiter only takes a core from the work. */
    public boolean awaitParked(long timeoutNanos) {
        if (done) return true;
        thread = Thread.currentThread();
        try {
            long deadline = System.nanoTime() + timeoutNanos;
            while (!done) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    return done;
                }
            }
            return true;
        } finally {
            thread = null;
        }
    }

    /**
     * As {@link #await(long)}, but while spinning runs duty cycles of {@code kernel} (the kernel whose
     * thread would complete this waiter): the waiting thread reads its own reply.
     */
    public boolean await(long timeoutNanos, Kernel kernel) {
        if (done) return true;
        for (int i = 0; i < SPINS; i++) {
            if (done) return true;
            if (kernel != null && kernel.assist() > 0) continue;
            Thread.onSpinWait();
        }
        for (int i = 0; i < YIELDS; i++) {
            if (done) return true;
            Thread.yield();
        }
        return awaitParked(timeoutNanos);
    }
}
