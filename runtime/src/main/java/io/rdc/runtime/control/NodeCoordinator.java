package io.rdc.runtime.control;

import io.rdc.runtime.control.OnDemandNodes.Node;
import io.rdc.runtime.control.OnDemandNodes.State;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * SR's srx in a control-plane member's process (docs/pool-ondemand.md): it starts the node
 * processes RDCs ask for and ends them again. It is not part of the replicated state machine,
 * which must stay deterministic: it reads what the service wants ({@link OnDemandNodes#view()},
 * published after each change in the log) on a thread of its own, acts, and writes what happened
 * back as ordinary requests, so that every member knows.
 *
 * <ul>
 *   <li>Only the leader's coordinator starts nodes, and it first claims each (granted once, in the
 *       log), so a leader change never starts a node twice.</li>
 *   <li>The coordinator that started a node is the one that stops it (its process is a child of
 *       that member's process, or that member's ssh), leader or not.</li>
 *   <li>Every node runs with its standard input a pipe from here ({@code --stop-on-stdin-close};
 *       over ssh the channel's): when this process ends, however it ends, its nodes stop too.</li>
 * </ul>
 */
public final class NodeCoordinator implements AutoCloseable {
    /** A node that has not said hello this long after its start is ended and reported FAILED. */
    public static final Duration HELLO_TIMEOUT = Duration.ofSeconds(90);
    static final long STEP_MS = 100;
    /** The rdc CLI's main class, which a local node process runs ({@code rdc node start}). */
    public static final String CLI_MAIN = "io.rdc.shell.Main";

    private record Launched(Process process, String host, Path log, long startedNs) {}

    private final int memberId;
    private final BooleanSupplier leader;
    private final Supplier<List<Node>> wanted;
    private final Supplier<ControlClient> client;
    private final NodeHosts hosts;
    private final String control;
    private final Path keyFile, logs;
    private final List<String> localLaunch;
    private final Map<Integer, Launched> launched = new ConcurrentHashMap<>();
    /** Nodes whose stop runs on a thread of its own (a stop may wait 15 s for a node's goodbye). */
    private final Set<Integer> stopping = ConcurrentHashMap.newKeySet();
    /**
     * Nodes this coordinator has reported FAILED or STOPPED. A follower member applies the log a
     * little after the leader answered, so its view may still show such a node STARTING or
     * STOPPING for a step: acting on that again would report it twice (a FAILED node's reason
     * overwritten by "has no process for it").
     */
    private final Set<Integer> finished = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean closed;
    private volatile ControlClient connected;

    /**
     * @param control the plane's address, as the nodes it starts are to join it
     * @param keyFile the pool's key file here (remote hosts: their {@code key} template, else the same path)
     * @param logs where each node's output goes ({@code node-N.log})
     * @param localLaunch the command that runs the rdc CLI in a new process on this machine
     */
    NodeCoordinator(int memberId, BooleanSupplier leader, Supplier<List<Node>> wanted, Supplier<ControlClient> client, NodeHosts hosts,
                    String control, Path keyFile, Path logs, List<String> localLaunch) {
        this.memberId = memberId;
        this.leader = leader;
        this.wanted = wanted;
        this.client = client;
        this.hosts = hosts;
        this.control = control;
        this.keyFile = keyFile;
        this.logs = logs;
        this.localLaunch = List.copyOf(localLaunch);
        this.thread = Thread.ofPlatform().daemon().name("rdc-node-coordinator-" + memberId).unstarted(this::run);
    }

    /**
     * The coordinator of member {@code member}'s process: it talks to the plane through a client
     * of its own that shares the member's media driver.
     */
    public static NodeCoordinator start(ControlPlaneMember member, NodeHosts hosts, Path keyFile, Path logs, List<String> localLaunch) {
        ControlPlaneMember.Config cfg = member.config();
        String control = String.join(",", cfg.ingressEndpoints());
        NodeCoordinator[] self = new NodeCoordinator[1];
        self[0] = new NodeCoordinator(cfg.memberId(), member::isLeader, member::onDemandView, () -> self[0].connect(member), hosts, control,
                keyFile, logs, localLaunch);
        self[0].thread.start();
        return self[0];
    }

    private ControlClient connect(ControlPlaneMember member) {
        ControlClient c = connected;
        if (c == null) {
            ControlClientConfig cfg = ControlClientConfig.of(String.join(",", member.config().ingressEndpoints()))
                    .withAeronDirectory(member.aeronDirectoryName()).withPrincipal(PoolKeyAuth.NODE_PRINCIPAL + "coordinator-" + memberId);
            if (member.config().poolKey() != null) cfg = cfg.withPoolKey(member.config().poolKey());
            connected = c = ControlClient.connect(cfg);
        }
        return c;
    }

    private void run() {
        while (!closed) {
            try {
                step();
            } catch (RuntimeException e) {
                // The plane did not answer (an election, a busy machine): what was not reported is tried again next step.
                log("coordinator: " + e.getMessage());
            }
            try {
                Thread.sleep(STEP_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One look at what the plane wants, acting on each node that needs this member. */
    void step() {
        boolean leads = leader.getAsBoolean();
        for (Node n : wanted.get()) {
            if (closed) return;
            if (stopping.contains(n.node()) || finished.contains(n.node())) continue;
            Launched l = launched.get(n.node());
            switch (n.state()) {
                case WANTED -> {
                    if (leads) start(n);
                }
                case STARTING, UP -> {
                    if (n.member() != memberId) continue;
                    if (l == null) {
                        report(n.node(), State.FAILED, 0, "its coordinator (member " + memberId + ") has no process for it: it restarted (its nodes end with it),"
                                + " or lost the answer to its claim and never started one");
                    } else if (!l.process().isAlive()) {
                        launched.remove(n.node());
                        report(n.node(), State.FAILED, 0, "its process exited (code " + l.process().exitValue() + ")" + tail(l.log()));
                    } else if (n.state() == State.STARTING && System.nanoTime() - l.startedNs() > HELLO_TIMEOUT.toNanos()) {
                        launched.remove(n.node());
                        end(l.process());
                        report(n.node(), State.FAILED, 0, "it did not say hello within " + HELLO_TIMEOUT.toSeconds() + " s" + tail(l.log()));
                    }
                }
                case STOPPING -> {
                    if (n.member() != memberId) continue;
                    stopping.add(n.node());
                    Thread.ofVirtual().name("rdc-node-stop-" + n.node()).start(() -> {
                        try {
                            Launched gone = launched.remove(n.node());
                            if (gone != null) end(gone.process());
                            report(n.node(), State.STOPPED, 0, "");
                        } catch (RuntimeException e) {
                            log("coordinator: stopping node " + n.node() + ": " + e.getMessage());
                        } finally {
                            stopping.remove(n.node());
                        }
                    });
                }
                default -> { /* FAILED, STOPPED: nothing runs */ }
            }
        }
    }

    /** Claims a wanted node, starts its process on a host, and says which process it is (or why none started). */
    private void start(Node n) {
        NodeHosts.Host host = n.wantedHost().isBlank() ? leastUsedHost() : hosts.byName(n.wantedHost());
        String hostName = host == null ? n.wantedHost() : host.name();
        if (!client.get().reportNode(n.node(), State.STARTING, memberId, 0, hostName, "")) return; // another coordinator has it
        if (host == null) {
            report(n.node(), State.FAILED, 0, "host '" + n.wantedHost() + "' is not one this coordinator may use (" + hosts.source() + ": " + String.join(", ", hosts.names()) + ")");
            return;
        }
        Path log = logs.resolve("node-" + n.node() + ".log");
        try {
            Files.createDirectories(logs);
            List<String> args = List.of("node", "start", "--id", Integer.toString(n.node()), "--pool", control, "--name", "node" + n.node(),
                    "--groups", n.group(), "--key", host.key() == null ? keyFile.toString() : host.path(host.key(), n.node()), "--stop-on-stdin-close");
            ProcessBuilder pb = new ProcessBuilder(host.command(n.node(), localLaunch, args)).redirectErrorStream(true).redirectOutput(log.toFile());
            if (!host.remote() && host.work() != null) pb.directory(Files.createDirectories(Path.of(host.path(host.work(), n.node()))).toFile());
            // stdin stays a pipe from this process: its end (this process's end) stops the node.
            Process p = pb.start();
            launched.put(n.node(), new Launched(p, host.name(), log, System.nanoTime()));
            log("coordinator: started node " + n.node() + " on " + host.describe() + ", pid " + p.pid() + " (log " + log + ")");
            report(n.node(), State.STARTING, p.pid(), "");
        } catch (IOException | RuntimeException e) {
            Launched l = launched.remove(n.node());
            if (l != null) end(l.process());
            report(n.node(), State.FAILED, 0, "could not start it on " + host.describe() + ": " + e.getMessage());
        }
    }

    /** The host with the fewest live nodes started here; the hosts file's order breaks ties. */
    private NodeHosts.Host leastUsedHost() {
        NodeHosts.Host best = null;
        long fewest = Long.MAX_VALUE;
        for (NodeHosts.Host h : hosts.hosts()) {
            long n = launched.values().stream().filter(l -> l.host().equals(h.name())).count();
            if (n < fewest) {
                fewest = n;
                best = h;
            }
        }
        return best;
    }

    private void report(int node, State s, long pid, String error) {
        client.get().reportNode(node, s, memberId, pid, "", error);
        if (s == State.FAILED || s == State.STOPPED) finished.add(node);
    }

    /** SIGTERM (the node says goodbye), then SIGKILL after 15 s; over ssh, ending ssh closes the node's stdin. */
    private static void end(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines of a node's log, for a failure's reason. */
    private static String tail(Path log) {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            List<String> last = new ArrayList<>(lines.subList(Math.max(0, lines.size() - 5), lines.size()));
            return last.isEmpty() ? " (log " + log + " is empty)" : ": " + String.join(" | ", last) + " (log " + log + ")";
        } catch (IOException | RuntimeException e) {
            return " (log " + log + ")";
        }
    }

    /** To stderr: a member's log takes both streams, and a bench's stdout stays its JSON lines. */
    private static void log(String line) {
        System.err.println(line);
        System.err.flush();
    }

    /** The processes this coordinator runs now (tests check that none outlives it). */
    public List<ProcessHandle> processes() {
        return launched.values().stream().map(l -> l.process().toHandle()).toList();
    }

    /** Stops the loop and ends every node process it started (each given its goodbye), then its client. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Thread> enders = new ArrayList<>();
        for (Launched l : launched.values()) enders.add(Thread.ofVirtual().start(() -> end(l.process())));
        for (Thread t : enders)
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        launched.clear();
        ControlClient c = connected;
        if (c != null) c.close();
    }

    /** The hosts in {@code file}, or this machine only when there is no file. */
    static NodeHosts hostsOrDefault(File file) throws IOException {
        return file == null ? NodeHosts.localOnly() : NodeHosts.read(file.toPath());
    }
}
