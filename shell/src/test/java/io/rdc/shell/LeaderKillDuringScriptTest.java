package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.control.ControlClient;
import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.pool.ControlPlanes;
import io.rdc.runtime.security.PoolKey;
import io.rdc.shell.PoolProcesses.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13's "leader failure": an operator's reconfiguration script (creates, links, puts, gets,
 * returns, registers, lookups, one round after another) runs against a standing pool's 3-member
 * control plane, and the plane's leader is killed (kill -9) in the middle of it. The script must
 * finish after the election, and every stream-space operation must have been applied exactly
 * once: each round's label holds exactly the copies its put, two gets and a return leave, each
 * name is registered, and each incarnation is there once.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LeaderKillDuringScriptTest extends StandingPoolCase {
    private static final Path MODULES = Path.of("..", "test-scripts", "modules").toAbsolutePath().normalize();
    private static final int ROUNDS = 12;
    /** The round whose registration shows the script is well under way: then the leader dies. */
    private static final int KILL_AFTER = 4;

    @Test
    void theScriptCompletesAfterTheElectionAndNoOperationIsLostOrAppliedTwice() throws Exception {
        Path home = dir.resolve(".rdc");
        Result started = PoolProcesses.rdc(dir, 120, "pool", "start", "--nodes", "2", "--members", "3",
                "--base-port", String.valueOf(PoolProcesses.freeBasePort(3 * 10)), "--dir", home.toString());
        assertEquals(0, started.code(), started.out());
        pool = PoolFile.read(home.resolve("pool"));
        Path script = dir.resolve("reconfigure.rdc");
        Files.writeString(script, """
                module relay = "%1$s/relay.js"
                module counter = "%1$s/counter.js"
                create sink : counter at node 201 { port in on new "sink" }
                forall i in 1..%2$d {
                  create w[i] : relay at node (201 + i %% 2) { port in on new "w${i}.in" }
                  link w[i].out to sink.in
                  put "r${i}" = w[i].in copies 3
                  let a = get "r${i}"
                  let b = get "r${i}"
                  return "r${i}"
                  register "svc${i}" w[i].in
                  assert type(lookup("svc${i}")) == "reference"
                  send w[i].in {from: "w${i}", n: 1}
                }
                wait until (invoke sink.in {op: "count"}).head.count == %2$d within 30s
                let c = (invoke sink.in {op: "count"}).head
                assert c.senders == %2$d and c.gaps == 0, "relayed: ${c}"
                print "script done"
                """.formatted(MODULES, ROUNDS));
        Path out = dir.resolve("script.out");
        Process running = PoolProcesses.start(dir, List.of("run", "--pool", pool.control(), "--rdc", "app", script.toString()), out);
        try (ControlPlane cp = ControlPlanes.client(pool.control(), PoolKey.read(home.resolve("pool.key")))) {
            ControlClient observer = (ControlClient) cp;
            awaitRegistered(cp, "svc" + KILL_AFTER, running, out);
            int leader = observer.leaderMemberId();
            assertTrue(leader >= 0 && leader < 3, "the leader is a member: " + leader);
            ProcessHandle.of(pool.pids().get(leader)).orElseThrow().destroyForcibly(); // kill -9, mid-script
            PoolProcesses.removeKilledMembersDriverDir(home, leader);
            assertFalse(registered(cp, "svc" + ROUNDS), "the leader died before the script's last round");

            if (!running.waitFor(150, TimeUnit.SECONDS)) {
                running.destroyForcibly();
                fail("the script did not finish after the election (leader was member " + leader + "):\n" + Files.readString(out) + PoolProcesses.logs(home));
            }
            String said = Files.readString(out);
            assertEquals(0, running.exitValue(), said + PoolProcesses.logs(home));
            assertTrue(said.contains("script done"), said);
            assertNotEquals(leader, observer.leaderMemberId(), "a new leader was elected");

            // Exactly once: put 3 copies, got 2, returned 1 => 2 left (a get applied twice leaves 1, a return twice 3).
            long app = cp.rdcs().stream().filter(r -> r.name().equals("app")).findFirst().orElseThrow().id();
            List<String> wrong = new ArrayList<>();
            List<String> space = cp.spacePrint(app);
            for (int i = 1; i <= ROUNDS; i++) {
                String prefix = "entry\tr" + i + "\t";
                List<String> entries = space.stream().filter(l -> l.startsWith(prefix)).toList();
                if (entries.size() != 1 || !entries.getFirst().endsWith("\t2 left")) wrong.add("r" + i + ": " + entries);
                if (!registered(cp, "svc" + i)) wrong.add("svc" + i + " not registered");
            }
            assertEquals(List.of(), wrong, "stream space and names after the leader's loss:\n" + String.join("\n", space));
            Map<String, String> names = cp.names(app);
            for (int i = 1; i <= ROUNDS; i++) assertTrue(names.containsKey("incarnation:w[" + i + "]"), "w[" + i + "] was bound: " + names.keySet());
            assertEquals(ROUNDS + 1, names.keySet().stream().filter(n -> n.startsWith("incarnation:")).count(), "one incarnation per create: " + names.keySet());
        }
        // Stopping with a member dead: the two survivors still snapshot the final state.
        Result stopped = PoolProcesses.rdc(dir, 60, "pool", "stop", "--dir", home.toString());
        assertEquals(0, stopped.code(), stopped.out());
        assertTrue(stopped.out().contains("control plane snapshot taken"), stopped.out());
        pool = null;
    }

    private static boolean registered(ControlPlane cp, String name) {
        try {
            cp.lookup(name, 0);
            return true;
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    private static void awaitRegistered(ControlPlane cp, String name, Process script, Path out) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!registered(cp, name)) {
            if (!script.isAlive()) fail("the script ended before registering " + name + ":\n" + Files.readString(out));
            if (System.nanoTime() > end) fail("the script did not register " + name + " within 120 s:\n" + Files.readString(out));
            Thread.sleep(20);
        }
    }
}
