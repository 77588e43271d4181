package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.ReferenceTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The kernel record of an incarnation: the dissertation's pincdata (§8.2) — its reference table,
 * its event interests, its queues, its ports and streams — plus its life-cycle state. The operator
 * session is a pseudo-incarnation with the same record and no JavaScript host (§3.3's launch
 * program).
 */
public final class Incarnation {
    public enum State { INCHOATE, EXECUTING, FROZEN, FAULTING, DEAD, UNREACHABLE, MIGRATING }

    /** Who wants to hear of events on this incarnation (§7.2.3). */
    record Interest(long watcher, int mask) {}

    public final long gid;
    public final long rdcId;
    public final String name;
    public final Kernel kernel;
    public final boolean pseudo;
    public final ReferenceTable refs;
    public final Inbox inbox = new Inbox();
    /** Sources whose messages the handler loop leaves queued (ctx.hold, §6.3.3). */
    public final Held held = new Held();
    public final long createdMillis;
    public final long parentGid;
    /** Its code; replaced whole by a hot replacement (Transplants.onReplace), read by migrations and status. */
    volatile ModuleStore.Module module;
    final String argsJson;
    /** A state snapshot to start from instead of running init (restore); null for a fresh start. */
    volatile byte[] initialState;

    volatile State state;
    volatile boolean frozenRequested;
    volatile boolean destroyed;
    /** Stopped at a handler boundary while it moves to another node (§7.4): no handler runs. */
    volatile boolean migrating;
    /** Checkpointed and destroyed: its code is gone, its ports stay and queue until a restore takes them (§9.2). */
    volatile boolean parked;
    /**
     * Its record lives on elsewhere (migrated away, checkpointed and destroyed, or an arrival undone
     * here while the original runs on): what it holds only in memory here, such as unflushed file
     * writes, belongs to that record and must not also be written out here.
     */
    volatile boolean livesOnElsewhere;
    /** Where a migration in progress goes (for status and list), 0 when none. */
    volatile int migratingTo;
    volatile int priority;
    /** Its interface preamble and init have run (or it arrived already started): its streams are all there. */
    volatile boolean started;
    volatile String fault;
    volatile long handlerNanos;
    volatile long handlerRuns;
    volatile long stateBytes = -1;
    /** Set by a status request: the host measures the state at its next handler boundary. */
    public volatile boolean wantStateSize = true;
    /**
     * Measures the state now (size and preview), on the incarnation's thread between handlers; set
     * by the host. A status request runs it so that {@code inspect} shows the state as it is, not as
     * the last handler after an earlier request left it (issue 14).
     */
    public volatile Runnable measureState;
    /** nanoTime when the running handler started (meaningful while {@link #inHandler}). */
    private volatile long handlerStarted;
    volatile Thread thread;
    /** The JavaScript host running this incarnation; null for the operator. */
    volatile Object host;
    /** nanoTime when guest code (a handler, outside ctx calls) last started to run; 0 while none runs. */
    private volatile long guestSince;
    /** Guest time of the current handler before {@link #guestSince} (time in ctx calls excluded). */
    private volatile long guestNanos;
    /** Freeze requests waiting for the running handler to pause (answered then); guarded by itself. */
    final List<java.util.function.Consumer<String>> freezeWaiters = new ArrayList<>();
    volatile boolean freezeWaiting;
    /** nanoTime of the oldest freeze waiting for the handler to pause (the watchdog interrupts it after the bound). */
    volatile long freezeWaitingSince;

    /** How long (wall time) a freeze has been waiting for this incarnation's handler to pause; 0 when none waits. */
    public long freezeWaitNanos() {
        return freezeWaiting ? System.nanoTime() - freezeWaitingSince : 0;
    }

    final List<Port> ports = new ArrayList<>();
    final List<Stream> streams = new ArrayList<>();
    final List<Interest> interests = new ArrayList<>();
    /**
     * What this incarnation watches and creates, kept at its own node so that it hears of a subject
     * whose node dies (UNREACHABLE), when nothing at that node can tell it: subject → event mask, and
     * child → where it was created. Kept while this incarnation stays at this node.
     */
    final Map<Long, Integer> watching = new java.util.concurrent.ConcurrentHashMap<>();
    final Map<Long, Child> children = new java.util.concurrent.ConcurrentHashMap<>();
    /** Where a watched subject lives when not where it was born: told by RELOCATED when it migrates. */
    final Map<Long, Integer> watchedAt = new java.util.concurrent.ConcurrentHashMap<>();

    record Child(String name, int node) {}
    /** Stream space cache (§5.5.3): label to the reference obtained before. */
    final Map<String, io.rdc.runtime.ref.Ref> spaceCache = new HashMap<>();
    /** Unicast ports got from stream space, by label, until returned (guarded by spaceCache). */
    final Map<String, io.rdc.runtime.ref.Ref> spacePorts = new HashMap<>();
    /** Termination dependencies on parents (§7.3.1): kept here, with the incarnation, and probed by its node. */
    final java.util.List<Dependencies.Dependency> dependsOn = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Limited copies of streams got from stream space, by label, until returned: a return revokes one (guarded by spaceCache). */
    final Map<String, java.util.ArrayDeque<io.rdc.runtime.ref.Ref>> spaceCopies = new HashMap<>();
    /** Timers (ctx.after) set and not yet fired (Limits.timers). */
    final java.util.concurrent.atomic.AtomicInteger timersPending = new java.util.concurrent.atomic.AtomicInteger();
    /** Its timers not yet due (ctx.after), cancelled when it is destroyed. */
    final java.util.Set<Ghosts.Timer> timers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Kernel-managed buffers reachable through buffer handles (copyTo/copyFrom). */
    final Map<Long, byte[]> buffers = new HashMap<>();
    private final ExpandableDirectByteBuffer sendBuffer;
    private final ThreadLocal<ExpandableDirectByteBuffer> pseudoBuffers;

