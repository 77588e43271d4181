package io.rdc.shell;

import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.kernel.ControlPlane.OnDemandNode;
import io.rdc.runtime.pool.OnDemand;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rdc node create|find|destroy|stop}: SR's srx operations on a standing pool's on-demand
 * nodes (docs/pool-ondemand.md). They are subcommands of {@code rdc node} because they are about
 * node processes, beside {@code rdc node start}, which is what the coordinator runs for each; the
 * fifth srx operation, hello, is the started node's own (its hello to the control plane turns it UP).
 */
final class NodeCoordinatorCommands {
    private NodeCoordinatorCommands() {}

    /** What every one of them takes: the pool, and the RDC whose nodes they are. */
    abstract static class Base implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--pool", paramLabel = "ADDR", description = "the control plane's address (default: from .rdc/pool)")
        String pool;

        @Option(names = "--rdc", paramLabel = "NAME", description = "the RDC the nodes are for (they stop when it terminates); default: the pool's own")
        String rdc;

        abstract int run(ControlPlane cp, long rdcId) throws Exception;

        @Override
        public Integer call() {
            String name = "rdc node " + spec.name();
            String control = PoolCommand.address(pool);
            if (control == null) {
                System.err.println(name + ": " + PoolCommand.NO_POOL);
                return 1;
            }
            try (ControlPlane cp = PoolCommand.client(control)) {
                long id = 0;
                if (rdc != null) {
                    id = cp.rdcs().stream().filter(r -> r.name().equals(rdc) && r.state().equals("RUNNING")).mapToLong(ControlPlane.RdcRecord::id)
                            .findFirst().orElseThrow(() -> new IllegalArgumentException("no running RDC is named '" + rdc + "' (rdc pool status lists them)"));
                }
                return run(cp, id);
            } catch (Exception e) {
                System.err.println(name + ": " + e.getMessage());
                return 1;
            }
        }

        boolean json() {
            return Main.of(spec).json;
        }

        void print(List<OnDemandNode> nodes) {
            if (json()) {
                System.out.println(io.rdc.runtime.util.Json.write(java.util.Map.of("view", "nodes", "nodes", nodes.stream().map(NodeCoordinatorCommands::json).toList())));
                return;
            }
            for (OnDemandNode n : nodes) System.out.println(OnDemand.line(n));
        }
    }

    static java.util.Map<String, Object> json(OnDemandNode n) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("node", n.node());
        m.put("state", n.state());
        m.put("host", n.host());
        m.put("pid", n.pid());
        m.put("member", n.member());
        m.put("group", n.group());
        m.put("rdc", n.rdc() == 0 ? "" : io.rdc.runtime.kernel.Ids.show(n.rdc()));
        m.put("error", n.error());
        return m;
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Ask the pool's coordinator for more nodes and wait until they are up (SR's srx create).",
            footer = {"", "Examples:", "  rdc node create --count 2", "  rdc node create --count 1 --host lab2 --group balanced --rdc textproc"})
    static final class Create extends Base {
        @Option(names = "--count", defaultValue = "1", description = "how many nodes (default: ${DEFAULT-VALUE})")
        int count;

        @Option(names = "--group", defaultValue = "all", description = "the nodes' group (default: ${DEFAULT-VALUE})")
        String group;

        @Option(names = "--host", description = "the host (a name in the coordinator's hosts file); default: the least used")
        String host;

        @Option(names = "--wait", defaultValue = "120", description = "seconds to wait for their hello; 0: do not wait (default: ${DEFAULT-VALUE})")
        long waitSeconds;

        @Override
        int run(ControlPlane cp, long rdcId) {
            List<OnDemandNode> up = OnDemand.create(cp, rdcId, group, host, count, Duration.ofSeconds(waitSeconds),
                    n -> { if (!json()) System.out.println("node " + n.node() + " up on " + n.host() + " (pid " + n.pid() + ")"); });
            if (json()) print(up);
            return 0;
        }
    }

    @Command(name = "find", mixinStandardHelpOptions = true, description = "List the nodes the coordinator was asked for: state, host, process (SR's srx find).")
    static final class Find extends Base {
        @Override
        int run(ControlPlane cp, long rdcId) {
            List<OnDemandNode> nodes = cp.findNodes(rdcId);
            if (nodes.isEmpty() && !json()) System.out.println("no on-demand nodes");
            print(nodes);
            return 0;
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true, description = "End on-demand nodes and wait until their processes are gone (SR's srx destroy).")
    static final class Destroy extends Base {
        @Parameters(arity = "1..*", paramLabel = "NODE", description = "node ids (rdc node find lists them)")
        List<Integer> nodes;

        @Option(names = "--wait", defaultValue = "30", description = "seconds to wait until they have stopped (default: ${DEFAULT-VALUE})")
        long waitSeconds;

        @Override
        int run(ControlPlane cp, long rdcId) {
            print(OnDemand.stop(cp, rdcId, nodes, Duration.ofSeconds(waitSeconds)));
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "End every on-demand node (of --rdc, else all) and wait until they are gone (SR's srx stop).")
    static final class Stop extends Base {
        @Option(names = "--wait", defaultValue = "30", description = "seconds to wait until they have stopped (default: ${DEFAULT-VALUE})")
        long waitSeconds;

        @Override
        int run(ControlPlane cp, long rdcId) {
            List<OnDemandNode> ended = OnDemand.stop(cp, rdcId, List.of(), Duration.ofSeconds(waitSeconds));
            if (!json()) System.out.println(ended.size() + " node(s) stopped");
            print(ended);
            return 0;
        }
    }
}
