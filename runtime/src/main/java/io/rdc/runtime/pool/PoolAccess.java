package io.rdc.runtime.pool;

import io.rdc.runtime.kernel.OperationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who may use a pool's nodes (docs/pool.md): the pool users file (fig. 3.4; null: none, every user
 * may use every node) and the access list of each node that has one (node id → file).
 */
public record PoolAccess(Path usersFile, Map<Integer, Path> accessLists) {
    public static final PoolAccess NONE = new PoolAccess(null, Map.of());

    public PoolAccess {
        accessLists = Map.copyOf(accessLists);
    }

    public PoolAccess withUsers(Path file) {
        return new PoolAccess(file, accessLists);
    }

    public PoolAccess withAccessList(int node, Path file) {
        Map<Integer, Path> m = new TreeMap<>(accessLists);
        m.put(node, file);
        return new PoolAccess(usersFile, m);
    }

    /** The users file's text, read now (it is loaded into the control plane, which keeps it in its state). */
    public static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new OperationException("pool users file " + file + ": cannot be read (" + e.getMessage() + ")");
        }
    }
}
