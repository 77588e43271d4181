package io.rdc.shell;

import io.rdc.runtime.node.NodeDescriptor;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "node", mixinStandardHelpOptions = true, description = "Run node kernels as separate processes.", subcommands = {NodeCommand.Start.class})
final class NodeCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start one node kernel (its own Aeron media driver, UDP endpoint from the descriptor) and run until stopped.",
            footer = {"", "Example:", "  rdc node start --id 203 --descriptor nodes.txt --key pool.key"})
    static final class Start implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--id", required = true, description = "node id, as in the descriptor")
        int id;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--idle", defaultValue = "backoff", description = "idle strategy: backoff, yielding, busyspin")
        String idle;

        @Option(names = "--key", paramLabel = "FILE", description = "the pool's key file (64 hex digits, readable only by its owner);"
                + " default $RDC_POOL_KEY, else ~/.rdc/pool.key (made, owner-only, if missing)")
        Path keyFile;

        @Option(names = "--stop-on-stdin-close", description = "stop when standard input closes (for nodes started by another process)")
        boolean stopOnStdinClose;

        @Override
        public Integer call() throws Exception {
            Path descriptor = Main.of(spec).descriptor;
            NodeDescriptor d = descriptor == null ? NodeDescriptor.defaultPool() : NodeDescriptor.read(descriptor);
            if (d.byId(id).isEmpty()) {
                System.err.println("rdc node start: node " + id + " is not in the descriptor");
                return 2;
            }
            io.rdc.runtime.security.PoolKey key;
            try {
                key = keyFile != null ? io.rdc.runtime.security.PoolKey.read(keyFile)
                        : io.rdc.runtime.security.PoolKey.readOrCreate(io.rdc.runtime.security.PoolKey.defaultFile());
            } catch (SecurityException e) {
                System.err.println("rdc node start: " + e.getMessage());
                return 2;
            }
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            // A child node never outlives its starter: it stops when the starter closes our stdin.
            if (stopOnStdinClose) Thread.ofPlatform().daemon(true).start(() -> {
                try {
                    while (System.in.read() >= 0) { /* ignore input */ }
                } catch (java.io.IOException ignored) {
                    // closed
                }
                stop.countDown();
            });
            io.rdc.runtime.pool.NodeMain.run(id, d, idle, stop, key);
            return 0;
        }
    }
}
