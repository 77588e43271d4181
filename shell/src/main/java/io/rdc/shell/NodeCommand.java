package io.rdc.shell;

import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.node.NodeInfo;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "node", mixinStandardHelpOptions = true, description = "Run node kernels as separate processes; ask a standing pool's coordinator for more (create, find, destroy, stop); take a node back for its owner (reclaim).", subcommands = {NodeCommand.Start.class, NodeCommand.Reclaim.class,
        NodeCoordinatorCommands.Create.class, NodeCoordinatorCommands.Find.class, NodeCoordinatorCommands.Destroy.class, NodeCoordinatorCommands.Stop.class})
final class NodeCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /**
     * Sprite's eviction when a machine's owner comes back (docs/pool.md, Withdrawal): the node takes
     * no new incarnations, and its guests, of every RDC the operator has authority over, move to
     * other nodes their RDCs may use within the notice. It is {@code withdraw node N notice D} for the
     * command line, where an owner would look for it; the node stays closed to new incarnations
     * until its process is restarted.
     */
    @Command(name = "reclaim", mixinStandardHelpOptions = true,
            description = "Take a node of a standing pool back for its owner: it takes no new incarnations; its guests get WITHDRAWING and move to other nodes their RDCs may use within the notice; what remains is left, or destroyed with --destroy.",
            footer = {"", "Examples:", "  rdc node reclaim 203", "  rdc node reclaim 203 --notice 10 --destroy --user ann --rdc shop"})
    static final class Reclaim implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "NODE", description = "the node's id")
        int node;

        @Option(names = "--notice", defaultValue = "30", paramLabel = "SECONDS", description = "how long its guests have to move (default: ${DEFAULT-VALUE} s)")
        long noticeSeconds;

        @Option(names = "--destroy", description = "destroy what has not moved when the notice runs out (default: leave it)")
        boolean destroy;

        @picocli.CommandLine.Mixin
        PoolOptions pool;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (noticeSeconds < 0) {
                System.err.println("rdc node reclaim: --notice must not be negative");
                return 2;
            }
            if (pool.standingAddress() == null) {
                System.err.println("rdc node reclaim: " + PoolCommand.NO_POOL);
                return 1;
            }
            try (io.rdc.interpreter.runtime.RuntimeOperations ops = pool.operations()) {
                io.rdc.runtime.operator.Withdrawal.Outcome o = ops.operator().withdraw(node, java.time.Duration.ofSeconds(noticeSeconds), destroy);
                if (Main.of(spec).json) System.out.println(io.rdc.runtime.util.Json.write(java.util.Map.of("view", "reclaim", "node", node, "guests", o.guests())));
                else System.out.println(o.summary());
                // 1 when a guest is left behind: the owner does not have the machine back yet.
                return o.guests().values().stream().allMatch(w -> w.startsWith("migrated") || w.startsWith("gone") || w.startsWith("destroyed")) ? 0 : 1;
            } catch (io.rdc.runtime.kernel.OperationException e) {
                System.err.println("rdc node reclaim " + node + ": " + e.getMessage());
                return 1;
            }
        }
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

        @Option(names = "--pool", paramLabel = "ADDR", description = "join the standing pool whose control plane is at ADDR (host:port[,host:port...]): say hello, heartbeat, serve until stopped")
        String pool;

        @Option(names = "--endpoint", paramLabel = "HOST:PORT", description = "this node's UDP endpoint (default: from the descriptor, else 127.0.0.1 and a free port)")
        String endpoint;

        @Option(names = "--name", description = "this node's name (default: from the descriptor, else node<ID>)")
        String name;

        @Option(names = "--groups", split = ",", description = "the groups this node belongs to (default: from the descriptor, else all)")
        java.util.List<String> groups;
        @Option(names = "--key", paramLabel = "FILE", description = "the pool's key file (64 hex digits, readable only by its owner);"
                + " default $RDC_POOL_KEY, else ~/.rdc/pool.key (made, owner-only, if missing)")
        Path keyFile;

        @Option(names = "--access", paramLabel = "FILE", description = "this node's access list: who may create incarnations here, and of which modules (docs/pool.md)")
        Path access;

        @Option(names = "--stop-on-stdin-close", description = "stop when standard input closes (for nodes started by another process)")
        boolean stopOnStdinClose;

        @Override
        public Integer call() throws Exception {
            Path descriptor = Main.of(spec).descriptor;
            NodeDescriptor d = descriptor == null ? NodeDescriptor.defaultPool() : NodeDescriptor.read(descriptor);
            io.rdc.runtime.security.PoolKey key;
            try {
                key = keyFile != null ? io.rdc.runtime.security.PoolKey.read(keyFile)
                        : io.rdc.runtime.security.PoolKey.readOrCreate(io.rdc.runtime.security.PoolKey.defaultFile());
            } catch (SecurityException e) {
                System.err.println("rdc node start: " + e.getMessage());
                return 2;
            }
            if (pool != null) return joinPool(descriptor == null ? null : d, key);
            if (d.byId(id).isEmpty()) {
                System.err.println("rdc node start: node " + id + " is not in the descriptor");
                return 2;
            }
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stopOnStdinClose(stop);
            io.rdc.runtime.pool.NodeMain.run(id, d, idle, stop, key, access);
            return 0;
        }

        /**
         * A child node never outlives its starter: it stops when the starter closes our stdin (a pool's
         * on-demand nodes: their coordinator's process, or over ssh the channel, ends).
         */
        private void stopOnStdinClose(CountDownLatch stop) {
            if (stopOnStdinClose) Thread.ofPlatform().daemon(true).start(() -> {
                try {
                    while (System.in.read() >= 0) { /* ignore input */ }
                } catch (java.io.IOException ignored) {
                    // closed
                }
                stop.countDown();
            });
        }

        private Integer joinPool(NodeDescriptor d, io.rdc.runtime.security.PoolKey key) throws Exception {
            // A daemon's output goes to its log file: every line is flushed, so the log shows what happened when.
            System.setOut(new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true));
            NodeInfo fromFile = d == null ? null : d.byId(id).orElse(null);
            String ep = endpoint != null ? endpoint : fromFile != null && fromFile.endpoint() != null ? fromFile.endpoint() : "127.0.0.1:" + freeUdpPort();
            java.util.Map<String, String> attrs = new java.util.LinkedHashMap<>(fromFile == null ? java.util.Map.of() : fromFile.attributes());
            attrs.put("endpoint", ep);
            NodeInfo self = new NodeInfo(id, name != null ? name : fromFile != null ? fromFile.name() : "node" + id,
                    groups != null ? groups : fromFile != null ? fromFile.groups() : java.util.List.of("all"), "jvm", attrs);
            CountDownLatch stop = new CountDownLatch(1), done = new CountDownLatch(1);
            // On SIGTERM (rdc pool stop) the node says goodbye and closes its driver before the JVM exits.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    done.await(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    // exiting anyway
                }
            }));
            stopOnStdinClose(stop);
            try {
                io.rdc.runtime.pool.NodeMain.runInPool(self, pool, idle, key, stop, access);
            } finally {
                done.countDown();
            }
            return 0;
        }

        private static int freeUdpPort() throws java.io.IOException {
            try (java.net.DatagramSocket s = new java.net.DatagramSocket(new java.net.InetSocketAddress("127.0.0.1", 0))) {
                return s.getLocalPort();
            }
        }
    }
}
