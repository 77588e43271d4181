package io.rdc.shell;

import io.rdc.interpreter.Evaluator;
import io.rdc.interpreter.RdcError;
import io.rdc.interpreter.ScriptRunner;
import io.rdc.interpreter.runtime.RuntimeOperations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a batch configuration script on an embedded pool; exits 0 when it completes, 1 on an error.",
        footer = {"", "Examples:", "  rdc run scripts/textproc/textproc.rdc", "  rdc run setup.rdc --nodes 8"})
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the script (.rdc)")
    Path file;

    @Mixin
    PoolOptions pool;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            System.err.println("rdc run: no such script: " + file);
            return 2;
        }
        try (RuntimeOperations ops = pool.operations()) {
            new ScriptRunner(ops, Main.evaluatorOptions()).run(file);
            return 0;
        } catch (RdcError e) {
            System.err.println(e.render());
            return 1;
        }
    }
}
