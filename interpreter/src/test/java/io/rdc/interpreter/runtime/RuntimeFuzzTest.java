package io.rdc.interpreter.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.interpreter.Evaluator;
import io.rdc.interpreter.Operations;
import io.rdc.interpreter.RdcError;
import io.rdc.interpreter.ScriptRunner;
import io.rdc.runtime.pool.PoolConfig;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Mutated scripts against a real pool, one session: nothing escapes but the language's own error
 * type, and afterwards every node still creates and runs incarnations. (The parser and evaluator
 * get their 100,000-script fuzz against a fake in FuzzTest; this one is about the live system.)
 */
class RuntimeFuzzTest {
    static final long SEED = Long.getLong("rdc.fuzz.seed", 0x5eedL);
    static final int SCRIPTS = Integer.getInteger("rdc.fuzz.runtime.scripts", 600);

    @Test
    void mutatedScriptsFailCleanlyAndLeaveEveryNodeWorking() throws Exception {
        List<String> corpus = corpus();
        assertTrue(corpus.size() >= 20, "corpus: " + corpus.size());
        Random random = new Random(SEED);
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        int ran = 0, failed = 0;
        long t0 = System.nanoTime();
        try (RuntimeOperations ops = RuntimeOperations.start(PoolConfig.defaults())) {
            ops.timeouts(Duration.ofMillis(100), Duration.ofMillis(500));
            Operations capped = capWaits(ops);
            for (int i = 0; i < SCRIPTS; i++) {
                String src = mutate(corpus.get(random.nextInt(corpus.size())), random);
                try {
                    new ScriptRunner(capped, new Evaluator.Options().out(discard).stepBudget(5_000)
                            .stdlibRoot(Path.of("..", "stdlib"))).run(src, Path.of("..", "test-scripts", "fuzz" + i + ".rdc").toString());
                    ran++;
                } catch (RdcError expected) {
                    failed++;
                    assertTrue(expected.render().contains(":"), expected.render());
                } catch (Throwable t) {
                    fail("script " + i + " (seed " + SEED + ") escaped with " + t + "\n" + src, t);
                }
            }
            // Every node still works: a fresh session creates and invokes on each.
            Operations check = ops;
            check.defineModule("probe", Path.of("..", "test-scripts", "modules", "echo.js").toString());
            for (Object n : check.nodes()) {
                long id = (Long) ((Map<?, ?>) n).get("id");
                assertEquals(true, ((Map<?, ?>) n).get("reachable"), "node " + id + " reachable");
                Object inc = check.create("probe" + id, "probe", List.of(), false, id,
                        List.of(new Operations.InterfaceSpec(Operations.InterfaceSpec.Kind.PORT_ON_NEW_CHANNEL, "in", "probe" + id + ".in", null)));
                Map<?, ?> r = (Map<?, ?>) check.invoke(inc, "in", Map.of("x", 1), null);
                assertEquals(id, ((Map<?, ?>) r.get("head")).get("at"));
            }
        }
        System.out.printf("runtime fuzz: %d scripts (seed %d): %d ran, %d failed cleanly, %.1f s%n",
                SCRIPTS, SEED, ran, failed, (System.nanoTime() - t0) / 1e9);
        assertTrue(ran > 0 && failed > 0, "both outcomes occur: ran " + ran + ", failed " + failed);
    }

    /** Waits and sleeps of mutated scripts are cut to 20 ms, so that no script runs long. */
    private static Operations capWaits(RuntimeOperations ops) {
        return (Operations) Proxy.newProxyInstance(Operations.class.getClassLoader(), new Class<?>[] {Operations.class}, (p, m, a) -> {
            if (m.getName().equals("sleep")) a[0] = Math.min((Long) a[0], 20L);
            if (m.getName().equals("waitUntil")) a[1] = Math.min((Long) a[1], 20L);
            if (m.getName().equals("quiesce")) a[3] = Math.min((Long) a[3], 200L);
            if (m.getName().equals("migrate")) a[2] = Math.min((Long) a[2], 200L);
            try {
                return m.invoke(ops, a);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    private static List<String> corpus() throws Exception {
        List<String> out = new ArrayList<>();
        String doc = Files.readString(Path.of("..", "docs", "language.md"));
        Matcher m = Pattern.compile("```rdc\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        while (m.find()) out.add(m.group(1));
        try (Stream<Path> s = Files.list(Path.of("..", "test-scripts"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".rdc")).sorted().toList()) {
                // test blocks become plain blocks, so that `rdc run` semantics execute them
                for (String block : Files.readString(f).split("\ntest ")) out.add(block.replaceFirst("^\"[^\"]*\" \\{", "if true {"));
            }
        }
        return out;
    }

    private static String mutate(String source, Random random) {
        StringBuilder t = new StringBuilder(source);
        int n = 1 + random.nextInt(4);
        for (int k = 0; k < n && !t.isEmpty(); k++) {
            int at = random.nextInt(t.length());
            switch (random.nextInt(5)) {
                case 0 -> t.deleteCharAt(at);
                case 1 -> t.insert(at, "{}()[]\"=.,;:0189 azx\n".charAt(random.nextInt(21)));
                case 2 -> { // delete a line
                    int s = t.lastIndexOf("\n", at), e = t.indexOf("\n", at);
                    t.delete(Math.max(0, s), e < 0 ? t.length() : e);
                }
                case 3 -> { // duplicate a stretch
                    int end = Math.min(t.length(), at + 1 + random.nextInt(60));
                    t.insert(random.nextInt(t.length()), t.substring(at, end));
                }
                default -> { // swap numbers for others: other nodes, other counts
                    String[] nums = {"0", "1", "201", "204", "205", "999", "-1", "3"};
                    t.insert(at, nums[random.nextInt(nums.length)]);
                }
            }
        }
        return t.toString();
    }
}
