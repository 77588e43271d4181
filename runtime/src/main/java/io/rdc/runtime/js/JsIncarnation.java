package io.rdc.runtime.js;

import io.rdc.runtime.kernel.Event;
import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.Message;
import io.rdc.runtime.kernel.NodeStatus;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.kernel.Port;
import io.rdc.runtime.kernel.Status;
import io.rdc.runtime.kernel.Stream;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import io.rdc.runtime.ref.ReferenceException;
import io.rdc.runtime.ref.Rights;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.util.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyArray;
import org.graalvm.polyglot.proxy.ProxyExecutable;

/**
 * One incarnation's JavaScript side: its context, its handlers, and the {@code ctx} calls, which
 * arrive here through one host function (op name first) and go to the kernel. Runs on the
 * incarnation's own platform thread; handlers run one at a time, and a handler that throws puts the
 * incarnation in FAULTING without disturbing the node.
 *
 * <p>Why one file of this size: it is the ctx object's single dispatch table (one case per primitive of
 * appendix B) on the incarnation's own thread; splitting it would add a hop or a shared state object
 * on the message hot path.
 */
final class JsIncarnation implements ProxyExecutable {
    private final Kernel kernel;
    private final Incarnation inc;
    private final List<Iface> ifaces;
    volatile Thread thread;
    private volatile boolean killed;
    /** Set as soon as it exists (before the module's code runs), so the watchdog can interrupt it. */
    volatile Context context;
    /** Why the watchdog interrupted the running handler (its bound), or null. */
    volatile String overrun;
    /** Its module's top-level code is running (bounded by moduleLoadBoundMs, not the handler bound). */
    volatile boolean loading;
    /** The watchdog's own: the handler it watches, whether module code, and its thread's CPU time at first sight. */
    long watchSeq = -1, watchCpu;
    boolean watchLoading;
    /** Its RDC's own bounds as this process knows them (RdcLimits), looked up once by the watchdog or the memory guard. */
    volatile io.rdc.runtime.kernel.RdcLimits.Table.Known rdcLimits;
    /** Counts handlers run, so that the watchdog interrupts only the handler it found overrunning. */
    volatile long handlerSeq;
    private Value ctx, mkMsg, mkErr, enc, newBytes, stateSize, dec;
    private Value onMessage, onEvent;
    private Ref selfRef;
    /** The invocation being handled, answered implicitly when its handler returns. */
    private Message current;
    /** Where its print, console.log and ctx.log lines go: its node's log and its watchers, rate-limited. */
    private final io.rdc.runtime.kernel.IncarnationOutput output;
    /** Its files (ctx.files): in its RDC's directory of the pool's file namespace, as this node sees it. */
    private final FileHandles files;

    /** A line the code printed (print, console.*, ctx.log), possibly several in one string. */
    void printed(String text) {
        for (String l : text.split("\n", -1)) output.line(l);
    }

    JsIncarnation(Kernel kernel, Incarnation inc, List<Iface> ifaces) {
        this(kernel, inc, ifaces, null, null);
    }

    private io.rdc.runtime.kernel.Launcher.Arrival arrival;
    private static final boolean TRACE = Boolean.getBoolean("rdc.migrate.trace");
    /** Where a context readied for this arrival can be taken from (null: load one). */
    private final JsHost host;
    private Value onMigrated, onRestored, onForked;

    JsIncarnation(Kernel kernel, Incarnation inc, List<Iface> ifaces, io.rdc.runtime.kernel.Launcher.Arrival arrival, JsHost host) {
        this.kernel = kernel;
        this.inc = inc;
        this.output = new io.rdc.runtime.kernel.IncarnationOutput(kernel, inc);
        this.files = new FileHandles(() -> kernel.pool().files().of(kernel.pool().node(kernel.nodeId()), inc.rdcId));
        this.ifaces = ifaces;
        this.arrival = arrival;
        this.host = host;
    }

    void run(Runnable ready, Consumer<String> failed) {
        try {
            runCode(ready, failed);
        } catch (Throwable t) {
            // An Error escaped every handler's catch (an OutOfMemoryError thrown in our own code between guest calls): the
            // thread ends, its context is closed (runCode's finally) so the heap it held comes back, and it says why.
            if (t instanceof OutOfMemoryError) MemoryGuard.outOfMemory();
            if (!killed && !inc.isDestroyed()) {
                try {
                    kernel.fault(inc, (t instanceof OutOfMemoryError ? "out of memory: " : "") + "its thread ended with " + t);
                } catch (Throwable ignored) {
                    // nothing more can be said from here
                }
            }
        }
    }

