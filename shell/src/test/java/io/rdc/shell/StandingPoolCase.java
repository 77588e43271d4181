package io.rdc.shell;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A test that starts a standing pool of processes in a folder of its own: the folder, the pool, and the pool's end after each test. */
abstract class StandingPoolCase {
    @TempDir
    Path dir;

    /** The pool the test started (PoolProcesses.startPool), or null. */
    PoolFile pool;

    @AfterEach
    void endPool() {
        PoolProcesses.endPool(pool);
    }
}
