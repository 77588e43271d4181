package io.rdc.interpreter;

import io.rdc.interpreter.ast.Position;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs configuration scripts ({@code rdc run file.rdc}). Scripts run one after another in the same
 * session: variables, procedures and modules from an earlier run stay visible to later ones.
 * Test blocks are skipped; {@link TestRunner} runs those.
 */
public final class ScriptRunner {
    private final Evaluator evaluator;

    public ScriptRunner(Operations operations, Evaluator.Options options) {
        this.evaluator = new Evaluator(operations, options);
    }

    public ScriptRunner(Operations operations) {
        this(operations, new Evaluator.Options());
    }

    /** Returns normally, or throws {@link RdcError} (call {@link RdcError#render()} for the user). */
    public void run(Path file) {
        run(read(file), file.toString());
    }

    public void run(String source, String fileName) {
        evaluator.run(source, fileName);
    }

    public Evaluator evaluator() {
        return evaluator;
    }

    static String read(Path file) {
        try {
            return io.rdc.runtime.util.BoundedFiles.readSource(file);
        } catch (IOException | RuntimeException unreadable) {
            String reason = unreadable instanceof java.nio.file.NoSuchFileException ? "no such file" : unreadable.getMessage();
            throw new RdcError(new Position(file.toString(), 1, 1), "cannot read " + file + ": " + reason);
        }
    }
}
