package io.rdc.runtime.containment;

import io.rdc.runtime.kernel.Event;
import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One attack on an embedded pool, run in a JVM of its own by {@link ContainmentTest} (an attack that
 * gets through may take the JVM down). An echo incarnation on the attacked node is invoked every
 * 50 ms throughout; the output says how slow its slowest answer was, and how each culprit ended.
 * Lines: {@code culprit <name> <EVENT> <detail>}, {@code echo max_ms=.. answers=.. failures=..}, {@code done}.
 */
public final class AttackMain {
    static final int NODE = 202;
    static final Duration T = Duration.ofSeconds(10);

    public static void main(String[] args) {
        try {
            attack(args[0]);
        } catch (Throwable e) {
            try {
                e.printStackTrace(System.out);
                System.out.flush();
            } finally {
                Runtime.getRuntime().halt(1); // even if printing runs out of heap: the test must not wait 3 minutes for a dead main
            }
        }
    }

    private static void attack(String attack) throws Exception {
        EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults());
        Operator op = pool.newOperator();
        Operator watcher = pool.newOperator();
        watcher.create(watcher.module("echo", "export function onMessage(ctx, port, m) { return { head: m.head }; }"), NODE, null,
                List.of(Iface.portNew("in", "echo", null)));
        Ref echo = watcher.spaceGet("echo", T);
        watcher.invoke(echo, Map.of("warm", 1), null, T);
        AtomicLong maxNs = new AtomicLong(), answers = new AtomicLong(), failures = new AtomicLong();
        StringBuilder firstFailure = new StringBuilder();
        // When the slow answers came (ms since the attack began): tells a stall at the interrupt from one at the start.
        java.util.List<String> slow = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        long attackStart = System.nanoTime();
                Thread monitor = Thread.ofPlatform().name("echo-monitor").start(() -> {
            while (!stop) {
                long t0 = System.nanoTime();
                AtomicLong since = echoStart;
                if (since != null) since.set(t0);
                try {
                    watcher.invoke(echo, Map.of("i", answers.get()), null, Duration.ofSeconds(5));
                    answers.incrementAndGet();
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                    synchronized (firstFailure) {
                        if (firstFailure.isEmpty()) firstFailure.append(e.getMessage());
                    }
                }
                if (since != null) since.set(0);
                long took = System.nanoTime() - t0;
                maxNs.accumulateAndGet(took, Math::max);
                if (took > 200_000_000L) slow.add(took / 1_000_000 + "ms@" + (t0 - attackStart) / 1_000_000);
                sleep(50);
            }
        });
        long dumpAfterMs = Long.getLong("attack.dumpStallMs", 0); // diagnosis: every thread's stack once, when an echo waits this long
        AtomicLong echoSince = new AtomicLong();
        if (dumpAfterMs > 0) Thread.ofPlatform().daemon(true).name("stall-dump").start(() -> {
            while (!stop) {
                sleep(100);
                long since = echoSince.get();
                if (since != 0 && System.nanoTime() - since > dumpAfterMs * 1_000_000) {
                    StringBuilder d = new StringBuilder("stall: an echo has waited " + dumpAfterMs + " ms; threads:\n");
                    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
                        d.append('"').append(e.getKey().getName()).append("\" ").append(e.getKey().getState()).append('\n');
                        for (StackTraceElement f : e.getValue()) d.append("    at ").append(f).append('\n');
                    }
                    System.out.println(d);
                    return;
                }
            }
        });
        echoStart = echoSince;
        List<Ref> culprits = run(attack, op, pool);
        Map<String, String> ends = awaitEnds(op, culprits, Long.getLong("attack.waitMs", 80_000));
        sleep(1000); // and the echo still answers after
        try {
            if (bystanders != null) bystanders.run();
        } catch (RuntimeException e) {
            System.out.println("bystander failed: " + e.getMessage());
        }
        stop = true;
        monitor.join(10_000);
        for (Map.Entry<String, String> e : ends.entrySet()) System.out.println("culprit " + e.getKey() + " " + e.getValue());
        System.out.println("echo max_ms=" + maxNs.get() / 1_000_000 + " answers=" + answers.get() + " failures=" + failures.get()
                + (firstFailure.isEmpty() ? "" : " first=" + firstFailure) + (slow.isEmpty() ? "" : " slow=" + slow));
        System.out.println("done");
        System.out.flush();
        Runtime.getRuntime().halt(0); // a wedged pool must not keep this JVM
    }

    private static volatile boolean stop;
    /** When the echo's pending invoke began (0: none pending), for the stall dump. */
    private static volatile AtomicLong echoStart;
    /** Prints how the incarnations that must survive the attack are ({@code bystander NAME STATE answer}), if the attack has any. */
    private static volatile Runnable bystanders;

    /** Starts the attack; returns the incarnations expected to end FAULTING or DEAD. */
    private static List<Ref> run(String attack, Operator op, EmbeddedPool pool) {
        List<Ref> culprits = new ArrayList<>();
        switch (attack) {
            case "spin2", "spin4" -> {
                int n = attack.equals("spin2") ? 2 : 4;
                var m = op.module("spin", "export function init(ctx) { while (true) {} }");
                for (int i = 0; i < n; i++) culprits.add(watched(op, op.create(m, NODE, null, List.of(), false, "spinner" + i)));
            }
            case "forkbomb" -> {
                // Each bomb creates two more of itself; the first to be refused reports why and faults.
                Ref[] report = op.channel("bomb.report", false);
                op.module("bomb", """
                        export function init(ctx) {
                          const spec = { interfaces: [{ stream: 'report', to: 'bomb.report' }] };
                          try { ctx.create('bomb', spec); ctx.create('bomb', spec); }
                          catch (e) { ctx.send(ctx.ifaces.report, { head: { error: String(e.message ?? e) } }); throw e; }
                        }""");
                op.create(op.module("bomb"), NODE, null, List.of(Iface.stream("report", "bomb.report", null)), false, "bomb");
                Operator.Received r = op.receive(report[1], Duration.ofSeconds(90));
                System.out.println("culprit bomb FAULTING " + (r == null ? "no report within 90 s" : ((Map<?, ?>) r.head()).get("error")));
                sleep(2000); // the node carries on with the bombs that made it
                System.out.println("incarnations at node " + NODE + ": " + pool.kernel(NODE).incarnationCount());
            }
            case "flood" -> {
                // Four senders, 250,000 sends of 1 KB each, at an incarnation that is frozen.
                Ref sink = op.create(op.module("sink", "export function onMessage(ctx, port, m) {}"), NODE, null,
                        List.of(Iface.portNew("in", "flood", null)));
                op.freeze(sink);
                var m = op.module("flooder", """
                        export function init(ctx) {
                          const body = 'x'.repeat(1000);
                          for (let i = 0; i < 250000; i++) ctx.send(ctx.ifaces.out, { head: { i }, body });
                        }""");
                for (int i = 0; i < 4; i++)
                    culprits.add(watched(op, op.create(m, 201 + i, null, List.of(Iface.stream("out", "flood", null)), false, "flooder" + i)));
            }
            case "buffer" -> culprits.add(watched(op, op.create(op.module("hoarder", """
                    export function init(ctx) {
                      const held = [];
                      for (let i = 0; i < 10; i++) held.push(ctx.buffer(100 * 1024 * 1024));
                    }"""), NODE, null, List.of(), false, "hoarder")));
            case "timers" -> culprits.add(watched(op, op.create(op.module("timers", """
                    export function init(ctx) {
                      for (let i = 0; i < 1000000; i++) ctx.after(3600000, 't' + i);
                    }"""), NODE, null, List.of(), false, "timers")));
            case "memory" -> culprits.add(watched(op, op.create(op.module("hog", """
                    export function init(ctx) {
                      globalThis.held = [];
                      for (let i = 0; ; i++) globalThis.held.push(new Array(65536).fill(i + 0.5));
                    }"""), NODE, null, List.of(), false, "hog")));
            case "memory-invokes" -> {
                // Not a loop: each invocation's handler keeps 10 MB more and returns.
                Ref hog = watched(op, op.create(op.module("hog", """
                        const held = [];
                        export function onMessage(ctx, port, m) { held.push(new Array(1310720).fill(held.length + 0.5)); return { head: held.length }; }"""),
                        NODE, null, List.of(Iface.portNew("in", "hog", null)), false, "hog"));
                culprits.add(hog);
                Ref in = op.spaceGet("hog", T);
                Thread.ofPlatform().daemon(true).name("hog-invoker").start(() -> {
                    try {
                        for (int i = 0; !stop; i++) op.invoke(in, Map.of("i", i), null, T);
                    } catch (RuntimeException e) {
                        System.out.println("hog invoker stopped: " + e.getMessage());
                    }
                });
            }
            case "rdc-memory" -> {
                // RDC A states a 64 MB memory bound; its hog keeps 1 MB more every 10 ms (arrays of 256 KB: G1 would give a humongous one of
                // half a region or more a region of its own, so the heap would grow twice as fast as the hog allocates). A's quiet peer, and RDC B's holder of
                // 100 MB (more than A's bound, within the node's), must carry on: only A's largest allocator goes.
                Operator b = pool.newOperator("rdc-b");
                Ref holder = b.create(b.module("holder", """
                        const held = [];
                        export function init(ctx) { for (let i = 0; i < 400; i++) held.push(new Array(32768).fill(i + 0.5)); }
                        export function onMessage(ctx, port, m) { return { head: held.length / 4 }; }"""),
                        NODE, null, List.of(Iface.portNew("in", "holder", null)), false, "holder");
                System.out.println("holder keeps " + b.invoke(b.spaceGet("holder", T), Map.of(), null, T).head() + " MB");
                op.limits(new io.rdc.runtime.kernel.RdcLimits(0, 64L << 20));
                Ref peer = op.create(op.module("peer", "export function onMessage(ctx, port, m) { return { head: 'peer' }; }"), NODE, null,
                        List.of(Iface.portNew("in", "peer", null)), false, "peer");
                culprits.add(watched(op, op.create(op.module("hog", """
                        export function init(ctx) {
                          globalThis.held = [];
                          for (let i = 0; ; i++) { globalThis.held.push(new Array(32768).fill(i + 0.5)); if (i % 4 == 3) ctx.receive(null, { timeout: 10 }); }
                        }"""), NODE, null, List.of(), false, "hog")));
                bystanders = () -> {
                    System.out.println("bystander peer " + op.status(peer).state() + " " + op.invoke(op.spaceGet("peer", T), Map.of(), null, T).head());
                    System.out.println("bystander holder " + b.status(holder).state() + " " + b.invoke(b.spaceGet("holder", T), Map.of(), null, T).head());
                };
            }
            case "rdc-churn" -> {
                // RDC A states a 64 MB memory bound; its churner allocates ten times that in garbage, keeping nothing: not a culprit.
                op.limits(new io.rdc.runtime.kernel.RdcLimits(0, 64L << 20));
                Ref churner = op.create(op.module("churner", """
                        let kept = 0;
                        export function init(ctx) {
                          for (let i = 0; i < 2560; i++) kept = new Array(32768).fill(i + 0.5).length;
                        }
                        export function onMessage(ctx, port, m) { return { head: 'churned ' + kept }; }"""),
                        NODE, null, List.of(Iface.portNew("in", "churner", null)), false, "churner");
                watched(op, churner);
                bystanders = () -> System.out.println("bystander churner " + op.status(churner).state() + " "
                        + op.invoke(op.spaceGet("churner", T), Map.of(), null, Duration.ofSeconds(90)).head());
            }
            case "measure" -> {
                // Not an attack: what an idle incarnation costs (heap after a full GC), for docs/containment.md.
                var m = op.module("idle", "export function onMessage(ctx, port, m) { return { head: m.head }; }");
                Runtime rt = Runtime.getRuntime();
                for (int n = 0; n <= 400; n += 100) {
                    System.gc();
                    System.out.println("measure incarnations=" + n + " heap_mb=" + (rt.totalMemory() - rt.freeMemory()) / (1 << 20)
                            + " threads=" + Thread.activeCount());
                    for (int i = 0; i < 100 && n < 400; i++) op.create(m, NODE, null, List.of());
                }
            }
            default -> throw new IllegalArgumentException("unknown attack " + attack);
        }
        return culprits;
    }

    private static Ref watched(Operator op, Ref inc) {
        op.setInterest(inc, "FAULTING", "DEAD");
        return inc;
    }

    /** Waits for a FAULTING or DEAD event of each culprit (the first one each); destroys the faulted ones. */
    private static Map<String, String> awaitEnds(Operator op, List<Ref> culprits, long waitMs) {
        Map<Long, Ref> byId = new HashMap<>();
        for (Ref r : culprits) byId.put(op.incarnationId(r), r);
        Map<String, String> ends = new java.util.TreeMap<>();
        long end = System.currentTimeMillis() + waitMs;
        while (ends.size() < culprits.size() && System.currentTimeMillis() < end) {
            Event ev = op.nextEvent(Duration.ofMillis(500));
            if (ev == null || !byId.containsKey(ev.subject())) continue;
            if (ends.putIfAbsent(ev.subjectName(), ev.type() + " " + ev.detail()) == null && ev.type() == Event.Type.FAULTING) {
                try {
                    op.destroy(byId.get(ev.subject()));
                } catch (RuntimeException ignored) {
                    // gone meanwhile
                }
            }
        }
        for (Ref r : culprits) {
            String name;
            try {
                name = op.status(r).name();
            } catch (RuntimeException e) {
                continue;
            }
            ends.putIfAbsent(name, "NONE still running");
        }
        return ends;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
