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
     * Takes a snapshot of the incarnation's state at its next handler boundary (on its own thread)
     * and hands the bytes, or the reason it cannot be moved, to {@code done}.
     */
    void snapshot(Incarnation inc, java.util.function.BiConsumer<byte[], String> done);

    /** Makes {@code ref} the incarnation's interface {@code name} (between handlers); null removes it. */
    void setInterface(Incarnation inc, String name, io.rdc.runtime.ref.Ref ref);

    /** Stops the incarnation's code at once, even inside a busy loop (destroy). */
    void kill(Incarnation inc);
}
