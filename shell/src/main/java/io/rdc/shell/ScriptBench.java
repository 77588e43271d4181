package io.rdc.shell;

import io.rdc.interpreter.Evaluator;
import io.rdc.interpreter.ScriptRunner;
import io.rdc.interpreter.ast.Script;
import io.rdc.interpreter.ast.ScriptParser;
import io.rdc.interpreter.runtime.RuntimeOperations;
import io.rdc.runtime.pool.PoolConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code rdc bench script}: parse and evaluate a generated script of N statements on the embedded
 * pool — creates, links and destroys in equal parts, unrolled (no loops), so that both the parser
 * and every operation are exercised N times.
 */
final class ScriptBench {
    private ScriptBench() {}

    static String run(int statements) throws Exception {
        return run(statements, "backoff");
    }

    /**
     * {@code rdc bench create}'s script figure: a generated script of {@code creates} creates (a port on a
     * new channel each, over the pool's 4 nodes) on a fresh embedded pool. Returns the seconds until the
     * script was evaluated and until every incarnation had run its preamble and init.
     */
    static double[] creates(int creates) throws Exception {
        Path dir = Files.createTempDirectory("rdc-create-bench");
        try {
            Files.writeString(dir.resolve("child.js"), "export function onMessage(ctx, p, m) { return { head: { ok: true } }; }");
            StringBuilder sb = new StringBuilder("module child = \"child.js\"\n");
            for (int i = 0; i < creates; i++)
                sb.append("create c").append(i).append(" : child at node ").append(201 + i % 4).append(" { port in on new \"c").append(i).append(".in\" }\n");
            Path file = dir.resolve("creates.rdc");
            Files.writeString(file, sb);
            Evaluator.Options options = new Evaluator.Options().out(new PrintStream(new ByteArrayOutputStream()));
            try (RuntimeOperations ops = RuntimeOperations.start(PoolConfig.defaults())) {
                long t0 = System.nanoTime();
                new ScriptRunner(ops, options).run(file);
                double evaluated = (System.nanoTime() - t0) / 1e9;
                io.rdc.bench.CreationBench.awaitStarted(ops.pool(), creates, java.time.Duration.ofMinutes(10));
                return new double[] {evaluated, (System.nanoTime() - t0) / 1e9};
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        }
    }

    static String run(int statements, String idle) throws Exception {
        Path dir = Files.createTempDirectory("rdc-script-bench");
        Files.writeString(dir.resolve("echo.js"), "export function onMessage(ctx, p, m) { return { head: { ok: true } }; }");
        Files.writeString(dir.resolve("relay.js"), "export function onMessage(ctx, p, m) { ctx.send(ctx.ifaces.out, { head: m.head }); }");
        StringBuilder sb = new StringBuilder();
        sb.append("module echo = \"echo.js\"\nmodule relay = \"relay.js\"\n");
        sb.append("create sink : echo at node 201 { port in on new \"sink\" }\n");
        int triples = Math.max(1, (statements - 3) / 3);
        for (int i = 0; i < triples; i++) {
            int node = 201 + i % 4;
            sb.append("create r").append(i).append(" : relay at node ").append(node).append(" { port in on new \"r").append(i).append(".in\" }\n");
            sb.append("link r").append(i).append(".out to sink.in\n");
            sb.append("destroy r").append(i).append('\n');
        }
        int total = 3 + triples * 3;
        Path file = dir.resolve("generated.rdc");
        Files.writeString(file, sb);

        long p0 = System.nanoTime();
        Script parsed = ScriptParser.parseScript(sb.toString(), file.toString());
        long parseNs = System.nanoTime() - p0;

        Evaluator.Options options = new Evaluator.Options().out(new PrintStream(new ByteArrayOutputStream()));
        long e0, evalNs;
        try (RuntimeOperations ops = RuntimeOperations.start(PoolConfig.defaults().withIdle(idle))) {
            e0 = System.nanoTime();
            new ScriptRunner(ops, options).run(file);
            evalNs = System.nanoTime() - e0;
        }
        return String.format(Locale.ROOT,
                "{\"bench\":\"script\",\"idle\":\"" + idle + "\",\"statements\":%d,\"creates\":%d,\"links\":%d,\"destroys\":%d,\"bytes\":%d,"
                        + "\"parse_ms\":%.1f,\"parse_and_evaluate_ms\":%.1f,\"statements_per_s\":%.0f,\"top_level_statements\":%d}",
                total, triples + 1, triples, triples, sb.length(), parseNs / 1e6, evalNs / 1e6, total / (evalNs / 1e9),
                parsed.statements().size());
    }
}
