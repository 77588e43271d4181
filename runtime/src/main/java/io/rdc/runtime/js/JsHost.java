package io.rdc.runtime.js;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.Launcher;
import io.rdc.runtime.kernel.ModuleStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;

/**
 * Runs incarnations as GraalJS contexts on one shared engine, each on its own platform thread
 * (handlers one at a time; blocking in invoke/receive parks only that thread). Module
 * sources are cached by content hash, so a context costs about a millisecond.
 *
 * <p>Sandbox: no host access (except reading host buffers, which only the state codec is ever
 * given: {@code StateCodec.HOST_ACCESS}), no I/O, no threads, no native access, no polyglot, no process or
 * environment access. The only way out is {@code ctx}; the only files are rdc's JavaScript library,
 * read-only ({@code import ... from "rdc/peer.js"}, {@link StdlibFileSystem}).
 */
public final class JsHost implements Launcher {
    private static volatile Engine sharedEngine;
    private static final ConcurrentHashMap<String, Source> SOURCES = new ConcurrentHashMap<>();
    private static final IOAccess STDLIB_ONLY = IOAccess.newBuilder().fileSystem(new StdlibFileSystem()).build();
    private static final Source PRELUDE = Source.create("js", resource("prelude.js"));
    private static final Source WARM_SAMPLE = Source.create("js",
            "({n: 1, d: 0.5, s: 'x', a: [1, 'y', {k: true}], m: new Map([[1, 2]]), u: new Uint8Array(256), f: new Float64Array(64), i: new Int32Array(64)})");

