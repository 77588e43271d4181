package io.rdc.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rdc.grammar.RdcLexer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.Vocabulary;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of parse + evaluate: random and mutated scripts must either run or fail with an
 * {@link RdcError} that has a position and renders; no other exception, no hang (step budget), no
 * console noise. Seed and count: -Drdc.fuzz.seed=N -Drdc.fuzz.iterations=N.
 */
class FuzzTest {
    private static final List<String> CORPUS_FILES = List.of(
            "configure.rdc", "language.rdc", "space.rdc", "time.rdc", "tests.rdc", "reserved.rdc", "loops.rdc");
    private static final String NOISE = "abcxyz019 _.,;:=+-*/%<>!&|()[]{}\"'$\\#\n\t@`~?^";

    private final Map<String, String> corpus = loadCorpus();
    private final PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);

    private static Map<String, String> loadCorpus() {
        Map<String, String> files = new LinkedHashMap<>();
        for (String name : CORPUS_FILES) {
            try (InputStream in = FuzzTest.class.getResourceAsStream("/corpus/" + name)) {
                files.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException | NullPointerException e) {
                throw new IllegalStateException("missing corpus file " + name, e);
            }
        }
        return files;
    }

    private Evaluator.Options options() {
        return new Evaluator.Options()
                .out(discard)
                .stepBudget(1_000)
                .stdlibRoot(java.nio.file.Path.of("stdlib-root"))
                .sourceReader(path -> {
                    String name = path.getFileName() == null ? "" : path.getFileName().toString();
                    String source = name.equals("pool.rdc") ? "let poolSize = 4\n" : corpus.get(name);
                    if (source == null) {
                        throw new NoSuchFileException(path.toString());
                    }
                    return source;
                });
    }

    @Test
    void corpusScriptsBehaveAsWritten() {
        Map<String, String> expectedErrors = Map.of(
                "reserved.rdc", "reserved.rdc:3:1: `propagate` is done by incarnations: they pass a port in a message"
                        + " (ctx.send(stream, {ref: port})) or through stream space (put/get); a script moves ports with `attach`",
                "loops.rdc", "loops.rdc:6:23: step budget of 1000 exceeded (a loop or recursion ran too long)");
        for (Map.Entry<String, String> file : corpus.entrySet()) {
            Evaluator evaluator = new Evaluator(new FakeOperations(), options());
            String expected = expectedErrors.get(file.getKey());
            try {
                evaluator.run(file.getValue(), file.getKey());
                assertEquals(null, expected, file.getKey() + " should have failed");
            } catch (RdcError error) {
                assertEquals(expected, error.getMessage(), () -> error.render());
            }
        }
        TestRunner.TestReport report = new TestRunner(FakeOperations::new, options()).run(corpus.get("tests.rdc"), "tests.rdc");
        assertEquals("3 passed, 0 failed", report.summary(), report::render);
    }

    @Test
    void randomAndMutatedScriptsOnlyEverFailWithRdcError() {
        long seed = Long.getLong("rdc.fuzz.seed", 0x5eedL);
        int iterations = Integer.getInteger("rdc.fuzz.iterations", 100_000);
        List<String> sources = new ArrayList<>(corpus.values());
        List<List<String>> tokenized = new ArrayList<>();
        Set<String> vocabulary = new LinkedHashSet<>();
        for (String source : sources) {
            List<String> tokens = tokens(source);
            tokenized.add(tokens);
            vocabulary.addAll(tokens);
        }
        Vocabulary names = RdcLexer.VOCABULARY;
        for (int type = 1; type <= names.getMaxTokenType(); type++) {
            String literal = names.getLiteralName(type);
            if (literal != null) {
                vocabulary.add(literal.substring(1, literal.length() - 1));
            }
        }
        vocabulary.addAll(List.of("1..1e12", "\"${", "}\"", "99999999999999999999", "1e400", "-", "\n", "(", "[", "{"));
        List<String> words = new ArrayList<>(vocabulary);

        AtomicInteger ran = new AtomicInteger();
        AtomicInteger rdcErrors = new AtomicInteger();
        List<String> escapes = Collections.synchronizedList(new ArrayList<>());
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long startCpu = os.getProcessCpuTime();
        long start = System.nanoTime();
        // Each script derives from (seed, index) alone, so runs are reproducible however the
        // iterations are spread over the cores.
        IntStream indices = IntStream.range(0, iterations);
        if (Boolean.parseBoolean(System.getProperty("rdc.fuzz.parallel", "true"))) {
            indices = indices.parallel();
        }
        indices.forEach(i -> {
            Random random = new Random(seed * 1_000_003L + i);
            int which = random.nextInt(sources.size());
            String script = switch (random.nextInt(10)) {
                case 0, 1, 2 -> mutateCharacters(sources.get(which), random);
                case 3, 4, 5, 6 -> mutateTokens(tokenized.get(which), words, random);
                case 7 -> splice(sources.get(which), sources.get(random.nextInt(sources.size())), random);
                case 8 -> randomTokens(words, random);
                default -> mutateTokens(tokens(mutateCharacters(sources.get(which), random)), words, random);
            };
            try {
                if (i % 16 == 0) {
                    // the test runner path too: setup per test, fresh operations, reports
                    TestRunner.TestReport report = new TestRunner(FakeOperations::new, options()).run(script, "fuzz.rdc");
                    report.render();
                    for (TestRunner.TestResult result : report.results()) {
                        if (!result.passed()) {
                            checkError(result.failure());
                        }
                    }
                } else {
                    new Evaluator(new FakeOperations(), options()).run(script, "fuzz.rdc");
                }
                ran.incrementAndGet();
            } catch (RdcError error) {
                checkError(error);
                rdcErrors.incrementAndGet();
            } catch (Throwable escaped) {
                StringWriter trace = new StringWriter();
                escaped.printStackTrace(new PrintWriter(trace));
                escapes.add("--- script #" + i + ":\n" + script + "\n--- escaped: " + trace);
            }
        });
        long millis = (System.nanoTime() - start) / 1_000_000;
        long cpuMillis = (os.getProcessCpuTime() - startCpu) / 1_000_000;
        // wall time depends on what else the machine runs; CPU time (all threads, JIT and GC included) is the test's own cost
        System.out.printf("fuzz: %d scripts (seed %#x) in %d ms wall, %d ms CPU on %d cores: %d ran, %d RdcErrors, %d escaped%n",
                iterations, seed, millis, cpuMillis, Runtime.getRuntime().availableProcessors(), ran.get(), rdcErrors.get(),
                escapes.size());
        if (!escapes.isEmpty()) {
            fail(escapes.size() + " scripts escaped with something other than RdcError:\n"
                    + String.join("\n", escapes.subList(0, Math.min(3, escapes.size()))));
        }
        assertTrue(rdcErrors.get() > iterations / 10, "mutations should mostly break scripts; got " + rdcErrors + " errors");
        assertTrue(ran.get() > iterations / 100, "some mutated scripts should still run; got " + ran);
    }

    private static void checkError(RdcError error) {
        assertTrue(error.position() != null && error.position().line() >= 1 && error.position().column() >= 1,
                () -> "bad position in " + error.getMessage());
        assertTrue(error.render().startsWith(error.position().file() + ":"), error::render);
    }

    private static List<String> tokens(String source) {
        RdcLexer lexer = new RdcLexer(CharStreams.fromString(source));
        lexer.removeErrorListeners();
        List<String> texts = new ArrayList<>();
        for (Token token = lexer.nextToken(); token.getType() != Token.EOF; token = lexer.nextToken()) {
            texts.add(token.getText());
        }
        return texts;
    }

    private static String mutateCharacters(String source, Random random) {
        StringBuilder text = new StringBuilder(source);
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations && !text.isEmpty(); m++) {
            int at = random.nextInt(text.length());
            switch (random.nextInt(4)) {
                case 0 -> text.deleteCharAt(at);
                case 1 -> text.insert(at, NOISE.charAt(random.nextInt(NOISE.length())));
                case 2 -> {
                    if (at + 1 < text.length()) {
                        char c = text.charAt(at);
                        text.setCharAt(at, text.charAt(at + 1));
                        text.setCharAt(at + 1, c);
                    }
                }
                default -> {
                    int end = Math.min(text.length(), at + 1 + random.nextInt(20));
                    text.insert(random.nextInt(text.length()), text.substring(at, end));
                }
            }
        }
        return text.toString();
    }

    private static String mutateTokens(List<String> original, List<String> words, Random random) {
        List<String> tokens = new ArrayList<>(original);
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations && !tokens.isEmpty(); m++) {
            int at = random.nextInt(tokens.size());
            switch (random.nextInt(5)) {
                case 0 -> tokens.remove(at);
                case 1 -> tokens.add(at, words.get(random.nextInt(words.size())));
                case 2 -> {
                    int other = random.nextInt(tokens.size());
                    String swapped = tokens.get(at);
                    tokens.set(at, tokens.get(other));
                    tokens.set(other, swapped);
                }
                case 3 -> tokens.set(at, words.get(random.nextInt(words.size())));
                default -> tokens.add(at, tokens.get(random.nextInt(tokens.size())));
            }
        }
        return String.join(" ", tokens);
    }

    private static String splice(String first, String second, Random random) {
        return first.substring(0, random.nextInt(first.length() + 1)) + second.substring(random.nextInt(second.length() + 1));
    }

    private static String randomTokens(List<String> words, Random random) {
        StringBuilder text = new StringBuilder();
        int count = 1 + random.nextInt(40);
        for (int i = 0; i < count; i++) {
            text.append(words.get(random.nextInt(words.size()))).append(' ');
        }
        return text.toString();
    }
}
