package io.rdc.runtime;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.ModuleStore;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** One embedded 4-node pool per test class (starting a pool costs ~100 ms; a fresh operator per test is a fresh RDC). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class PoolFixture {
    protected EmbeddedPool pool;

    @BeforeAll
    void startPool() {
        try {
            // Checkpoints and incarnations' files of tests go to directories of their own, not under the working directory.
            pool = EmbeddedPool.start(PoolConfig.defaults().withCheckpointDir(java.nio.file.Files.createTempDirectory("rdc-checkpoints"))
                    .withFilesDir(java.nio.file.Files.createTempDirectory("rdc-files")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    void stopPool() {
        if (pool != null) pool.close();
    }

    protected Operator operator() {
        return pool.newOperator();
    }

    protected static final Duration T = Duration.ofSeconds(10);

    /** Creates an incarnation of inline module code with one port on a new channel labelled {@code label}. */
    protected Ref serve(Operator op, String code, int node, String label) {
        ModuleStore.Module m = op.module("m" + Integer.toHexString(code.hashCode()), code);
        return op.create(m, node, null, List.of(Iface.portNew("in", label, null)));
    }

    /** As {@link #serve}, then a stream to it from stream space. */
    protected Ref serveAndConnect(Operator op, String code, int node, String label) {
        serve(op, code, node, label);
        return op.spaceGet(label, T);
    }
}
