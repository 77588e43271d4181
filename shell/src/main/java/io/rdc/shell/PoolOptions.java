package io.rdc.shell;

import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.pool.PoolConfig;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options that choose the embedded pool a command runs on. */
final class PoolOptions {
    @Option(names = "--nodes", description = "embedded pool of N nodes (201, 202, ...); default: the built-in 4-node descriptor")
    Integer nodes;

    @Option(names = "--descriptor", description = "node descriptor file (the dissertation's fig. 3.3 format)")
    Path descriptor;

    @Option(names = "--idle", defaultValue = "backoff", description = "kernel idle strategy: backoff (default), yielding, busyspin")
    String idle;

    PoolConfig config() throws IOException {
        PoolConfig c = PoolConfig.defaults().withIdle(idle);
        if (descriptor != null) return c.withDescriptor(NodeDescriptor.read(descriptor));
        if (nodes != null) {
            if (nodes < 1 || nodes > 64) throw new IllegalArgumentException("--nodes must be between 1 and 64");
            return c.withDescriptor(nodes == 4 ? NodeDescriptor.defaultPool() : NodeDescriptor.ofSize(nodes));
        }
        return c;
    }
}