    private final Kernel kernel;
    /**
     * Contexts loaded at once in this JVM (half the cores): loading is CPU-heavy, and a burst of
     * creations (a fork bomb) loading on a hundred threads at once left running incarnations seconds
     * without a core. The others wait, blocked, within their creation's timeout, in turn (fair): creations
     * answered before their load (answersBeforeLoad) may queue by thousands, and none should wait out the rest.
     */
    static final java.util.concurrent.Semaphore LOADS = new java.util.concurrent.Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), true);

    public JsHost(Kernel kernel) {
        this.kernel = kernel;
        MemoryGuard.install();
    }

    /** The engine shared by every context in this JVM. */
    public static Engine engine() {
        Engine e = sharedEngine;
        if (e == null) {
            synchronized (JsHost.class) {
                if (sharedEngine == null)
                    sharedEngine = Engine.newBuilder("js")
                            .option("engine.WarnInterpreterOnly", "false")
                            .allowExperimentalOptions(true)
                            .option("engine.WarnVirtualThreadSupport", "false")
                            .build();
                e = sharedEngine;
            }
        }
        return e;
    }

    static Context newContext() {
        return newContext(java.io.OutputStream.nullOutputStream());
    }

    /** A context whose print and console output go to {@code printed} (an incarnation's: {@link PrintedLines}). */
    static Context newContext(java.io.OutputStream printed) {
        return Context.newBuilder("js")
                .out(printed)
                .err(printed)
                .engine(engine())
                .allowHostAccess(io.rdc.runtime.state.StateCodec.HOST_ACCESS)
                .allowHostClassLookup(c -> false)
                .allowIO(STDLIB_ONLY)
                .allowCreateThread(false)
                .allowNativeAccess(false)
                .allowCreateProcess(false)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowEnvironmentAccess(org.graalvm.polyglot.EnvironmentAccess.NONE)
                .option("js.esm-eval-returns-exports", "true")
                .build();
    }

    /**
     * Starts the JavaScript engine and readies this JVM's creation spares, waiting up to {@code timeout}
     * for the first: a node daemon calls this before it says it is ready, so that a fresh pool's first
     * creations find a warm engine (see {@link CreationSpares#warmUp}). Returns whether it was warm in time.
     */
    public static boolean warmUp(java.time.Duration timeout) {
        return CreationSpares.warmUp(timeout.toNanos());
    }

    /** One context made with an incarnation's options, its realm made (one trivial evaluation), closed: the floor of a creation (rdc bench scale). */
    public static void plainContextCycle() {
        try (Context c = newContext()) {
            c.eval("js", "0");
        }
    }

    static Source moduleSource(ModuleStore.Module m) {
        return SOURCES.computeIfAbsent(m.hash(), h -> Source.newBuilder("js", m.code(), m.name().endsWith(".mjs") ? m.name() : m.name() + ".mjs")
                .mimeType("application/javascript+module").buildLiteral());
    }

    private static String resource(String name) {
        try (InputStream in = JsHost.class.getResourceAsStream("/io/rdc/runtime/js/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("missing resource " + name, e);
        }
    }

    /**
     * Whether creations of a module that has loaded here before are answered once placed, before their
     * context is loaded ({@code -Drdc.js.answerBeforeLoad}, default true; false: the creator waits for
     * every load, as before issue 17). Settable so that {@code rdc bench create} measures both in one run.
     */
    public static volatile boolean answerBeforeLoad = !"false".equals(System.getProperty("rdc.js.answerBeforeLoad"));

    /** Hashes of the modules that have loaded (evaluated) without error in this JVM: one entry per module, as {@link #SOURCES}. */
    private static final java.util.Set<String> LOADED = ConcurrentHashMap.newKeySet();

    /** {@code hash}'s module evaluated without error in a context here. */
    static void loaded(String hash) {
        LOADED.add(hash);
    }

    @Override
    public boolean answersBeforeLoad(ModuleStore.Module module) {
        return answerBeforeLoad && LOADED.contains(module.hash());
    }

    @Override
    public void launch(Incarnation inc, List<Iface> ifaces, Runnable ready, Consumer<String> failed) {
        JsIncarnation js = new JsIncarnation(kernel, inc, ifaces);
        Spare sp = inc.moduleHash().isEmpty() ? null : CreationSpares.take();
        if (sp == null) {
            start(inc, js, ready, failed);
            return;
        }
        // On the spare's own thread, where its context was made: only the module is left to evaluate.
        js.preloaded = sp.warm();
        bind(inc, js, sp.thread());
        if (!sp.job().complete(() -> {
            Thread.currentThread().setName("inc-" + inc.name);
            js.run(ready, failed);
        })) { // cannot happen (a spare is taken once); if it did, its context is not this creation's
            js.preloaded = null;
            start(inc, js, ready, failed);
        }
    }

    /** Runs an incarnation's code on a platform thread of its own. */
    private static void start(Incarnation inc, JsIncarnation js, Runnable ready, Consumer<String> failed) {
        Thread t = incarnationThread("inc-" + inc.name, () -> js.run(ready, failed));
        bind(inc, js, t);
        t.start();
    }

    /**
     * A platform thread for incarnation code: the OS shares the cores among them, so code that spins
     * cannot starve the others (on virtual threads it pins a carrier; as many spinners as cores stopped
     * every incarnation in the JVM). Costs a thread per incarnation (docs/containment.md).
     */
    static Thread incarnationThread(String name, Runnable body) {
        return Thread.ofPlatform().daemon(true).name(name).unstarted(body);
    }

    /** {@code t} runs {@code inc}'s code, hosted by {@code js}. */
    private static void bind(Incarnation inc, JsIncarnation js, Thread t) {
        inc.host(js);
        js.thread = t;
        inc.thread(t);
    }

    @Override
    public String replace(Incarnation inc, ModuleStore.Module next) {
        if (!(inc.host() instanceof JsIncarnation js)) return inc.name + " is not running code";
        return js.replaceCode(next);
    }

    @Override
    public void snapshot(Incarnation inc, java.util.function.BiConsumer<byte[], String> done) {
        if (!(inc.host() instanceof JsIncarnation js)) {
            done.accept(null, inc.name + " is not running code");
            return;
        }
        kernel.runOnIncarnation(inc, () -> js.snapshot(done));
    }

    @Override
    public void setInterface(Incarnation inc, String name, io.rdc.runtime.ref.Ref ref) {
        if (!(inc.host() instanceof JsIncarnation js)) throw new io.rdc.runtime.kernel.OperationException(inc.name + " is not running code");
        kernel.runOnIncarnation(inc, () -> js.setInterface(name, ref));
    }

    @Override
    public Captured capture(Incarnation inc, List<io.rdc.runtime.ref.Ref> table) {
        if (!(inc.host() instanceof JsIncarnation js)) throw new io.rdc.runtime.kernel.OperationException(inc.name + " is not running code");
        return js.capture(table);
    }

    /**
     * A context with the prelude and a module loaded ahead of an arrival. The prelude's one host
     * function is a {@link HostCalls} whose target is set when the incarnation takes the context.
     */
    record Warm(Context context, HostCalls calls, Value api, Value exports) {}

    /** The ctx calls' way into Java: delegates to the incarnation that owns the context. */
    static final class HostCalls implements org.graalvm.polyglot.proxy.ProxyExecutable {
        volatile JsIncarnation target;

        HostCalls(JsIncarnation target) {
            this.target = target;
        }

        @Override
        public Object execute(Value... args) {
            return target.execute(args);
        }
    }

    /**
     * Loads the prelude and a module into a new context (an incarnation's first step; done ahead for
     * arrivals). With a null module, only the prelude: {@link #withModule} adds the module later.
     */
    static Warm load(ModuleStore.Module module, JsIncarnation target) {
        HostCalls calls = new HostCalls(target);
        Context c = newContext(new PrintedLines(calls));
        if (target != null) {
            target.context = c; // its module code may spin: the watchdog can interrupt it now
            io.rdc.runtime.kernel.CreateProbe.stamp(io.rdc.runtime.kernel.CreateProbe.CONTEXT_MADE);
        }
        try {
            Value api = c.eval(PRELUDE).execute(calls);
            if (target != null) io.rdc.runtime.kernel.CreateProbe.stamp(io.rdc.runtime.kernel.CreateProbe.PRELUDE_RUN);
            Value exports = module == null ? null : c.eval(moduleSource(module));
            return new Warm(c, calls, api, exports);
        } catch (RuntimeException e) {
            c.close(true);
            throw e;
        }
    }

    /** A prelude-only context (a creation spare's) with {@code module} evaluated in it; the context is closed if that fails. */
    static Warm withModule(Warm prelude, ModuleStore.Module module) {
        try {
            return new Warm(prelude.context(), prelude.calls(), prelude.api(), prelude.context().eval(moduleSource(module)));
        } catch (RuntimeException e) {
            prelude.context().close(true);
            throw e;
        }
    }

    /**
     * A readied context and the thread it was made on, which then waits to run the arrival that takes
     * it: the arrival runs where the context was made and used, which spares it the context's first
     * use on another thread (measured 0.3–1 ms for a first small encode, against 0.1 on the same
     * thread). {@link #retire} ends the thread when no arrival will come.
     */
    record Spare(Warm warm, java.util.concurrent.CompletableFuture<Runnable> job, Thread thread) {
        /** Ends its thread, closing the context there if {@code close}; nothing if an arrival already has it. */
        void retire(boolean close) {
            job.complete(close ? () -> warm.context().close(true) : () -> {});
        }
    }

    private final ConcurrentHashMap<Long, java.util.concurrent.CompletableFuture<Spare>> readied = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong arrivalsOnReadyingThread = new java.util.concurrent.atomic.AtomicLong();

    /** How many arrivals ran on the thread that readied their context (for tests and diagnostics). */
    public long arrivalsOnReadyingThread() {
        return arrivalsOnReadyingThread.get();
    }

    /**
     * One loaded context kept ready per module that has arrived here by migration (a node that
     * received a module once is likely to receive it again), so that an arrival finds its context
     * loaded instead of loading it while the source waits: loading costs 5–15 ms, taking a spare
     * nothing. Taken spares are replaced in the background; at most {@link #MAX_SPARES} modules,
     * the least recently used dropped; closed with the node.
     */
    private final java.util.LinkedHashMap<String, Spare> spares = new java.util.LinkedHashMap<>(16, 0.75f, true);
    static final int MAX_SPARES = 8;
    private boolean closed;

    /** Readies a context for {@code module} on a new thread, which then waits for the arrival it is taken for. */
    private static void makeSpare(ModuleStore.Module module, String threadName, Consumer<Spare> made, Consumer<RuntimeException> failed) {
        makeSpare(() -> ready(module), threadName, made, failed);
    }

    static void makeSpare(java.util.function.Supplier<Warm> loader, String threadName, Consumer<Spare> made, Consumer<RuntimeException> failed) {
        incarnationThread(threadName, () -> {
            Warm w;
            try {
                w = loader.get();
            } catch (RuntimeException e) {
                failed.accept(e);
                return;
            }
            java.util.concurrent.CompletableFuture<Runnable> job = new java.util.concurrent.CompletableFuture<>();
            made.accept(new Spare(w, job, Thread.currentThread()));
            job.join().run();
        }).start();
    }

    @Override
    public void prepareArrival(long transfer, ModuleStore.Module module) {
        java.util.concurrent.CompletableFuture<Spare> f = new java.util.concurrent.CompletableFuture<>();
        readied.put(transfer, f);
        Spare spare;
        synchronized (spares) {
            spare = spares.remove(module.hash());
        }
        if (spare != null) {
            f.complete(spare);
            return;
        }
        // the arrival loads it again if this fails, and reports the error then
        makeSpare(module, "rdc-ready-" + module.name(), f::complete, f::completeExceptionally);
    }

    /** An arrival of {@code module} has finished: a spare for the next one is loaded now, off its path. */
    void replenish(ModuleStore.Module module) {
        synchronized (spares) {
            if (closed || spares.containsKey(module.hash())) return;
        }
        makeSpare(module, "rdc-spare-" + module.name(), sp -> keepSpare(module.hash(), sp), e -> {
            // no spare: the next arrival loads its own
        });
    }

    /** A context with the module loaded and the state codec installed, as an arrival needs it. */
    private static Warm ready(ModuleStore.Module module) {
        Warm w = load(module, null);
        // One small round trip through the codec in this context (installing it), so the arrival's decode (and the
        // encode when it leaves again) do not pay for this context's first use of the codec paths.
        Value sample = w.context().eval(WARM_SAMPLE);
        byte[] b = io.rdc.runtime.state.StateCodec.encode(sample, null);
        io.rdc.runtime.state.StateCodec.decode(b, 0, b.length, w.context(), null);
        return w;
    }

    private void keepSpare(String hash, Spare sp) {
        Spare old, evicted = null;
        synchronized (spares) {
            if (closed) {
                old = sp;
            } else {
                old = spares.put(hash, sp);
                if (spares.size() > MAX_SPARES) {
                    var eldest = spares.entrySet().iterator().next();
                    evicted = eldest.getValue();
                    spares.remove(eldest.getKey());
                }
            }
        }
        if (old != null) old.retire(true);
        if (evicted != null) evicted.retire(true);
    }

    @Override
    public void close() {
        List<Spare> all;
        synchronized (spares) {
            closed = true;
            all = new java.util.ArrayList<>(spares.values());
            spares.clear();
        }
        for (Spare sp : all) sp.retire(true);
        for (Long transfer : List.copyOf(readied.keySet())) discardArrival(transfer);
    }

    @Override
    public void discardArrival(long transfer) {
        java.util.concurrent.CompletableFuture<Spare> f = readied.remove(transfer);
        if (f != null) f.thenAccept(sp -> sp.retire(true));
    }

    /** The context readied for an arrival, if it loaded, for use on another thread; waits for it if it is still loading. */
    Warm takeReadied(long transfer) {
        java.util.concurrent.CompletableFuture<Spare> f = readied.remove(transfer);
        if (f == null) return null;
        try {
            Spare sp = f.join();
            sp.retire(false); // its own thread will not run the arrival
            return sp.warm();
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public void resume(Incarnation inc, Arrival arrival, Runnable ready, Consumer<String> failed) {
        JsIncarnation js = new JsIncarnation(kernel, inc, List.of(), arrival, this);
        java.util.concurrent.CompletableFuture<Spare> f = readied.get(arrival.transfer());
        if (f == null || !readied.remove(arrival.transfer(), f)) {
            start(inc, js, ready, failed); // nothing readied (its code came with the record): it loads its own
            return;
        }
        // Claimed (out of 'readied', nothing else retires it): it runs on the thread that readies the context
        // (see Spare), as soon as that is done if it is still loading; on a new thread if loading failed.
        inc.host(js);
        f.whenComplete((sp, e) -> {
            if (sp == null) {
                start(inc, js, ready, failed);
                return;
            }
            js.preloaded = sp.warm();
            bind(inc, js, sp.thread());
            if (sp.job().complete(() -> {
                Thread.currentThread().setName("inc-" + inc.name);
                js.run(ready, failed);
            })) {
                arrivalsOnReadyingThread.incrementAndGet();
            } else { // cannot happen once claimed; if it did, its context is not this arrival's to use
                js.preloaded = null;
                start(inc, js, ready, failed);
            }
        });
    }

    @Override
    public void kill(Incarnation inc) {
        if (inc.host() instanceof JsIncarnation js) js.kill();
    }
}
