package io.rdc.runtime.files;

import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.security.ConfinedDir;
import java.nio.file.Path;

/**
 * The pool's file namespace (docs/files.md): one directory, seen at the same path by every node
 * (one machine, or shared storage), holding a directory per RDC. An incarnation names files
 * relative to its RDC's directory and can reach nothing else: absolute paths are refused outright,
 * and a path that leaves the directory by {@code ..} or through a symbolic link is refused by
 * {@link ConfinedDir}, before any file is touched. That is how access follows the RDC: no RDC's
 * incarnation can name another RDC's files, or the host's.
 */
public final class FileSpace {
    private final Path root;

    public FileSpace(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /**
     * The directory of RDC {@code rdc}'s files as {@code node} sees it: under its descriptor's
     * {@code files=} attribute when it has one (shared storage mounted elsewhere there), else under
     * the pool's directory.
     */
    public ConfinedDir of(NodeInfo node, long rdc) {
        String mount = node == null ? null : node.attributes().get("files");
        Path base = mount == null || mount.isBlank() ? root : Path.of(mount).toAbsolutePath().normalize();
        return new ConfinedDir(base.resolve("rdc-" + Ids.show(rdc)), "an RDC's files", true);
    }
}
