package io.rdc.bench;

import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;

/**
 * The receiving end of {@code rdc bench send}: an operator port on the receiving node, registered in
 * the name service, drained by a thread of its own as fast as messages are queued. Consuming them
 * keeps the measurement about the transport and the kernels, not about a growing queue.
 */
public final class Sink implements AutoCloseable {
    private final Operator op;
    private final Thread drainer;
    private volatile boolean running = true;
    private volatile long received;

    private Sink(Operator op, String name) {
        this.op = op;
        Ref[] ch = op.channel(null, false);
        drainer = Thread.ofPlatform().name("rdc-bench-sink").daemon(true).start(() -> {
            // The name service node may not be up yet (a child node starts before its parent's pool).
            while (running) {
                try {
                    op.register(name, ch[0]);
                    break;
                } catch (RuntimeException e) {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
            Duration d = Duration.ofMillis(100);
            long n = 0;
            while (running) {
                if (op.receiveRaw(ch[1], d) != null) received = ++n;
            }
        });
    }

    public static Sink start(Operator op, String name) {
        return new Sink(op, name);
    }

    /** Looks the sink up, waiting (up to 30 s) until it has registered. */
    public static Ref lookup(Operator op, String name) {
        long end = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                return op.lookup(name);
            } catch (RuntimeException e) {
                if (System.nanoTime() > end) throw e;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    throw new IllegalStateException(ie);
                }
            }
        }
    }

    public long received() {
        return received;
    }

    @Override
    public void close() {
        running = false;
        try {
            drainer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
