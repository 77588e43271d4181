package io.rdc.shell;

import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.pool.ControlPlanes;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A standing pool on this machine: control-plane members and node kernels as processes of their
 * own that outlive the command which started them. Operators, scripts and tests then attach to
 * it ({@code rdc shell}, {@code rdc run}, {@code rdc test} find it through {@code .rdc/pool}).
 */
@Command(name = "pool", mixinStandardHelpOptions = true, description = "Start, inspect and stop a standing pool (control plane and nodes as separate processes).",
        subcommands = {PoolCommand.Start.class, PoolCommand.Status.class, PoolCommand.Stop.class, PoolCommand.Revoke.class})
final class PoolCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** The java command that runs a class of ours in a new process, with this JVM's options and class path. */
    static List<String> java(String mainClass) {
        return io.rdc.runtime.util.JavaCommand.of(mainClass);
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a standing pool here and return when it is ready; writes its address to .rdc/pool.",
            footer = {"", "Examples:", "  rdc pool start                       (1 control-plane member, 4 nodes 201-204)",
                    "  rdc pool start --nodes 3 --members 3", "  rdc pool start --descriptor nodes.txt"})
    static final class Start implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--members", defaultValue = "1", description = "control-plane members: 1, or 3 to survive the loss of one (default: ${DEFAULT-VALUE})")
        int members;

        @Option(names = "--base-port", defaultValue = "20100", description = "the control plane's first port; member i uses ports from base + 10*i (default: ${DEFAULT-VALUE})")
        int basePort;

        @Option(names = "--dir", description = "where the pool keeps its state and logs (default: .rdc in the working folder)")
        Path dir;

        @Option(names = "--idle", defaultValue = "backoff", description = "the nodes' idle strategy")
        String idle;

        @Option(names = "--users", paramLabel = "FILE", description = "the pool users file (user:group,group per line, as fig. 3.4): who may launch RDCs and"
                + " the node groups each may use (default: none, every user may use every node; docs/pool.md)")
        Path users;

        @Option(names = "--access", paramLabel = "NODE=FILE", description = "a node's access list: who may create there, and which modules (repeatable; docs/pool.md)")
        java.util.Map<Integer, Path> access = new java.util.TreeMap<>();

        @Option(names = "--node-hosts", paramLabel = "FILE", description = {"where the control plane's coordinator may start nodes RDCs ask for"
                + " (rdc node create, the nodes create statement): lines 'host NAME [via ssh USER@ADDR] [port P] [install PATH] [work PATH] ...';",
                "default: this machine only (docs/pool-ondemand.md)"})
        Path nodeHosts;

        @Override
        public Integer call() throws Exception {
            Main main = Main.of(spec);
            if (members != 1 && members != 3) {
                System.err.println("rdc pool start: --members must be 1 or 3, not " + members);
                return 2;
            }
            if (nodeHosts != null) {
                try {
                    io.rdc.runtime.control.NodeHosts.read(nodeHosts); // a bad line fails here, not in a member's log
                } catch (IOException | IllegalArgumentException e) {
                    System.err.println("rdc pool start: --node-hosts: " + (e instanceof IOException ? "cannot read " + nodeHosts + ": " : "") + e.getMessage());
                    return 2;
                }
            }
            Path home = (dir != null ? dir : Path.of(".rdc")).toAbsolutePath();
            Path file = home.resolve("pool");
            if (Files.isRegularFile(file)) {
                PoolFile old = PoolFile.read(file);
                if (old.pids().stream().anyMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))) {
                    System.err.println("rdc pool start: a pool is already running from " + file + " (control plane at " + old.control() + "); stop it first with rdc pool stop");
                    return 1;
                }
            }
            NodeDescriptor nodes = main.descriptor != null ? NodeDescriptor.read(main.descriptor)
                    : main.nodes == null || main.nodes == 4 ? NodeDescriptor.defaultPool() : NodeDescriptor.ofSize(main.nodes);
            Path logs = Files.createDirectories(home.resolve("logs"));
            // The pool's key: made once (owner-only), kept with the pool's state, given to every member, node and operator.
            Path keyFile = home.resolve("pool.key");
            io.rdc.runtime.security.PoolKey.readOrCreate(keyFile);
            // The key the members sign operator tokens with (docs/security.md, "Operator tokens"): beside
            // the pool key, owner-only, made here once so that the members never race to make it.
            io.rdc.runtime.security.OperatorTokens.SigningKey.readOrCreate(io.rdc.runtime.security.OperatorTokens.SigningKey.besides(keyFile));
            List<Process> started = new ArrayList<>();
            try {
                String control = ControlPlanes.address(members, basePort);
                for (int i = 0; i < members; i++) {
                    List<String> cmd = java(ControlPlanes.MEMBER_MAIN);
                    cmd.addAll(ControlPlanes.memberArgs(i, members, basePort, home.resolve("control"), keyFile));
                    if (nodeHosts != null) cmd.addAll(List.of("--node-hosts", nodeHosts.toAbsolutePath().toString()));
                    started.add(launch(cmd, logs.resolve("control-" + i + ".log"), "control member " + i + " ready", "control-plane member " + i));
                }
                // A node's first call must find a leader: under load an election can outlast its 5 s connect.
                awaitLeader(logs, members);
                // The users file goes into the control plane's replicated state before any node or RDC comes.
                if (users != null)
                    try (ControlPlane cp = ControlPlanes.client(control, io.rdc.runtime.security.PoolKey.read(keyFile))) {
                        int n = cp.setUsers(users.toAbsolutePath().toString(), io.rdc.runtime.pool.PoolAccess.read(users)); // absolute: members resolve users' key files from it
                        System.out.println("pool users file " + users + " loaded: " + n + (n == 1 ? " user" : " users"));
                    } catch (RuntimeException e) {
                        throw new IOException(e.getMessage(), e);
                    }
                // The nodes start side by side: each warms its JavaScript engine before it says it is
                // ready (NodeMain.warmUp), seconds each that one after another would add up.
                List<Process> nodeProcesses = new ArrayList<>();
                for (NodeInfo n : nodes.nodes()) {
                    List<String> cmd = java("io.rdc.shell.Main");
                    cmd.addAll(List.of("node", "start", "--id", String.valueOf(n.id()), "--pool", control, "--name", n.name(),
                            "--groups", String.join(",", n.groups()), "--idle", idle, "--key", keyFile.toString()));
                    if (n.endpoint() != null && main.descriptor != null) cmd.addAll(List.of("--endpoint", n.endpoint()));
                    if (access.containsKey(n.id())) cmd.addAll(List.of("--access", access.get(n.id()).toAbsolutePath().toString()));
                    Process p = spawn(cmd, logs.resolve("node-" + n.id() + ".log"));
                    started.add(p);
                    nodeProcesses.add(p);
                }
                for (int i = 0; i < nodeProcesses.size(); i++) {
                    NodeInfo n = nodes.nodes().get(i);
                    awaitReady(nodeProcesses.get(i), logs.resolve("node-" + n.id() + ".log"), "node " + n.id() + " ready", "node " + n.id());
                }
                new PoolFile(file, control, started.stream().map(Process::pid).toList(), home, keyFile).write();
                System.out.println("pool ready: control plane at " + control + " (" + members + (members == 1 ? " member" : " members") + "), nodes "
                        + nodes.nodes().stream().map(n -> String.valueOf(n.id())).toList() + "; its address is in " + file + " (rdc pool stop ends it)");
                return 0;
            } catch (IOException e) {
                for (Process p : started.reversed()) stop(p.toHandle());
                System.err.println("rdc pool start: " + e.getMessage());
                return 1;
            }
        }

        /** Waits (60 s) until a member's log says it leads (members print their role changes). */
        private static void awaitLeader(Path logs, int members) throws IOException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < end) {
                for (int i = 0; i < members; i++) {
                    Path log = logs.resolve("control-" + i + ".log");
                    if (Files.exists(log) && Files.readString(log).contains("control member " + i + " is LEADER")) return;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            throw new IOException("the control plane elected no leader within 60 s (logs: " + logs + "/control-*.log)");
        }

        /** Starts a daemon process with its output in {@code log} and waits for its ready line (60 s). */
        private static Process launch(List<String> cmd, Path log, String ready, String what) throws IOException {
            return awaitReady(spawn(cmd, log), log, ready, what);
        }

        /** Starts a daemon process with its output in {@code log}. */
        private static Process spawn(List<String> cmd, Path log) throws IOException {
            Files.deleteIfExists(log);
            return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        }

        /** Waits (60 s) for a started daemon's ready line in its log; ends it and fails if it exits or stays silent. */
        private static Process awaitReady(Process p, Path log, String ready, String what) throws IOException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < end) {
                String out = Files.exists(log) ? Files.readString(log) : "";
                if (out.contains(ready)) return p;
                if (!p.isAlive()) throw new IOException(what + " exited (code " + p.exitValue() + ") before it was ready:\n" + tail(out) + "(log: " + log + ")");
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            p.destroyForcibly();
            throw new IOException(what + " was not ready within 60 s (log: " + log + ")");
        }

        private static String tail(String s) {
            String[] lines = s.split("\n");
            StringBuilder sb = new StringBuilder();
            for (int i = Math.max(0, lines.length - 8); i < lines.length; i++) sb.append("  ").append(lines[i]).append('\n');
            return sb.toString();
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show the standing pool's control plane, nodes and RDCs.")
    static final class Status implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--pool", paramLabel = "ADDR", description = "the control plane's address (default: from .rdc/pool)")
        String pool;

        @Override
        public Integer call() {
            String control = address(pool);
            if (control == null) {
                System.err.println("rdc pool status: " + NO_POOL);
                return 1;
            }
            try (ControlPlane cp = client(control)) {
                if (Main.of(spec).json) {
                    System.out.println(statusJson(control, cp.members(), cp.rdcs()));
                    return 0;
                }
                System.out.println("control plane at " + control);
                System.out.println("nodes:");
                for (ControlPlane.Member m : cp.members())
                    System.out.printf("  %-6d %-12s %-12s %-22s load %.1f, %d incarnations%s%n", m.info().id(), m.info().name(), m.reachable() ? "UP" : "UNREACHABLE",
                            m.info().endpoint(), m.load(), m.incarnations(), m.operator() ? " (operator session)" : "");
                System.out.println("rdcs:");
                for (ControlPlane.RdcRecord r : cp.rdcs())
                    System.out.printf("  %-10s %-20s %-10s owner %s%s%n", io.rdc.runtime.kernel.Ids.show(r.id()), r.name(), r.state(), r.owner(), r.attached() ? " (attached)" : "");
                return 0;
            } catch (RuntimeException e) {
                System.err.println("rdc pool status: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke every operator token the control plane issued to an operator until now,"
            + " as the pool's administrator (this command proves the pool's key): nodes refuse them within a heartbeat, and the operator's sessions get new ones"
            + " (docs/security.md, \"Revoking tokens\").", footer = {"", "Example:", "  rdc pool revoke ann"})
    static final class Revoke implements Callable<Integer> {
        @Option(names = "--pool", paramLabel = "ADDR", description = "the control plane's address (default: from .rdc/pool)")
        String pool;

        @picocli.CommandLine.Parameters(paramLabel = "OPERATOR", description = "whose tokens")
        String operator;

        @Override
        public Integer call() {
            String control = address(pool);
            if (control == null) {
                System.err.println("rdc pool revoke: " + NO_POOL);
                return 1;
            }
            try (ControlPlane cp = client(control)) {
                long at = cp.revokeOperatorTokens(operator);
                System.out.println("tokens of '" + operator + "' issued until " + java.time.Instant.ofEpochMilli(at) + " are revoked");
                return 0;
            } catch (RuntimeException e) {
                System.err.println("rdc pool revoke: " + e.getMessage());
                return 1;
            }
        }
    }

    static final String NO_POOL = "no standing pool found (no .rdc/pool here, in a parent folder or in ~/.rdc); give --pool ADDR";

    /** The control plane's address: {@code pool} if given, else the standing pool's from .rdc/pool; null when there is none. */
    static String address(String pool) {
        return pool != null ? pool : PoolFile.find(Path.of("").toAbsolutePath()).map(PoolFile::control).orElse(null);
    }

    /** A client of the plane at {@code control}, with the standing pool's key (else the user's default key). */
    static ControlPlane client(String control) {
        java.util.Optional<PoolFile> found = PoolFile.find(Path.of("").toAbsolutePath());
        return ControlPlanes.client(control, found.isPresent() ? found.get().poolKey()
                : io.rdc.runtime.security.PoolKey.read(io.rdc.runtime.security.PoolKey.defaultFile()));
    }

    /** {@code rdc pool status --json}: the same as the text, ids as strings (an RDC id such as 201.10 is no number). */
    static String statusJson(String control, List<ControlPlane.Member> members, List<ControlPlane.RdcRecord> rdcs) {
        java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
        o.put("view", "pool");
        o.put("control", control);
        List<Object> nodes = new java.util.ArrayList<>();
        for (ControlPlane.Member m : members) {
            java.util.Map<String, Object> n = new java.util.LinkedHashMap<>();
            n.put("id", String.valueOf(m.info().id()));
            n.put("name", m.info().name());
            n.put("state", m.reachable() ? "UP" : "UNREACHABLE");
            n.put("endpoint", m.info().endpoint());
            n.put("load", m.load());
            n.put("incarnations", m.incarnations());
            n.put("operator", m.operator());
            nodes.add(n);
        }
        o.put("nodes", nodes);
        List<Object> list = new java.util.ArrayList<>();
        for (ControlPlane.RdcRecord r : rdcs) {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("id", io.rdc.runtime.kernel.Ids.show(r.id()));
            m.put("name", r.name());
            m.put("state", r.state());
            m.put("owner", r.owner());
            m.put("attached", r.attached());
            list.add(m);
        }
        o.put("rdcs", list);
        return io.rdc.runtime.util.Json.write(o);
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the standing pool named in .rdc/pool: its nodes, then (after a snapshot of its state) its control plane.")
    static final class Stop implements Callable<Integer> {
        @Option(names = "--dir", description = "the pool's folder (default: .rdc in the working folder or a parent)")
        Path dir;

        @Override
        public Integer call() throws IOException {
            Path file = dir != null ? dir.resolve("pool") : PoolFile.find(Path.of("").toAbsolutePath()).map(PoolFile::file).orElse(null);
            if (file == null || !Files.isRegularFile(file)) {
                System.err.println("rdc pool stop: no standing pool found (no .rdc/pool here or in a parent folder)");
                return 1;
            }
            PoolFile pf = PoolFile.read(file);
            int stopped = 0, members = pf.control().split(",").length;
            String snapshot = "not asked (no member was running)";
            // Nodes were started after the members: stop them first, so they say goodbye to a live control plane.
            List<Long> pids = pf.pids();
            for (int i = pids.size() - 1; i >= 0; i--) {
                java.util.Set<Integer> running = new java.util.TreeSet<>();
                for (int m = 0; m < members && i == members - 1; m++)
                    if (ProcessHandle.of(pids.get(m)).map(ProcessHandle::isAlive).orElse(false)) running.add(m);
                if (!running.isEmpty()) {
                    // The nodes are gone: a snapshot of the final state now means the next start replays (almost) no log.
                    String failed = ControlPlanes.snapshotStanding(pf.dir().resolve("control"), running);
                    snapshot = failed == null ? "taken" : "not taken: " + failed + "; the next start replays the log";
                }
                var h = ProcessHandle.of(pids.get(i));
                if (h.isPresent() && h.get().isAlive()) {
                    stop(h.get());
                    stopped++;
                }
            }
            Files.deleteIfExists(file);
            System.out.println("control plane snapshot " + snapshot);
            System.out.println("pool stopped: " + stopped + " process(es) ended; its state stays in " + pf.dir() + " (rdc pool start there brings it back)");
            return 0;
        }
    }

    /** SIGTERM, then SIGKILL after 15 s. */
    static void stop(ProcessHandle h) {
        h.destroy();
        try {
            h.onExit().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            h.destroyForcibly();
        }
    }
}
