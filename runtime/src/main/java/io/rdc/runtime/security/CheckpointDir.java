package io.rdc.runtime.security;

import io.rdc.runtime.kernel.OperationException;
import java.nio.file.Path;

/**
 * The one directory of a machine where a pool's checkpoints may be written and read (a
 * {@link ConfinedDir}): no checkpoint or restore request can name an arbitrary file of the host.
 */
public final class CheckpointDir extends ConfinedDir {
    public CheckpointDir(Path dir) {
        super(dir, "checkpoints");
    }

    @Override
    public Path resolve(String requested, String what) {
        if (requested == null || requested.isBlank()) throw new OperationException(what + ": no checkpoint file given");
        return super.resolve(requested, what);
    }
}