    /** Incarnations created by migration keep their creation time. */
    Incarnation(Kernel kernel, long gid, long rdcId, String name, long parentGid, ModuleStore.Module module, String argsJson,
                State initial, long createdMillis) {
        this(kernel, gid, rdcId, name, false, parentGid, module, argsJson, initial, createdMillis);
    }

    Incarnation(Kernel kernel, long gid, long rdcId, String name, boolean pseudo, long parentGid,
                ModuleStore.Module module, String argsJson, State initial) {
        this(kernel, gid, rdcId, name, pseudo, parentGid, module, argsJson, initial, System.currentTimeMillis());
    }

    private Incarnation(Kernel kernel, long gid, long rdcId, String name, boolean pseudo, long parentGid,
                ModuleStore.Module module, String argsJson, State initial, long createdMillis) {
        this.createdMillis = createdMillis;
        this.kernel = kernel;
        this.gid = gid;
        this.rdcId = rdcId;
        this.name = name;
        this.pseudo = pseudo;
        this.parentGid = parentGid;
        this.module = module;
        this.argsJson = argsJson;
        this.state = initial;
        this.refs = new ReferenceTable(name);
        // A JS incarnation is single-threaded, so one buffer serves all its sends; the operator may
        // be driven from several Java threads at once.
        this.sendBuffer = pseudo ? null : new ExpandableDirectByteBuffer(512);
        this.pseudoBuffers = pseudo ? ThreadLocal.withInitial(() -> new ExpandableDirectByteBuffer(512)) : null;
    }

    MutableDirectBuffer sendBuffer() {
        return pseudo ? pseudoBuffers.get() : sendBuffer;
    }

    public State state() {
        return state;
    }

    /**
     * The state as status and list report it: MIGRATING while a migration is under way; EXECUTING,
     * not FROZEN, while a handler still runs guest code after a freeze (it freezes when it pauses).
     */
    public State shownState() {
        if (migratingTo != 0) return State.MIGRATING;
        State s = state;
        return s == State.FROZEN && guestSince != 0 ? State.EXECUTING : s;
    }

    /** The host: a handler (or module code) starts to run guest code. */
    public void startGuest() {
        guestNanos = 0;
        inHandler = true;
        resumeGuest();
        handlerStarted = guestSince;
    }

    /** Whether a handler is running (its guest code, or a ctx call it made). */
    public boolean inHandler() {
        return inHandler;
    }

    /** How long the running handler has run, wall time; 0 when none runs. */
    public long handlerRunningNanos() {
        return inHandler ? System.nanoTime() - handlerStarted : 0;
    }

    /** The host: the handler returned (or threw). */
    public void endGuest() {
        inHandler = false;
        pauseGuest();
    }

    private volatile boolean inHandler;

    /** The host: guest code runs again (a ctx call returned). */
    public void resumeGuest() {
        if (!inHandler) return; // our own prelude calls outside handlers are not counted
        long now = System.nanoTime();
        guestSince = now == 0 ? 1 : now;
    }

    /** The host: guest code stopped (a ctx call, or the handler returned); answers freezes waiting for that. */
    public void pauseGuest() {
        long s = guestSince;
        if (s != 0) {
            guestNanos += System.nanoTime() - s;
            guestSince = 0;
        }
        if (freezeWaiting) kernel.ghosts.answerFreezes(this, null);
    }

    /** Guest time the current handler has run so far (ctx calls excluded); 0 when none runs. */
    public long guestRunNanos() {
        if (!inHandler) return 0;
        long s = guestSince;
        return guestNanos + (s == 0 ? 0 : System.nanoTime() - s);
    }

    /** Guest code is running now. */
    public boolean inGuest() {
        return guestSince != 0;
    }

    public int migratingTo() {
        return migratingTo;
    }

    public String fault() {
        return fault;
    }

    public String moduleName() {
        return module == null ? "(operator)" : module.name();
    }

    public String moduleHash() {
        return module == null ? "" : module.hash();
    }

    public byte[] initialState() {
        return initialState;
    }

    public String argsJson() {
        return argsJson;
    }

    /** The thread running the incarnation's code (null for the operator). */
    public Thread thread() {
        return thread;
    }

    public void thread(Thread t) {
        thread = t;
    }

    public Object host() {
        return host;
    }

    public void host(Object h) {
        host = h;
    }

    public boolean isFrozenRequested() {
        return frozenRequested;
    }

    public boolean isDestroyed() {
        return destroyed;
    }

    /** See the field: set before it is destroyed, when the copy that goes on is elsewhere. */
    public boolean livesOnElsewhere() {
        return livesOnElsewhere;
    }

    /** Its interface preamble and init have run (or it arrived already started). */
    public boolean isStarted() {
        return started;
    }

    public void recordHandler(long nanos) {
        handlerNanos += nanos;
        handlerRuns++;
        kernel.nodeLoad.handlerEnded(nanos); // the node's busy figure (docs/pool.md, "Load balancing")
    }

    public void stateBytes(long n) {
        stateBytes = n;
    }

    /** The beginning of the state as JSON, taken with its size (for inspect). */
    volatile String statePreview;

    public void statePreview(String s) {
        statePreview = s;
    }

    public synchronized List<Port> ports() {
        return new ArrayList<>(ports);
    }

    public synchronized List<Stream> streams() {
        return new ArrayList<>(streams);
    }

    @Override
    public String toString() {
        return name + " (" + Ids.show(gid) + ")";
    }
}
