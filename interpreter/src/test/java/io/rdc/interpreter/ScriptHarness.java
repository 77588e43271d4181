package io.rdc.interpreter;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs a script against {@link FakeOperations} and captures what it prints. */
final class ScriptHarness {
    final FakeOperations operations = new FakeOperations();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    final Evaluator evaluator;

    ScriptHarness() {
        this(new Evaluator.Options());
    }

    ScriptHarness(Evaluator.Options options) {
        evaluator = new Evaluator(operations, options.out(new PrintStream(printed, true, StandardCharsets.UTF_8)));
    }

    ScriptHarness run(String source) {
        evaluator.run(source, "t.rdc");
        return this;
    }

    RdcError fail(String source) {
        return assertThrows(RdcError.class, () -> evaluator.run(source, "t.rdc"));
    }

    String output() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    static String output(String source) {
        return new ScriptHarness().run(source).output();
    }

    static RdcError error(String source) {
        return new ScriptHarness().fail(source);
    }
}
