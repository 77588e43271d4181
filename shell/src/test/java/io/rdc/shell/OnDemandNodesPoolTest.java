package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rdc.shell.PoolProcesses.Result;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15's on-demand nodes (SR's srx; docs/pool-ondemand.md), each command a process of its own
 * against a standing pool of one node: an RDC whose script asks for 2 more nodes than are up gets
 * them, started by the control plane's coordinator, locally as its child processes and over ssh to
 * this machine (an sshd of the test's own); {@code rdc node find} lists them, {@code rdc node
 * stop} (and destroy) ends their processes.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class OnDemandNodesPoolTest extends StandingPoolCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MODULES = Path.of("..", "test-scripts", "modules").toAbsolutePath().normalize();

    /** The test's own sshd, if it started one. */
    private Process sshd;
    /** Node processes the test found: ended after it, whatever happened (a test that fails must leave no orphan). */
    private final List<ProcessHandle> found = new ArrayList<>();

    @AfterEach
    void endNodesAndSshd() {
        found.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        if (sshd == null) return;
        // Whatever still runs under it (a node a failed test left) ends with it: no orphans.
        sshd.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        sshd.destroy();
        try {
            if (!sshd.waitFor(10, TimeUnit.SECONDS)) sshd.destroyForcibly();
        } catch (InterruptedException e) {
            sshd.destroyForcibly();
        }
    }

    /** A script of an RDC that needs two more nodes than the pool has up, and puts an incarnation on each. */
    private static String growScript(String hostOption) {
        return """
                rdc "grow"
                module echo = "%s/echo.js"
                nodes create 2%s as extra
                print "extra nodes ${extra}"
                create e1 : echo at node extra[0] { port in on new "e1.in" }
                create e2 : echo at node extra[1] { port in on new "e2.in" }
                print "e1 answers from ${(invoke e1.in {}).head.at}"
                nodes find
                """.formatted(MODULES, hostOption);
    }

    private JsonNode find() throws Exception {
        Result found = PoolProcesses.rdc(dir, 120, "--json", "node", "find");
        assertEquals(0, found.code(), found.out());
        String json = found.out().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow(() -> new AssertionError(found.out()));
        return JSON.readTree(json).get("nodes");
    }

    private List<Long> upNodes() throws Exception {
        Result status = PoolProcesses.rdc(dir, 120, "--json", "pool", "status");
        assertEquals(0, status.code(), status.out());
        List<Long> ids = new ArrayList<>();
        for (JsonNode n : JSON.readTree(status.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow()).get("nodes"))
            if (!n.get("operator").asBoolean() && n.get("state").asText().equals("UP")) ids.add(Long.parseLong(n.get("id").asText()));
        return ids;
    }

    private static void awaitGone(List<ProcessHandle> processes, String what) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (processes.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < until) Thread.sleep(100);
        assertTrue(processes.stream().noneMatch(ProcessHandle::isAlive), what + " ended: " + processes.stream().filter(ProcessHandle::isAlive).toList());
    }

    @Test
    void anRdcAskingForTwoMoreNodesGetsThemAsChildProcessesOfTheCoordinator() throws Exception {
        Path home = dir.resolve(".rdc");
        pool = PoolProcesses.startPool(dir, home, "--nodes", "1", "--base-port", String.valueOf(PoolProcesses.freeBasePort(10)));
        assertEquals(List.of(201L), upNodes(), "one node is up");

        Result run = PoolProcesses.rdc(dir, 300, "run", Files.writeString(dir.resolve("grow.rdc"), growScript("")).toString());
        assertEquals(0, run.code(), run.out() + PoolProcesses.logs(home));
        assertTrue(run.out().contains("node 1001 up on local") && run.out().contains("node 1002 up on local"), run.out());
        assertTrue(run.out().contains("extra nodes [1001, 1002]"), run.out());
        assertTrue(run.out().contains("e1 answers from 1001"), "an incarnation runs on a new node: " + run.out());
        assertEquals(List.of(201L, 1001L, 1002L), upNodes());

        JsonNode nodes = find();
        assertEquals(2, nodes.size(), nodes.toString());
        long member = pool.pids().getFirst();
        List<ProcessHandle> started = new ArrayList<>();
        for (JsonNode n : nodes) {
            assertEquals("UP", n.get("state").asText(), n.toString());
            assertEquals("local", n.get("host").asText());
            ProcessHandle p = ProcessHandle.of(n.get("pid").asLong()).orElseThrow(() -> new AssertionError("no process " + n));
            assertEquals(member, p.parent().map(ProcessHandle::pid).orElse(-1L), "a child of the control-plane member's process: " + p.info());
            started.add(p);
            found.add(p);
        }

        Result destroyed = PoolProcesses.rdc(dir, 120, "node", "destroy", "1001");
        assertEquals(0, destroyed.code(), destroyed.out());
        awaitGone(started.subList(0, 1), "node 1001's process");
        assertTrue(started.get(1).isAlive(), "destroy ends only the node it names");

        Result stopped = PoolProcesses.rdc(dir, 120, "node", "stop");
        assertEquals(0, stopped.code(), stopped.out());
        assertTrue(stopped.out().contains("1 node(s) stopped"), stopped.out());
        awaitGone(started, "every started node's process");
        for (JsonNode n : find()) assertEquals("STOPPED", n.get("state").asText(), n.toString());
        assertEquals(List.of(201L), upNodes(), "they said goodbye");
    }

    @Test
    void aStartedNodeEndsWithItsCoordinatorsProcessEvenWhenThatIsKilled() throws Exception {
        Path home = dir.resolve(".rdc");
        pool = PoolProcesses.startPool(dir, home, "--nodes", "1", "--base-port", String.valueOf(PoolProcesses.freeBasePort(10)));
        Result created = PoolProcesses.rdc(dir, 300, "node", "create", "--count", "1");
        assertEquals(0, created.code(), created.out() + PoolProcesses.logs(home));
        assertTrue(created.out().contains("node 1001 up on local"), created.out());
        ProcessHandle node = ProcessHandle.of(find().get(0).get("pid").asLong()).orElseThrow();
        found.add(node);

        ProcessHandle.of(pool.pids().getFirst()).orElseThrow().destroyForcibly(); // kill -9 of the member: no shutdown hook runs
        PoolProcesses.removeKilledMembersDriverDir(home, 0);
        // Its stdin was a pipe from the member: the pipe's end is the node's signal to stop. No orphan.
        awaitGone(List.of(node), "the node whose coordinator was killed");
    }

    @Test
    void anRdcAskingForTwoMoreNodesGetsThemStartedOverSsh() throws Exception {
        Path ssh = Files.createDirectories(dir.resolve("ssh"));
        int port = startSshd(ssh);
        // SR's network pathnames: the launcher and work folder of host "lh" are templates filled in per host and node.
        Path install = Files.createDirectories(dir.resolve("install").resolve("lh"));
        writeLauncher(install.resolve("rdc"));
        Path hosts = Files.writeString(dir.resolve("hosts.txt"), """
                # where the coordinator may start nodes
                host lh via ssh %s@127.0.0.1 port %d identity %s option StrictHostKeyChecking=no option UserKnownHostsFile=/dev/null option LogLevel=ERROR install %s/install/{host}/rdc work %s/work-{host}-{node}
                """.formatted(System.getProperty("user.name"), port, ssh.resolve("user_key"), dir, dir));
        Path home = dir.resolve(".rdc");
        pool = PoolProcesses.startPool(dir, home, "--nodes", "1", "--base-port", String.valueOf(PoolProcesses.freeBasePort(10)),
                "--node-hosts", hosts.toString());

        Result run = PoolProcesses.rdc(dir, 300, "run", Files.writeString(dir.resolve("grow.rdc"), growScript(" host \"lh\"")).toString());
        assertEquals(0, run.code(), run.out() + PoolProcesses.logs(home) + "\n--- sshd\n" + Files.readString(ssh.resolve("sshd.log")));
        assertTrue(run.out().contains("node 1001 up on lh") && run.out().contains("node 1002 up on lh"), run.out());
        assertTrue(run.out().contains("e1 answers from 1001"), run.out());
        assertEquals(List.of(201L, 1001L, 1002L), upNodes());

        List<ProcessHandle> remote = new ArrayList<>();
        for (JsonNode n : find()) {
            assertEquals("UP", n.get("state").asText(), n.toString());
            assertEquals("lh", n.get("host").asText());
            ProcessHandle client = ProcessHandle.of(n.get("pid").asLong()).orElseThrow();
            assertTrue(client.info().command().orElse("").endsWith("ssh"), "the coordinator's process for it is ssh: " + client.info());
            String id = n.get("node").asText();
            assertTrue(Files.isDirectory(dir.resolve("work-lh-" + id)), "its work folder, from the template");
            // The node itself runs under the test's sshd, as it would on another machine.
            List<ProcessHandle> nodeProcess = sshd.toHandle().descendants().filter(p -> commandLine(p).contains("\0--id\0" + id + "\0")).toList();
            assertFalse(nodeProcess.isEmpty(), "node " + id + " runs under sshd");
            remote.addAll(nodeProcess);
            found.addAll(nodeProcess);
            remote.add(client);
        }

        Result stopped = PoolProcesses.rdc(dir, 120, "node", "stop");
        assertEquals(0, stopped.code(), stopped.out());
        assertTrue(stopped.out().contains("2 node(s) stopped"), stopped.out());
        awaitGone(remote, "the nodes started over ssh, and their ssh");
        assertEquals(List.of(201L), upNodes());
    }

    /** A process's arguments, NUL-separated, read from /proc (ProcessHandle.Info leaves out a JVM's long ones). */
    private static String commandLine(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException gone) {
            return "";
        }
    }

    /** An sshd of the test's own on a free port of 127.0.0.1, accepting only a key made here; returns its port. */
    private int startSshd(Path ssh) throws Exception {
        Path sshdBinary = Path.of("/usr/sbin/sshd");
        if (!Files.isExecutable(sshdBinary))
            fail("this test starts its own sshd and needs /usr/sbin/sshd: install openssh-server (apt-get install openssh-server)");
        // sshd insists on its privilege-separation folder (made by its service's unit when it runs as a service).
        Path privsep = Path.of("/run/sshd");
        if (!Files.isDirectory(privsep)) Files.createDirectories(privsep, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        for (String key : List.of("host_key", "user_key")) {
            Process kg = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ssh.resolve(key).toString())
                    .redirectErrorStream(true).start();
            assertTrue(kg.waitFor(30, TimeUnit.SECONDS) && kg.exitValue() == 0, "ssh-keygen: " + new String(kg.getInputStream().readAllBytes()));
        }
        Files.copy(ssh.resolve("user_key.pub"), ssh.resolve("authorized_keys"));
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path config = Files.writeString(ssh.resolve("sshd_config"), """
                ListenAddress 127.0.0.1
                HostKey %s
                AuthorizedKeysFile %s
                StrictModes no
                UsePAM no
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                PidFile none
                """.formatted(ssh.resolve("host_key"), ssh.resolve("authorized_keys")));
        Path log = ssh.resolve("sshd.log");
        sshd = new ProcessBuilder(sshdBinary.toString(), "-D", "-e", "-f", config.toString(), "-p", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(log).contains("Server listening") && sshd.isAlive() && System.nanoTime() < until) Thread.sleep(50);
        assertTrue(Files.readString(log).contains("Server listening"), "sshd did not start: " + Files.readString(log));
        return port;
    }

    /** The rdc launcher "installed" on host lh: this build's CLI, as ./rdc runs it. */
    private static void writeLauncher(Path file) throws Exception {
        StringBuilder sb = new StringBuilder("#!/bin/sh\nexec");
        for (String a : PoolCommand.java("io.rdc.shell.Main")) sb.append(" '").append(a.replace("'", "'\\''")).append('\'');
        sb.append(" \"$@\"\n");
        Files.writeString(file, sb.toString());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