    private void runCode(Runnable ready, Consumer<String> failed) {
        Value init;
        try {
            long t0 = System.nanoTime();
            if (arrival == null) io.rdc.runtime.kernel.CreateProbe.stamp(io.rdc.runtime.kernel.CreateProbe.THREAD_RUNS);
            JsHost.Warm w = preloaded != null ? preloaded : arrival != null && host != null ? host.takeReadied(arrival.transfer()) : null;
            preloaded = null;
            if (TRACE && arrival != null) System.err.printf("arrive %s: spare %s, took %.3f ms%n", inc.name, w != null, (System.nanoTime() - t0) / 1e6);
            if (arrival == null && (killed || inc.isDestroyed())) {
                // Destroyed before its context loaded (possible once its creator has the answer: JsHost.answersBeforeLoad).
                if (w != null) w.context().close(true);
                failed.accept(inc.name + " was destroyed before its module loaded");
                return;
            }
            if (w == null) {
                HandlerWatchdog.watch(this);
                JsHost.LOADS.acquireUninterruptibly();
                loading = true;
                inc.startGuest(); // the module's top-level code is bounded too
                try {
                    w = JsHost.load(inc.moduleHash().isEmpty() ? null : moduleOf(), this);
                } finally {
                    inc.endGuest();
                    loading = false;
                    JsHost.LOADS.release();
                }
            } else {
                w.calls().target = this;
                if (w.exports() == null) w = evaluateModule(w); // a creation spare: prelude only
            }
            adopt(w);
            inc.measureState = this::measureState;
            init = function(exports, "init");
            if (arrival == null && exports != null) JsHost.loaded(inc.moduleHash());
        } catch (PolyglotException | IllegalArgumentException | IllegalStateException e) {
            closeQuietly();
            HandlerWatchdog.unwatch(this);
            String why = overrun;
            failed.accept("module " + inc.moduleName() + ": " + (why != null ? why : describe(e)));
            return;
        }
        HandlerWatchdog.watch(this);
        if (arrival != null) {
            arrive(ready, failed);
            return;
        }
        ready.run();
        try {
            awaitStart();
            if (inc.isDestroyed()) return;
            Map<String, Ref> named;
            try {
                named = kernel.preamble(inc, ifaces);
                io.rdc.runtime.kernel.CreateProbe.stamp(io.rdc.runtime.kernel.CreateProbe.PREAMBLE_DONE);
            } catch (RuntimeException e) {
                kernel.fault(inc, "interface preamble failed: " + e.getMessage());
                named = Map.of();
            }
            Value ifaceObj = ctx.getMember("ifaces");
            for (Map.Entry<String, Ref> e : named.entrySet()) ifaceObj.putMember(e.getKey(), JsRef.of(e.getValue()));
            if (inc.state() != Incarnation.State.FAULTING) {
                byte[] state = inc.initialState();
                if (state != null) {
                    // Restored from a snapshot: the state comes back, init is not run again.
                    try {
                        ctx.putMember("state", io.rdc.runtime.state.StateCodec.decode(state, 0, state.length, context,
                                new KernelReferenceCodec(kernel, inc)));
                    } catch (RuntimeException e) {
                        kernel.fault(inc, "restoring the state failed: " + e.getMessage());
                    }
                } else {
                    Value args = dec.execute(inc.argsJson());
                    if (init != null && !handle(() -> init.execute(ctx, args, ifaceObj))) return;
                }
                kernel.made(inc);
                io.rdc.runtime.kernel.CreateProbe.stamp(io.rdc.runtime.kernel.CreateProbe.STARTED);
            }
            handlerLoop();
        } catch (PolyglotException | IllegalStateException e) {
            // Destroyed while between handlers (its context closed under it): nothing more to run.
            if (!killed && !inc.isDestroyed()) kernel.fault(inc, describe(e));
        } finally {
            endHere();
        }
    }

    /** Arrival by migration: the state comes back (init is not run), then onMigrated, then handlers as before. */
    private void arrive(Runnable ready, Consumer<String> failed) {
        try {
            long t0 = System.nanoTime();
            MigrationReferenceCodec codec = MigrationReferenceCodec.forArrival(arrival.table(), arrival.portByOldGid(), files, arrival.mode());
            byte[] rec = arrival.record();
            ctx.putMember("state", io.rdc.runtime.state.StateCodec.decode(rec, arrival.stateOffset(), arrival.stateLength(), context, codec));
            Value ifaceObj = io.rdc.runtime.state.StateCodec.decode(rec, arrival.ifacesOffset(), arrival.ifacesLength(), context, codec);
            ctx.putMember("ifaces", ifaceObj);
            if (TRACE) System.err.printf("arrive %s: decode %.3f ms%n", inc.name, (System.nanoTime() - t0) / 1e6);
            // Decoded: the record (the whole state as it arrived) and the tables need not live on with it.
            arrival = new io.rdc.runtime.kernel.Launcher.Arrival(null, 0, 0, 0, 0, null, null, arrival.fromNode(), arrival.mode(), arrival.transfer());
        } catch (RuntimeException e) {
            files.end(true, this::printed); // it runs on where it came from, which writes what the files buffer
            closeQuietly();
            failed.accept(e instanceof PolyglotException pe ? describe(pe) : String.valueOf(e.getMessage()));
            return;
        }
        ready.run();
        try {
            kernel.awaitArrival(inc);
            if (!kernel.awaitUnfrozen(inc)) return;
            if (host != null && arrival.mode() == 0) host.replenish(moduleOf());
            Value from = dec.execute(String.valueOf(arrival.fromNode()));
            Value to = dec.execute(String.valueOf(kernel.nodeId()));
            // Its code learns how it got here: moved (onMigrated), restored from a checkpoint, or forked (the child's side).
            Value hook = arrival.mode() == 0 ? onMigrated : arrival.mode() == 1 ? onRestored : onForked;
            if (hook != null) {
                if (arrival.mode() == 2) {
                    Object parent = JsRef.of(inc.refs.add(io.rdc.runtime.ref.RefKind.INCARNATION, kernel.incarnationHandle(inc.parentGid),
                            io.rdc.runtime.ref.Rights.OBSERVE, false));
                    handle(() -> hook.execute(ctx, parent));
                } else {
                    handle(() -> hook.execute(ctx, from, to));
                }
            }
            handlerLoop();
        } catch (PolyglotException | IllegalStateException e) {
            if (!killed && !inc.isDestroyed()) kernel.fault(inc, describe(e));
        } finally {
            endHere();
        }
    }

    /** Its module's exports (what {@code upgrade} is told it came from: their {@code version}). */
    Value exports;

