package io.rdc.runtime.kernel;

import java.util.List;

/** Starts and stops the code of incarnations at a node; implemented by the GraalJS host. */
public interface Launcher {
    /**
     * Loads the module into a new context for {@code inc} on the incarnation's own thread. Calls
     * {@code ready} once the module evaluated (the creator then gets its handle), or {@code failed}
     * with the reason; then, unless INCHOATE, runs the interface preamble and init.
     */
    void launch(Incarnation inc, List<Iface> ifaces, Runnable ready, java.util.function.Consumer<String> failed);

    /**
     * Whether a creation of {@code module} may be answered once the incarnation is placed, before its
     * context is loaded (issue 17): true only for a module that has already loaded without error in
     * this process, whose errors a creator has therefore seen. A load that fails all the same then puts
     * the incarnation in FAULTING with the reason (as a failed preamble or init does) instead of
     * failing the create.
     */
    default boolean answersBeforeLoad(ModuleStore.Module module) {
        return false;
    }

    /**
     * Takes a snapshot of the incarnation's state at its next handler boundary (on its own thread)
     * and hands the bytes, or the reason it cannot be moved, to {@code done}.
     */
    void snapshot(Incarnation inc, java.util.function.BiConsumer<byte[], String> done);

    /** Makes {@code ref} the incarnation's interface {@code name} (between handlers); null removes it. */
    void setInterface(Incarnation inc, String name, io.rdc.runtime.ref.Ref ref);

    /** Stops the incarnation's code at once, even inside a busy loop (destroy). */
    void kill(Incarnation inc);

    /**
     * Hot code replacement (issue 19), on the incarnation's own thread between handlers: its state
     * and interfaces move into a context of {@code next}, whose {@code upgrade} may transform them.
     * Returns null when it runs the new code, else why not (the old code then runs on untouched).
     */
    default String replace(Incarnation inc, ModuleStore.Module next) {
        return inc.name + " runs no code that can be replaced";
    }

    /**
     * What a migration takes from a stopped incarnation: its state and its interfaces, encoded. The
     * state's bytes are read from the incarnation's context as they are written out (on its thread,
     * before it runs again), so a large state is not first copied whole.
     */
    record Captured(io.rdc.runtime.util.ByteSource state, byte[] ifaces) {}

    /**
     * On the incarnation's own thread, between handlers: encodes {@code ctx.state} and
     * {@code ctx.ifaces}, writing each reference as its position in {@code table} and each deferred
     * invocation (a reply handle) inline. Throws {@link OperationException} naming what cannot move.
     */
    Captured capture(Incarnation inc, java.util.List<io.rdc.runtime.ref.Ref> table);

    /**
     * Loads the module for an incarnation arriving by migration (or takes the context readied by
     * {@link #prepareArrival}), on its own new thread, and decodes the captured state and interfaces
     * against its re-made table ({@code portByOldGid} re-makes deferred invocations). Calls {@code ready} when it is all in place, or {@code failed};
     * then waits until the kernel clears {@code migrating}, calls {@code onMigrated} (mode 0),
     * {@code onRestored} (1) or {@code onForked} (2), and runs handlers.
     */
    void resume(Incarnation inc, Arrival arrival, Runnable ready, java.util.function.Consumer<String> failed);

    /**
     * An incarnation arriving (migration, restore, fork): its record as it arrived, with the state
     * and interfaces where they lie in it (decoded in place, not copied out), its re-made reference
     * table, how it came ({@code mode}: 0 migrated, 1 restored, 2 forked) and from where.
     */
    record Arrival(byte[] record, int stateOffset, int stateLength, int ifacesOffset, int ifacesLength,
                   java.util.List<io.rdc.runtime.ref.Ref> table, java.util.function.LongFunction<Port> portByOldGid,
                   int fromNode, int mode, long transfer) {}

    /**
     * A migration to this node is prepared: the host may load the module into a context now, while
     * the source still stops, flushes and ships, so that loading is not frozen time.
     */
    default void prepareArrival(long transfer, ModuleStore.Module module) {}

    /** A prepared arrival will not come (aborted, refused): drop what was readied for it. */
    default void discardArrival(long transfer) {}

    /** The node is shutting down: release what the host keeps ready (spare contexts). */
    default void close() {}
}
