package io.rdc.runtime.control;

import java.util.Locale;

/**
 * How many threads a control-plane round trip must wake. On a two-core machine with agents that
 * never park ({@link ControlIdle#YIELDING}), every runnable thread takes a turn between two hops,
 * so fewer threads mean a shorter round trip (docs/control-plane.md, "Fewer threads").
 * {@link #DEDICATED} is the default everywhere; the others are bench options
 * ({@code -Drdc.bench.control.threads=dedicated,dedicated-ipc,shared,shared-ipc}) for one member in the client's JVM.
 */
public enum ControlThreads {
    /**
     * Each part on a thread of its own: the member's media driver (conductor, sender and receiver in
     * one thread, {@code ThreadingMode.SHARED}), the archive, the consensus module, the service, and
     * the client's background poller waiting as the idle strategy says. Ingress and egress over UDP.
     */
    DEDICATED,
    /**
     * As {@link #DEDICATED}, and a client that shares the member's media driver sends its ingress and
     * takes its egress over IPC (the member allows IPC ingress): no UDP send or receive, so no driver
     * duty cycle, lies on the round trip. Only for a client on the member's driver.
     */
    DEDICATED_IPC,
    /**
     * The member's media driver, archive and consensus module run on one thread, each in Aeron's
     * invoker mode ({@link SharedClusterAgents}), and the client's background poller always backs
     * off: a caller polls the egress for its own answer, so the poller is needed only for
     * keep-alives, reconnects and background requests. Three fewer threads awake.
     */
    SHARED,
    /** As {@link #SHARED}, with IPC ingress and egress as {@link #DEDICATED_IPC}. */
    SHARED_IPC;

    /** True when the member's media driver, archive and consensus module share one thread. */
    public boolean driverArchiveAndConsensusOnOneThread() {
        return this == SHARED || this == SHARED_IPC;
    }

    /** True when the client's background poller backs off whatever the idle strategy. */
    public boolean pollerBacksOff() {
        return this == SHARED || this == SHARED_IPC;
    }

    /** True when the member takes ingress over IPC and a client on its driver uses IPC both ways. */
    public boolean ipc() {
        return this == DEDICATED_IPC || this == SHARED_IPC;
    }

    /** As written on the command line and in the bench's JSON: dedicated, dedicated-ipc, shared, shared-ipc. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** dedicated, dedicated-ipc, shared, shared-ipc (also with _ or nothing for -); case-insensitive. */
    public static ControlThreads parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "")) {
            case "dedicated" -> DEDICATED;
            case "dedicatedipc" -> DEDICATED_IPC;
            case "shared" -> SHARED;
            case "sharedipc" -> SHARED_IPC;
            default -> throw new IllegalArgumentException("unknown control-plane threads '" + name + "' (known: dedicated, dedicated-ipc, shared, shared-ipc)");
        };
    }
}
