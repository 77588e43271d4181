package io.rdc.shell;

import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.pool.PoolConfig;
import java.io.IOException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Chooses the embedded pool a command runs on: the global --nodes / --descriptor, and --idle. */
final class PoolOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--idle", defaultValue = "backoff", description = "kernel idle strategy: backoff (default), yielding, busyspin")
    String idle;

    PoolConfig config() throws IOException {
        Main main = Main.of(mixee);
        if (main.verbose) System.setProperty("rdc.verbose", "true");
        PoolConfig c = PoolConfig.defaults().withIdle(idle);
        if (main.descriptor != null) return c.withDescriptor(NodeDescriptor.read(main.descriptor));
        if (main.nodes != null) {
            if (main.nodes < 1 || main.nodes > 64) throw new IllegalArgumentException("--nodes must be between 1 and 64");
            return c.withDescriptor(main.nodes == 4 ? NodeDescriptor.defaultPool() : NodeDescriptor.ofSize(main.nodes));
        }
        return c;
    }
}