    /** Makes a loaded context this incarnation's: the prelude's helpers and the module's handlers. */
    void adopt(JsHost.Warm w) {
        context = w.context();
        Value api = w.api();
        ctx = api.getMember("ctx");
        mkMsg = api.getMember("mkMsg");
        mkErr = api.getMember("mkErr");
        enc = api.getMember("enc");
        dec = api.getMember("dec");
        newBytes = api.getMember("newBytes");
        stateSize = api.getMember("stateSize");
        exports = w.exports();
        onMessage = function(exports, "onMessage");
        onEvent = function(exports, "onEvent");
        onMigrated = function(exports, "onMigrated");
        onRestored = function(exports, "onRestored");
        onForked = function(exports, "onForked");
    }

    /** Its ctx object (for CodeReplacement, on this incarnation's thread). */
    Value ctx() {
        return ctx;
    }

    /** On this incarnation's thread, between handlers: runs {@code next}'s code on its state from now on (CodeReplacement). */
    String replaceCode(io.rdc.runtime.kernel.ModuleStore.Module next) {
        return CodeReplacement.replace(this, next);
    }

    /** The context readied for this arrival, when it runs on the thread that readied it (JsHost.Spare). */
    JsHost.Warm preloaded;

    /** On the incarnation's thread, stopped between handlers: its state and interfaces for a migration. */
    io.rdc.runtime.kernel.Launcher.Captured capture(List<Ref> table) {
        MigrationReferenceCodec codec = MigrationReferenceCodec.forCapture(kernel, inc, table);
        try {
            // The interfaces first, whole; then the state, whose bytes are read out only as it is shipped
            // (StateCodec.encodeLater: its walk keeps the encoder's buffers, so it must be the last encode).
            long t0 = System.nanoTime();
            byte[] ifs = io.rdc.runtime.state.StateCodec.encode(ctx.getMember("ifaces"), codec, "ifaces");
            long t1 = System.nanoTime();
            io.rdc.runtime.util.ByteSource state = io.rdc.runtime.state.StateCodec.encodeLater(ctx.getMember("state"), codec, "state");
            if (TRACE) System.err.printf("capture %s: ifaces %.3f ms, state's walk %.3f ms%n", inc.name, (t1 - t0) / 1e6, (System.nanoTime() - t1) / 1e6);
            return new io.rdc.runtime.kernel.Launcher.Captured(state, ifs);
        } catch (io.rdc.runtime.state.StateCodecException | io.rdc.runtime.ref.ReferenceException e) {
            throw new OperationException("its state cannot move: " + e.getMessage());
        } catch (PolyglotException e) {
            throw new OperationException("its state cannot move: " + describe(e));
        }
    }

    private void handlerLoop() {
        {
            while (!killed) {
                Object item = kernel.nextForHandler(inc, onMessage != null);
                if (item == null) break;
                boolean alive;
                if (item instanceof Message m) alive = dispatch(m);
                else if (item instanceof Event ev) alive = onEvent == null || handle(() -> onEvent.execute(ctx, eventObject(ev)));
                else {
                    ((Runnable) item).run();
                    alive = true;
                }
                if (!alive) break;
            }
        }
    }

    /** Evaluates this incarnation's module in a creation spare's context, its top-level code bounded like a load's. */
    private JsHost.Warm evaluateModule(JsHost.Warm prelude) {
        context = prelude.context(); // its module code may spin: the watchdog can interrupt it now
        HandlerWatchdog.watch(this);
        loading = true;
        inc.startGuest();
        try {
            return JsHost.withModule(prelude, moduleOf());
        } finally {
            inc.endGuest();
            loading = false;
        }
    }

    private io.rdc.runtime.kernel.ModuleStore.Module moduleOf() {
        io.rdc.runtime.kernel.ModuleStore.Module m = kernel.modules().get(inc.moduleHash());
        if (m == null) throw new IllegalArgumentException("module code " + inc.moduleHash() + " is not at node " + kernel.nodeId());
        return m;
    }

    /** An INCHOATE incarnation starts when it is first unfrozen (§3.2.1). */
    private void awaitStart() {
        while (inc.state() == Incarnation.State.INCHOATE && !inc.isDestroyed()) kernel.nextForHandlerWait(inc);
    }

    static Value function(Value exports, String name) {
        if (exports == null || !exports.hasMember(name)) return null;
        Value f = exports.getMember(name);
        return f.canExecute() ? f : null;
    }

    private boolean dispatch(Message m) {
        io.rdc.runtime.kernel.Probe.stamp(2);
        JsRef port = JsRef.of(portRef(m.port));
        current = m;
        try {
            Value msg = messageObject(m);
            Value[] result = new Value[1];
            boolean alive = handle(() -> result[0] = onMessage.execute(ctx, port, msg));
            if (!alive || inc.state() == Incarnation.State.FAULTING) {
                if (m.awaitsReply()) kernel.failInvoker(m, "receiver " + inc.name + " failed: " + inc.fault());
                return alive;
            }
            if (m.invokeId != 0 && m.awaitsReply() && !m.isDeferred()) {
                try {
                    replyWith(m, result[0]);
                } catch (io.rdc.runtime.kernel.OperationException e) {
                    // The invoker is gone (its node died, its session ended): the handler ran, only the
                    // answer is lost. The incarnation carries on with its next message.
                    kernel.log(inc, "reply not delivered: " + e.getMessage());
                }
            }
            return true;
        } finally {
            current = null;
        }
    }

    /** The handler's return value is the reply: {head, body, ref}; undefined is a bare acknowledgement. */
    private void replyWith(Message m, Value r) {
        byte[] head = null, body = null;
        RefDescriptor ref = null;
        if (r != null && !r.isNull() && r.hasMembers()) {
            head = bytes(enc.execute(r.getMember("head")));
            body = bytes(enc.execute(r.getMember("body")));
            Value rv = r.getMember("ref");
            if (rv != null && !rv.isNull()) ref = kernel.propagate(inc, ref(rv), 0, -1);
        }
        kernel.reply(inc, m, head, body, ref);
    }

