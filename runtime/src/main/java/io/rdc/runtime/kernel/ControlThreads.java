package io.rdc.runtime.kernel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Platform threads for kernel control work that may block (stopping an incarnation's code,
 * materializing a reference given from outside). Never virtual threads: incarnation code that
 * spins would pin every carrier and the control work that should stop it would never run
 * (docs/containment.md). Cached: idle threads end after a minute.
 */
public final class ControlThreads {
    private static final ExecutorService POOL =
            Executors.newCachedThreadPool(Thread.ofPlatform().daemon(true).name("rdc-control-", 0).factory());

    private ControlThreads() {}

    /** Runs {@code work} on a control thread. */
    public static void run(Runnable work) {
        POOL.execute(work);
    }

    /** Stops an incarnation's code on a control thread (Launcher.kill may wait for the guest to stop). */
    static void kill(Launcher l, Incarnation inc) {
        if (l != null && !inc.pseudo) run(() -> l.kill(inc));
    }
}
