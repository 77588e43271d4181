package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.shell.PoolProcesses.Result;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13's failure cases for an operator, each command a process of its own: a pool address
 * where nothing answers, and a control plane (its only member) killed under a running script.
 * Both must fail with an error naming the plane, in bounded time (docs/deployment.md, "An
 * unreachable control plane").
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class UnreachablePlaneTest extends StandingPoolCase {

    @Test
    void aPoolAddressWhereNothingAnswersIsAClearErrorWithinSeconds() throws Exception {
        int port = PoolProcesses.freeBasePort(1);
        Path home = Files.createDirectories(dir.resolve(".rdc"));
        Path key = home.resolve("pool.key");
        io.rdc.runtime.security.PoolKey.readOrCreate(key);
        // What a pool that is gone leaves behind: the command finds it as it would a live one.
        new PoolFile(home.resolve("pool"), "localhost:" + port, List.of(), home, key).write();
        Path hello = Files.writeString(dir.resolve("hello.rdc"), "print \"hello\"\n");
        long t0 = System.nanoTime();
        Result r = PoolProcesses.rdc(dir, 120, "run", hello.toString());
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("control plane at localhost:" + port + " did not answer within 5 s"), r.out());
        assertFalse(r.out().lines().anyMatch("hello"::equals), "the script did not run: " + r.out());
        assertTrue(seconds < 60, "within seconds (the JVM's start included, on a loaded machine): " + seconds + " s");
    }

    @Test
    void aScriptWhoseControlPlaneIsKilledFailsNamingIt() throws Exception {
        Path home = dir.resolve(".rdc");
        pool = PoolProcesses.startPool(dir, home, "--nodes", "1", "--base-port", String.valueOf(PoolProcesses.freeBasePort(10)));
        Path modules = Path.of("..", "test-scripts", "modules").toAbsolutePath().normalize();
        Path loop = Files.writeString(dir.resolve("loop.rdc"), """
                module echo = "%s/echo.js"
                create e : echo at node 201 { port in on new "e.in" }
                put "tok" = e.in copies 1
                forall i in 1..100000 {
                  let t = get "tok"
                  return "tok"
                  print "round ${i}"
                  sleep 50ms
                }
                """.formatted(modules));
        Path out = dir.resolve("loop.out");
        Process looping = PoolProcesses.start(dir, List.of("run", "--pool", pool.control(), "--rdc", "loop", loop.toString()), out);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(out).contains("round 3") && System.nanoTime() < until && looping.isAlive()) Thread.sleep(100);
        assertTrue(Files.readString(out).contains("round 3"), Files.readString(out));

        ProcessHandle.of(pool.pids().get(0)).orElseThrow().destroyForcibly(); // kill -9 of the only member
        long t0 = System.nanoTime();
        PoolProcesses.removeKilledMembersDriverDir(home, 0);
        assertTrue(looping.waitFor(120, TimeUnit.SECONDS), "the script ended: " + Files.readString(out));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        String said = Files.readString(out);
        assertEquals(1, looping.exitValue(), said);
        // A get used to wait out its 30 s and then guess: "no copy became available (or the control plane … is unreachable)".
        assertTrue(said.contains("the control plane at " + pool.control() + " is unreachable")
                || said.contains("control plane at " + pool.control() + " did not answer within 5 s"), said);
        assertFalse(said.contains("no copy of 'tok' became available"), said);
        assertTrue(seconds < 60, "bounded: " + seconds + " s");

        Result stopped = PoolProcesses.rdc(dir, 60, "pool", "stop", "--dir", home.toString());
        assertEquals(0, stopped.code(), stopped.out());
        for (Long pid : pool.pids()) assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " ended");
    }
}