    private Ref portRef(Port p) {
        Ref r = p.ownerRefOrNull();
        if (r == null) throw new IllegalStateException(p + " has no reference in its owner's table");
        return r;
    }

    private Value messageObject(Message m) {
        Object ref = m.ref == null ? null : JsRef.of(kernel.materialize(inc, m.ref));
        Object reply = m.invokeId != 0 ? new JsReply(m) : null;
        return mkMsg.execute(m.head == null ? null : new String(m.head, StandardCharsets.UTF_8),
                m.body == null ? null : new String(m.body, StandardCharsets.UTF_8),
                JsRef.of(portRef(m.port)), io.rdc.runtime.kernel.Ids.show(m.streamGid), ref, reply, kindName(m.kind));
    }

    private static String kindName(int kind) {
        return switch (kind) {
            case Frames.KIND_SEND -> "send";
            case Frames.KIND_ASINVOKE -> "asinvoke";
            case Frames.KIND_INVOKE -> "invoke";
            default -> "dgram";
        };
    }

    private Value eventObject(Event ev) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("type", ev.type().name());
        o.put("subject", ev.subjectName());
        o.put("detail", ev.detail());
        o.put("at", ev.atMillis());
        if (ev.type() == Event.Type.TIMER) o.put("tag", ev.detail());
        return dec.execute(Json.write(o));
    }

    /** Runs one handler; false when the incarnation can no longer run (killed, or it threw). */
    private boolean handle(Runnable body) {
        long t0 = System.nanoTime();
        handlerSeq++;
        overrun = null;
        inc.startGuest();
        try {
            body.run();
            return true;
        } catch (PolyglotException e) {
            if (e.isResourceExhausted()) MemoryGuard.outOfMemory(); // a heap that ran out (or a guest stack): the guard looks now
            if (killed || e.isCancelled() || inc.isDestroyed()) return false;
            String why = overrun;
            kernel.fault(inc, why != null && e.isInterrupted() ? why : (e.isResourceExhausted() ? "out of memory or stack: " : "") + describe(e));
            return true; // it stays, FAULTING, until destroyed; the loop waits
        } catch (IllegalStateException e) {
            if (killed || inc.isDestroyed()) return false; // the context was closed under us
            kernel.fault(inc, e.toString());
            return true;
        } finally {
            inc.endGuest();
            inc.recordHandler(System.nanoTime() - t0);
            if (inc.wantStateSize && !killed) {
                inc.wantStateSize = false;
                measureState();
            }
        }
    }

    /** The state's size and preview, now (between handlers, on this thread). */
    private void measureState() {
        if (killed || stateSize == null) return;
        try {
            Value v = stateSize.execute();
            inc.stateBytes(v.getArrayElement(0).asLong());
            inc.statePreview(v.getArrayElement(1).isNull() ? null : v.getArrayElement(1).asString());
        } catch (RuntimeException ignored) {
            // a closed context has no state to measure
        }
    }

    static String describe(Exception e) {
        if (e instanceof PolyglotException pe) {
            String where = "";
            if (pe.getSourceLocation() != null)
                where = " (" + pe.getSourceLocation().getSource().getName() + ":" + pe.getSourceLocation().getStartLine() + ")";
            else
                for (PolyglotException.StackFrame f : pe.getPolyglotStackTrace())
                    if (f.isGuestFrame() && f.getSourceLocation() != null) {
                        where = " (" + f.getSourceLocation().getSource().getName() + ":" + f.getSourceLocation().getStartLine() + ")";
                        break;
                    }
            return pe.getMessage() + where;
        }
        return String.valueOf(e.getMessage());
    }

    /** On the incarnation's thread, between handlers: encodes ctx.state. */
    void snapshot(java.util.function.BiConsumer<byte[], String> done) {
        try {
            done.accept(io.rdc.runtime.state.StateCodec.encode(ctx.getMember("state"), new KernelReferenceCodec(kernel, inc)), null);
        } catch (io.rdc.runtime.state.StateCodecException | io.rdc.runtime.ref.ReferenceException e) {
            done.accept(null, e.getMessage());
        } catch (PolyglotException e) {
            done.accept(null, describe(e));
        }
    }

    /** On the incarnation's thread: installs or removes an interface given from outside (link/unlink). */
    void setInterface(String name, Ref ref) {
        Value ifaceObj = ctx.getMember("ifaces");
        if (ref == null) {
            Value old = ifaceObj.getMember(name);
            if (old != null && old.isProxyObject() && old.asProxyObject() instanceof JsRef j && !j.ref.isClosed()) kernel.release(inc, j.ref);
            ifaceObj.removeMember(name);
        } else {
            ifaceObj.putMember(name, JsRef.of(ref));
        }
    }

    Incarnation inc() {
        return inc;
    }

    Kernel kernel() {
        return kernel;
    }

    void kill() {
        killed = true;
        Context c = context;
        if (c != null) {
            try {
                c.close(true);
            } catch (RuntimeException ignored) {
                // already closing
            }
        }
    }

    /** Its thread ends: its context closed first, since MemoryGuard blames only incarnations it still watches. */
    private void endHere() {
        try {
            closeQuietly();
        } finally {
            HandlerWatchdog.unwatch(this);
        }
    }

    private void closeQuietly() {
        // Its files first (on its own thread, as every file call): written out and closed if it ended
        // here, closed without writing if it lives on elsewhere, whose copy writes their buffers.
        try {
            files.end(inc.livesOnElsewhere(), this::printed);
        } catch (OutOfMemoryError e) {
            MemoryGuard.outOfMemory(); // the context below matters more: it holds the heap
        }
        // A context left open holds its heap for good, and a thread that ends is no longer watched by MemoryGuard:
        // closing it must outlast a heap that is short for a moment (a CI run saw 509 MB held by such a context).
        for (int attempt = 1; ; attempt++) {
            try {
                closeContext();
                return;
            } catch (OutOfMemoryError e) {
                MemoryGuard.outOfMemory();
                if (attempt == CLOSE_ATTEMPTS) throw e;
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    /** How often an ending incarnation tries to close its context when the heap runs out meanwhile (20 ms apart). */
    private static final int CLOSE_ATTEMPTS = 100;

    private void closeContext() {
        Context c = context;
        if (c == null) return;
        try {
            c.close(killed);
        } catch (RuntimeException e) {
            try {
                c.close(true);
            } catch (RuntimeException ignored) {
                // nothing more to do
            }
        }
    }

    // =====================================================================================
    // ctx calls

    @Override
    public Object execute(Value... a) {
        String op = a[0].asString();
        inc.pauseGuest(); // time in ctx calls (waiting in invoke, receive...) does not count against the handler's bound
        try {
            return call(op, a);
        } catch (OperationException | ReferenceException | IllegalArgumentException | UnsupportedOperationException
                 | ClassCastException e) {
            return mkErr.execute("ctx." + op + ": " + e.getMessage());
        } finally {
            inc.resumeGuest();
        }
    }

    private Object call(String op, Value[] a) {
        switch (op) {
            case "send", "asinvoke", "dgram": {
                Ref sr = ref(a[1], RefKind.STREAM);
                Ref pr = a[4].isNull() ? null : ref(a[4]);
                int flags = a[5].asInt();
                RefDescriptor d = pr == null ? null : kernel.propagate(inc, pr, flags, a[6].asInt());
                int kind = op.equals("send") ? Frames.KIND_SEND : op.equals("asinvoke") ? Frames.KIND_ASINVOKE : Frames.KIND_DGRAM;
                kernel.send(inc, (Stream) sr.target(), kind, bytes(a[2]), bytes(a[3]), d);
                if (pr != null) kernel.afterPropagate(inc, pr, flags);
                return null;
            }
            case "files.open", "files.read", "files.readBytes", "files.write", "files.seek", "files.flush", "files.close", "files.size":
                return files.call(op, a, this::toJs);
            case "flush": {
                kernel.flush((Stream) ref(a[1], RefKind.STREAM).target());
                return null;
            }
            case "invoke": {
                Ref sr = ref(a[1], RefKind.STREAM);
                Ref pr = a[4].isNull() ? null : ref(a[4]);
                int flags = a[5].asInt();
                RefDescriptor d = pr == null ? null : kernel.propagate(inc, pr, flags, a[6].asInt());
                Kernel.Reply r = kernel.invoke(inc, (Stream) sr.target(), bytes(a[2]), bytes(a[3]), d,
                        TimeUnit.MILLISECONDS.toNanos(a[7].asLong()));
                if (pr != null) kernel.afterPropagate(inc, pr, flags);
                Object rref = r.ref() == null ? null : JsRef.of(kernel.materialize(inc, r.ref()));
                return ProxyArray.fromArray(text(r.head()), text(r.body()), rref);
            }
            case "reply": {
                Message m = reply(a[1]);
                Ref pr = a[4].isNull() ? null : ref(a[4]);
                int flags = a[5].asInt();
                RefDescriptor d = pr == null ? null : kernel.propagate(inc, pr, flags, a[6].asInt());
                kernel.reply(inc, m, bytes(a[2]), bytes(a[3]), d);
                if (pr != null) kernel.afterPropagate(inc, pr, flags);
                return null;
            }
            case "defer": {
                Message m = reply(a[1]);
                kernel.defer(m);
                return new JsReply(m);
            }
            case "forward": {
                Ref sr = ref(a[1], RefKind.STREAM);
                kernel.forward(inc, (Stream) sr.target(), reply(a[2]), a[3].isNull() ? null : bytes(a[3]));
                return null;
            }
            case "receive": {
                Port p = a[1].isNull() ? null : (Port) ref(a[1], RefKind.PORT).target();
                long from = source(a[2]);
                long t = a[3].asLong();
                Message m = kernel.receive(inc, p, from, t < 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(t));
                if (m == null) return null;
                if (m.invokeId != 0) kernel.defer(m); // received in a handler: the code replies explicitly
                return messageObject(m);
            }
            case "hold": {
                // Selective reception for onMessage (§6.3.3); see Held.
                io.rdc.runtime.kernel.Held h = inc.held;
                switch (a[1].asString()) {
                    case "one" -> h.hold(requiredSource(a[2]));
                    case "release" -> h.release(requiredSource(a[2]));
                    case "all" -> {
                        java.util.Set<Long> except = new java.util.HashSet<>();
                        for (long i = 0; i < a[2].getArraySize(); i++) except.add(source(a[2].getArrayElement(i)));
                        h.holdAllExcept(except);
                    }
                    case "none" -> h.releaseAll();
                    case "test" -> {
                        return h.holds(source(a[2]));
                    }
                    default -> throw new IllegalArgumentException("unknown hold mode " + a[1].asString());
                }
                return null;
            }
            case "testPort": {
                Port p = (Port) ref(a[1], RefKind.PORT).target();
                return Json.write(kernel.testPort(inc, p, source(a[2])));
            }
            case "create": {
                int node = a[2].asInt() == 0 ? kernel.nodeId() : a[2].asInt();
                List<Iface> spec = ifaces(a[4].asString());
                String args = a[3].isNull() ? "null" : a[3].asString();
                String name = a[6].isNull() ? null : a[6].asString();
                long gid = a[1].isString()
                        ? kernel.create(inc, node, kernel.moduleByName(inc, a[1].asString()), args, spec, a[5].asBoolean(), name)
                        : kernel.createFrom(inc, handle(a[1], Rights.STATUS), node, args, spec, a[5].asBoolean(), name);
                io.rdc.runtime.kernel.IncarnationOutput.inherit(kernel, inc, gid);
                return JsRef.of(inc.refs.add(RefKind.INCARNATION, kernel.incarnationHandle(gid), Rights.ALL, false));
            }
            case "destroy":
                kernel.destroy(handle(a[1], Rights.DESTROY));
                return null;
            case "makeDependent": // terminating it on our account needs the right to destroy it
                kernel.makeDependent(handle(a[1], Rights.DESTROY), inc.gid, a[2].asString());
                return null;
            case "freeze": {
                long target = handle(a[1], Rights.FREEZE);
                kernel.freeze(target, target != inc.gid); // freezing itself: it freezes when this handler returns
                return null;
            }
            case "fork": {
                List<Ref> listed = new ArrayList<>();
                Value ps = a[2];
                for (long i = 0; ps.hasArrayElements() && i < ps.getArraySize(); i++) listed.add(ref(ps.getArrayElement(i), RefKind.PORT));
                var f = kernel.forkSelf(inc, a[1].asInt(), listed, a[3].isNull() ? null : a[3].asString());
                io.rdc.runtime.kernel.IncarnationOutput.inherit(kernel, inc, f.getKey());
                Map<String, Object> streams = new LinkedHashMap<>();
                for (var e : f.getValue().entrySet()) streams.put(e.getKey(), JsRef.of(e.getValue()));
                return ProxyArray.fromArray(JsRef.of(inc.refs.add(RefKind.INCARNATION, kernel.incarnationHandle(f.getKey()), Rights.ALL, false)),
                        org.graalvm.polyglot.proxy.ProxyObject.fromMap(streams));
            }
            case "migrate": {
                // An incarnation migrating itself moves when this handler returns, so it cannot wait for the end;
                // a manager moving another may (wait: true), to see the move done or why not before its next decision.
                long target = handle(a[1], Rights.MIGRATE);
                boolean waitForEnd = a.length > 4 && a[4].asBoolean();
                if (waitForEnd && target == inc.gid) throw new OperationException("an incarnation cannot wait for its own migration: it moves when this handler returns");
                Kernel.Migration m = kernel.migrate(target, a[2].asInt(), TimeUnit.MILLISECONDS.toNanos(a[3].asLong()), waitForEnd);
                return m == null || !waitForEnd ? null : Json.write(Map.of("elapsedMs", m.elapsedMs(), "frozenMs", m.frozenMs()));
            }
            case "replace": {
                // Replacing one's own code would wait for the boundary this very handler holds.
                long target = handle(a[1], Rights.MIGRATE);
                if (target == inc.gid) throw new OperationException("an incarnation cannot replace its own code (its manager does)");
                kernel.replace(target, kernel.moduleByName(inc, a[2].asString()), TimeUnit.MILLISECONDS.toNanos(a[3].asLong()));
                return null;
            }
            case "incarnations":
                return Json.write(ManagerCalls.incarnations(kernel, inc));
            case "adopt":
                return JsRef.of(ManagerCalls.adopt(kernel, inc, a[1].isNull() ? null : a[1].asString()));
            case "unfreeze":
                kernel.unfreeze(handle(a[1], Rights.FREEZE), a[2].asInt());
                return null;
            case "status":
                return Json.write(statusMap(kernel.status(handle(a[1], Rights.STATUS))));
            case "setInterest": {
                @SuppressWarnings("unchecked") List<Object> evs = (List<Object>) Json.parse(a[2].asString());
                List<String> names = new ArrayList<>();
                for (Object o : evs) names.add(String.valueOf(o));
                kernel.setInterest(inc, handle(a[1], Rights.EVENTS), Event.Type.maskOf(names));
                return null;
            }
            case "spacePut": {
                Ref r = ref(a[2]);
                kernel.spacePut(inc, a[1].asString(), kernel.propagate(inc, r, 0, -1), copies(a[3]));
                return null;
            }
            case "spaceGet": {
                long t = a[2].asLong();
                return JsRef.of(kernel.spaceGet(inc, a[1].asString(), t < 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(t)));
            }
            case "spaceReturn":
                kernel.spaceReturn(inc, a[1].asString());
                return null;
            case "spaceDelete":
                return kernel.spaceDelete(inc, a[1].asString());
            case "spacePrint":
                return Json.write(kernel.spacePrint(inc));
            case "chanCreate": {
                Ref[] sp = kernel.chanCreate(inc, a[1].isNull() ? null : a[1].asString(), "multicast".equals(a[2].asString()));
                return ProxyArray.fromArray(JsRef.of(sp[0]), JsRef.of(sp[1]));
            }
            case "portCreate":
                return JsRef.of(kernel.portCreate(inc, a[1].isNull() ? null : ref(a[1], RefKind.STREAM)));
            case "attachPort": {
                Ref np = ref(a[1], RefKind.PORT, RefKind.PORT_HANDLE);
                boolean moveQueue = a[4].asBoolean();
                if (!a[2].isNull()) kernel.attach(kernel.portOf(inc, np), kernel.portOf(inc, ref(a[2], RefKind.PORT, RefKind.PORT_HANDLE)), 0, moveQueue);
                else kernel.attach(kernel.portOf(inc, np), null, kernel.channelOf(inc, ref(a[3], RefKind.STREAM, RefKind.STREAM_HANDLE)), false);
                return null;
            }
            case "rebindStream": {
                Ref sr = ref(a[1], RefKind.STREAM, RefKind.STREAM_HANDLE);
                Ref ch = ref(a[2], RefKind.STREAM, RefKind.STREAM_HANDLE);
                kernel.rebind(kernel.streamOf(inc, sr), kernel.channelOf(inc, ch),
                        a[3].isNull() ? null : kernel.portOf(inc, ref(a[3], RefKind.PORT, RefKind.PORT_HANDLE)));
                return null;
            }
            case "freezeStream":
                kernel.freezeStream(kernel.streamOf(inc, ref(a[1], RefKind.STREAM, RefKind.STREAM_HANDLE)), a[2].asBoolean());
                return null;
            case "joinChannel":
                kernel.joinChannel(inc, ref(a[1], RefKind.PORT), ref(a[2], RefKind.STREAM));
                return null;
            case "hanCreate": {
                Ref r = ref(a[1], RefKind.STREAM, RefKind.PORT);
                RefDescriptor h = kernel.handleFor(r);
                return JsRef.of(inc.refs.add(h.kind(), h, 0, false));
            }
            case "close":
                kernel.release(inc, ref(a[1]));
                return null;
            case "testReference":
                return Json.write(describeRef(a[1]));
            case "register": {
                java.util.List<String> readers = new java.util.ArrayList<>();
                if (a.length > 3 && !a[3].isNull())
                    for (long i = 0; i < a[3].getArraySize(); i++) readers.add(a[3].getArrayElement(i).asString());
                kernel.register(inc, a[1].asString(), kernel.propagate(inc, ref(a[2], RefKind.STREAM), 0, -1), readers);
                return null;
            }
            case "unregister":
                return kernel.unregister(inc, a[1].asString());
            case "lookup":
                return JsRef.of(kernel.materialize(inc, kernel.lookup(inc, a[1].asString())));
            case "buffer": {
                long id = kernel.newBuffer(inc, a[1].asInt());
                RefDescriptor d = new RefDescriptor(RefKind.BUFFER_HANDLE, inc.gid, 0, kernel.nodeId(), 0, false, id);
                return JsRef.of(inc.refs.add(RefKind.BUFFER_HANDLE, d, 0, false));
            }
            case "readBuffer": {
                RefDescriptor d = (RefDescriptor) ref(a[1], RefKind.BUFFER_HANDLE).target();
                byte[] b = ownBuffer(d);
                int off = a[2].asInt(), n = a[3].asInt() < 0 ? b.length - off : a[3].asInt();
                checkRange(off, n, b.length);
                return toJs(java.util.Arrays.copyOfRange(b, off, off + n));
            }
            case "writeBuffer": {
                RefDescriptor d = (RefDescriptor) ref(a[1], RefKind.BUFFER_HANDLE).target();
                byte[] b = ownBuffer(d);
                byte[] data = fromJs(a[3]);
                int off = a[2].asInt();
                checkRange(off, data.length, b.length);
                System.arraycopy(data, 0, b, off, data.length);
                return null;
            }
            case "copyFrom": {
                RefDescriptor d = (RefDescriptor) ref(a[1], RefKind.BUFFER_HANDLE).target();
                return toJs(kernel.copyFrom(d, a[2].asInt(), a[3].asInt()));
            }
            case "copyTo": {
                RefDescriptor d = (RefDescriptor) ref(a[1], RefKind.BUFFER_HANDLE).target();
                kernel.copyTo(d, a[2].asInt(), fromJs(a[3]));
                return null;
            }
            case "after":
                kernel.timer(inc, a[1].asLong(), a[2].isNull() ? null : a[2].asString());
                return null;
            case "self":
                if (selfRef == null) selfRef = inc.refs.add(RefKind.INCARNATION, kernel.incarnationHandle(inc.gid), Rights.ALL, false);
                return JsRef.of(selfRef);
            case "where":
                return kernel.nodeId();
            case "rdcId":
                return io.rdc.runtime.kernel.Ids.show(inc.rdcId);
            case "nodes": {
                List<Object> out = new ArrayList<>();
                for (NodeStatus n : kernel.nodes(a[1].isNull() ? null : a[1].asString()))
                    out.add(Map.of("id", n.id(), "name", n.name(), "groups", n.groups(), "load", n.load(), "busy", n.busy(),
                            "queued", n.queued(), "incarnations", n.incarnations(), "reachable", n.reachable()));
                return Json.write(out);
            }
            case "allocate": // §3.4 4], inc_nodeAlloc: the free nodes now; with wait, the rest as they come free
                return Json.write(io.rdc.runtime.kernel.NodeAllocation.describe(io.rdc.runtime.kernel.NodeAllocation.allocate(kernel.pool(), inc.rdcId,
                        a[1].asInt(), a[2].asString(), java.time.Duration.ofMillis(a[3].isNull() ? 0 : a[3].asLong()))));
            case "releaseNode":
                return Json.write(io.rdc.runtime.kernel.NodeAllocation.describe(io.rdc.runtime.kernel.NodeAllocation.release(kernel.pool(), inc.rdcId, a[1].asInt())));
            case "allocation":
                return Json.write(io.rdc.runtime.kernel.NodeAllocation.describe(io.rdc.runtime.kernel.NodeAllocation.of(kernel.pool(), inc.rdcId)));
            case "log":
                printed(a[1].asString());
                return null;
            default:
                throw new IllegalArgumentException("unknown call");
        }
    }

    private static void checkRange(int off, int n, int size) {
        if (off < 0 || n < 0 || off + n > size)
            throw new OperationException("range " + off + ".." + (off + n) + " is outside the buffer of " + size + " bytes");
    }

    private byte[] ownBuffer(RefDescriptor d) {
        if (d.gid() != inc.gid) throw new OperationException("only the buffer's owner reads and writes it directly; others use copyFrom/copyTo");
        return kernel.localBuffer(inc, d.extra());
    }

    private Value toJs(byte[] b) {
        Value arr = newBytes.execute(b.length);
        for (int i = 0; i < b.length; i++) arr.writeBufferByte(i, b[i]);
        return arr;
    }

    private static byte[] fromJs(Value v) {
        if (!v.hasBufferElements()) throw new IllegalArgumentException("expected bytes");
        int n = (int) v.getBufferSize();
        byte[] out = new byte[n];
        v.readBuffer(0, out, 0, n);
        return out;
    }

    private Map<String, Object> describeRef(Value v) {
        Map<String, Object> o = new LinkedHashMap<>();
        if (!(v.isProxyObject() && v.asProxyObject() instanceof JsRef j)) {
            o.put("valid", false);
            o.put("reason", "not a reference");
            return o;
        }
        Ref r = j.ref;
        boolean held = r.table == inc.refs && !r.isClosed();
        o.put("valid", held);
        o.put("kind", r.kind.name().toLowerCase(java.util.Locale.ROOT));
        o.put("noFurther", r.noFurtherPropagation());
        if (r.target() instanceof Stream s) {
            o.put("channel", io.rdc.runtime.kernel.Ids.show(s.channel()));
            o.put("multicast", s.isMulticast());
            if (s.failure() != null) o.put("failure", s.failure());
        } else if (r.target() instanceof Port p) {
            o.put("channel", io.rdc.runtime.kernel.Ids.show(p.firstChannel()));
            o.put("queued", p.queued());
        } else if (r.target() instanceof RefDescriptor d) {
            o.put("target", io.rdc.runtime.kernel.Ids.show(d.gid()));
            if (r.kind == RefKind.INCARNATION) o.put("rights", Rights.describe(r.rights()));
        }
        return o;
    }

    static Map<String, Object> statusMap(Status s) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", s.name());
        o.put("module", s.module());
        o.put("state", s.state().name());
        o.put("node", s.node());
        o.put("priority", s.priority());
        o.put("handlerMicros", s.handlerMicros());
        o.put("handlerRuns", s.handlerRuns());
        o.put("stateBytes", s.stateBytes());
        o.put("queued", s.queued());
        o.put("references", s.references());
        if (s.fault() != null) o.put("fault", s.fault());
        List<Object> ports = new ArrayList<>();
        for (Status.PortStatus p : s.ports())
            ports.add(Map.of("port", io.rdc.runtime.kernel.Ids.show(p.gid()), "channel", io.rdc.runtime.kernel.Ids.show(p.channel()), "queued", p.queued()));
        o.put("ports", ports);
        o.put("dependsOn", new ArrayList<Object>(s.dependsOn()));
        return o;
    }

    private List<Iface> ifaces(String json) {
        List<Iface> out = new ArrayList<>();
        for (Object o : (List<?>) Json.parse(json)) {
            Map<?, ?> m = (Map<?, ?>) o;
            String handle = m.get("handle") == null ? null : String.valueOf(m.get("handle"));
            if (m.containsKey("stream")) out.add(Iface.stream(String.valueOf(m.get("stream")), String.valueOf(m.get("to")), handle));
            else if (m.containsKey("port")) {
                String label = String.valueOf(m.get("on"));
                boolean isNew = !Boolean.FALSE.equals(m.get("new")) && !Boolean.TRUE.equals(m.get("existing"));
                out.add(isNew ? Iface.portNew(String.valueOf(m.get("port")), label, handle) : Iface.portExisting(String.valueOf(m.get("port")), label, handle));
            } else throw new IllegalArgumentException("an interface is {stream: name, to: label} or {port: name, on: label[, existing: true]}");
        }
        return out;
    }

    private int copies(Value v) {
        if (v.isString()) {
            return switch (v.asString()) {
                case "unlimited" -> Kernel.UNLIMITED;
                case "dontcache" -> Kernel.DONTCACHE;
                default -> throw new IllegalArgumentException("copies is a count, 'unlimited' or 'dontcache'");
            };
        }
        return v.asInt();
    }

    private long handle(Value v, int right) {
        Ref r = ref(v, RefKind.INCARNATION);
        if ((r.rights() & right) == 0)
            throw new ReferenceException("this incarnation handle lacks the " + Rights.describe(right) + " right (it has: " + Rights.describe(r.rights()) + ")");
        return ((RefDescriptor) r.target()).gid();
    }

    private long requiredSource(Value v) {
        long s = source(v);
        if (s == 0) throw new IllegalArgumentException("a source is needed: msg.from or a stream handle");
        return s;
    }

    private long source(Value v) {
        if (v == null || v.isNull()) return 0;
        if (v.isString()) {
            String s = v.asString();
            int dot = s.indexOf('.');
            if (dot < 0) throw new IllegalArgumentException("bad source '" + s + "'");
            return io.rdc.runtime.kernel.Ids.make(Integer.parseInt(s.substring(0, dot)), Long.parseLong(s.substring(dot + 1)));
        }
        Ref r = ref(v, RefKind.STREAM_HANDLE);
        return ((RefDescriptor) r.target()).gid();
    }

    private Message reply(Value v) {
        if (v != null && v.isProxyObject() && v.asProxyObject() instanceof JsReply r) return r.message;
        throw new ReferenceException("expected a message received by invoke, or its reply handle");
    }

    private Ref ref(Value v, RefKind... kinds) {
        if (v == null || v.isNull()) throw new ReferenceException("no reference given");
        if (v.isProxyObject() && v.asProxyObject() instanceof JsRef j) return inc.refs.check(j.ref, kinds);
        throw new ReferenceException("expected a reference, got " + v);
    }

    private static byte[] bytes(Value v) {
        if (v == null || v.isNull()) return null;
        return v.asString().getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
