package io.rdc.shell;

import io.rdc.bench.Idle;
import io.rdc.bench.RdcBench;
import io.rdc.bench.Transport;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure rdc against raw Aeron on the same channel type and idle strategy, in one run.",
                "Prints one JSON object per line; ratio = rdc / Aeron (latency: >1 is slower; throughput: <1 is fewer messages)."},
        footer = {"", "Examples:", "  rdc bench all --json                 (every benchmark once: migrate quick, control 3,000 samples, scale 1,000; some minutes)",
                "  rdc bench invoke --json", "  rdc bench send --transport ipc --messages 2000000 --json",
                "  rdc bench script --messages 10000    (statements of a generated script: creates, links, destroys)",
                "  rdc bench control --json             (the control plane: get, lookup and create through 1 and 3 members, beside raw Aeron Cluster's echo)",
                "  rdc bench control --idle backoff,yielding --messages 5000 --json   (also 1 member with agents that never park)",
                "  rdc bench control --idle yielding --threads dedicated,shared-ipc --json   (the 1-member plane with fewer threads, IPC to a client beside it)",
                "  rdc bench create --json              (creations/s from a script and from ctx.create in a loop, time to 10,000 live, heap per idle incarnation; --incarnations N)",
                "  rdc bench scale --json               (1,000 then 10,000 incarnations: creations/s, memory each, one invoke each; --messages N for one size)",
                "  rdc bench migrate --json             (table A.4: migration time vs state size and ports; --quick for a short run)",
                "  rdc bench lifecycle --json           (nodes' lives: node_start, failure_detection after kill -9, evacuation of 100 incarnations; --messages N samples, default 3)",
                "  rdc bench balance --json             (40 busy workers on one node: throughput before and after stdlib/balancer.js spreads them, beside an even spread; --messages N workers; --transport ipc: nodes in one JVM, udp: node processes pinned to processors)",
                "  rdc bench replace --json             (hot code replacement against migration of the same state; --messages N repetitions, default 10)"})
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "what to measure: invoke, send, reconfig (table A.5), migrate (table A.4), script (parse + evaluate a generated script), control (the control plane), scale (many incarnations), create (creation at scale), lifecycle (node start on demand, failure detection, evacuation), balance (throughput before and after load balancing, beside an even spread), replace (hot code replacement against migration), or all (each of them once, in that order)")
    String what;

    @Option(names = "--transport", split = ",", defaultValue = "ipc,udp", description = "ipc, udp (two JVMs), udp_same_jvm; default: ${DEFAULT-VALUE}")
    List<String> transports;

    @Option(names = "--idle", description = {"idle strategy on both sides: backoff, yielding, busyspin (busyspin starves the driver on 2 cores); default: yielding",
            "control: the members' and the client's, a comma-separated list measured one after the other; default: backoff (what a pool runs with)"})
    String idle;

    @Option(names = "--threads", description = {"control: the 1-member plane's threads, a comma-separated list measured one after the other:",
            "dedicated (what a pool runs with), dedicated-ipc, shared, shared-ipc (docs/control-plane.md, Fewer threads); default: dedicated"})
    String threads;

    @Option(names = "--messages", description = "invocations (default 20000) or messages sent (default 1000000)")
    Integer messages;

    @Option(names = "--warmup", defaultValue = "5000", description = "invocations before measuring")
    int warmup;

    @Option(names = "--incarnations", description = "create: how many live incarnations to reach (default 10000); --messages: creates per script and per ctx.create loop (default 1000)")
    Integer incarnations;

    @Option(names = "--quick", description = "migrate: fewer sizes and repetitions (a smoke run of a few seconds)")
    boolean quick;

    @Option(names = "--breakdown", description = "migrate: also time its parts (encode, new context + module, decode, copies) per kind at 1 MB and the largest size")
    boolean breakdown;


    /** What {@code bench all} runs, in order: the cheap and decisive figures first. */
    static final List<String> ALL = List.of("invoke", "send", "reconfig", "migrate", "control", "scale", "create", "script", "lifecycle", "balance", "replace");

    @Override
    public Integer call() throws Exception {
        if (!what.equals("all")) return run(what);
        // One run of every benchmark; one that fails prints an error line and the others still run.
        int worst = 0;
        for (String each : ALL) {
            try {
                worst = Math.max(worst, run(each));
            } catch (Exception | Error e) {
                System.out.println("{\"bench\":\"" + each + "\",\"error\":\"" + String.valueOf(e.getMessage()).replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
                worst = 1;
            }
            System.out.flush();
        }
        return worst;
    }

    private Integer run(String what) throws Exception {
        String idle = this.idle;
        if (idle == null && !what.equals("control")) idle = "yielding";
        boolean all = this.what.equals("all");
        if (what.equals("reconfig")) {
            for (String m : java.util.List.of("propagation", "attachment", "rebinding"))
                System.out.println(io.rdc.bench.ReconfigBench.run(m, messages == null ? 10_000 : messages, 100));
            return 0;
        }
        if (what.equals("migrate")) {
            io.rdc.bench.MigrateBench.run(quick || all, breakdown, idle, l -> {
                System.out.println(l);
                System.out.flush();
            });
            return 0;
        }
        if (what.equals("control")) {
            for (String i : (idle == null ? "backoff" : idle).split(","))
                io.rdc.bench.ControlBench.run(System.out, messages == null ? (all ? 3_000 : 20_000) : messages, all ? 1_000 : warmup,
                        io.rdc.runtime.control.ControlIdle.parse(i), io.rdc.bench.ControlBench.parseThreads(threads != null ? threads
                                : System.getProperty(io.rdc.bench.ControlBench.THREADS_PROPERTY, "dedicated")));
            io.rdc.bench.CreateBench.run(System.out, messages == null ? 2_000 : Math.min(messages, 20_000), 200);
            return 0;
        }
        if (what.equals("scale")) {
            io.rdc.bench.ScaleBench.run(System.out, messages == null ? (all ? List.of(1_000) : List.of(1_000, 10_000)) : List.of(messages));
            return 0;
        }
        if (what.equals("create")) {
            int n = messages == null ? (all ? 300 : 1_000) : messages;
            int live = incarnations == null ? (all ? 1_000 : 10_000) : incarnations;
            io.rdc.bench.CreationBench.run(System.out, new io.rdc.bench.CreationBench.Sizes(n, n, live), ScriptBench::creates);
            return 0;
        }
        if (what.equals("replace")) {
            io.rdc.bench.ReplaceBench.run(System.out, messages == null ? 10 : messages);
            return 0;
        }
        if (what.equals("lifecycle")) {
            io.rdc.bench.LifecycleBench.run(System.out, messages == null ? 3 : messages);
            return 0;
        }
        if (what.equals("balance")) {
            // ipc: the four nodes in this JVM; udp: node processes, one processor each where there are several
            for (String t : transports)
                io.rdc.bench.BalanceBench.run(System.out, messages == null ? 40 : messages, java.time.Duration.ofSeconds(3), !t.equals("ipc"));
            return 0;
        }
        if (what.equals("script")) {
            System.out.println(ScriptBench.run(messages == null ? 10_000 : messages, idle));
            return 0;
        }
        Idle i = Idle.parse(idle);
        for (String t : transports) {
            Transport tr = Transport.parse(t);
            String line = switch (what) {
                case "invoke" -> RdcBench.invoke(tr, i, messages == null ? 20_000 : messages, warmup);
                case "send" -> RdcBench.send(tr, i, messages == null ? 1_000_000 : messages);
                default -> null;
            };
            if (line == null) {
                System.err.println("rdc bench: unknown benchmark '" + what + "' (known: all, " + String.join(", ", ALL) + ")");
                return 2;
            }
            System.out.println(line);
            System.out.flush();
        }
        return 0;
    }
}
