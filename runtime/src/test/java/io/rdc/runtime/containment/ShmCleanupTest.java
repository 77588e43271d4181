package io.rdc.runtime.containment;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.pool.EmbeddedPool;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** /dev/shm directories: removed when the JVM is stopped with SIGTERM, and a starting pool removes those of dead processes. */
class ShmCleanupTest {

    @Test
    void aStartingPoolRemovesTheDirectoriesOfDeadProcesses() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        File stale = new File(baseDir(), "rdc-" + gone.pid() + "-1");
        assertTrue(stale.mkdirs() || stale.isDirectory());
        Files.writeString(stale.toPath().resolve("cnc.dat"), "left by a killed node");
        File live = new File(baseDir(), "rdc-" + ProcessHandle.current().pid() + "-999999");
        assertTrue(live.mkdirs() || live.isDirectory());
        try (EmbeddedPool pool = EmbeddedPool.start()) {
            assertFalse(stale.exists(), "the directory of a dead process stays: " + stale);
            assertTrue(live.exists(), "a live process's directory was removed");
        } finally {
            org.agrona.IoUtil.delete(live, true);
            org.agrona.IoUtil.delete(stale, true);
        }
    }

    @Test
    void sigtermRemovesThePoolsDirectory() throws Exception {
        List<String> cmd = new ArrayList<>(ContainmentTest.childJvm());
        cmd.add(PoolThenWait.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
            String dir = null, line;
            long end = System.currentTimeMillis() + 60_000;
            while (dir == null && (line = out.readLine()) != null && System.currentTimeMillis() < end)
                if (line.startsWith("dir ")) dir = line.substring(4);
            assertNotNull(dir, "the child did not start its pool");
            assertTrue(new File(dir).isDirectory());
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the child did not exit on SIGTERM");
            assertFalse(new File(dir).exists(), "SIGTERM left " + dir);
        } finally {
            p.destroyForcibly();
        }
    }

    private static String baseDir() {
        File shm = new File("/dev/shm");
        return shm.isDirectory() && shm.canWrite() ? shm.getPath() : System.getProperty("java.io.tmpdir");
    }

    /** A child: starts a pool, says where its directory is, waits to be stopped. */
    public static final class PoolThenWait {
        public static void main(String[] args) throws Exception {
            EmbeddedPool pool = EmbeddedPool.start();
            System.out.println("dir " + pool.aeronDirectory());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
