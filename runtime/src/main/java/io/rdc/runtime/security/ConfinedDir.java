package io.rdc.runtime.security;

import io.rdc.runtime.kernel.OperationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * One directory of a machine that requests may name files in, and nothing outside it. A path in a
 * request is resolved against it where the file is, before any file is touched: relative paths land
 * inside, an absolute path must already be inside, and a path that leaves it (by {@code ..}, or by
 * a symbolic link on the way) is refused. No request can so name an arbitrary file of the host.
 * The pool's checkpoint directory ({@link CheckpointDir}) and each RDC's files directory
 * ({@code files.FileSpace}) are two of these; {@code kind} names what is confined, for the refusals.
 */
public class ConfinedDir {
    private final Path dir;
    private final String kind;
    /** Absolute paths are refused even inside: requests name files relative to the directory only. */
    private final boolean relativeOnly;

    public ConfinedDir(Path dir, String kind) {
        this(dir, kind, false);
    }

    public ConfinedDir(Path dir, String kind, boolean relativeOnly) {
        this.dir = dir.toAbsolutePath().normalize();
        this.kind = kind;
        this.relativeOnly = relativeOnly;
    }

    public Path path() {
        return dir;
    }

    /** The file {@code requested} names inside the directory, or a clear refusal; {@code what} names the operation. */
    public Path resolve(String requested, String what) {
        if (requested == null || requested.isBlank()) throw new OperationException(what + ": no file given");
        Path p;
        try {
            p = Path.of(requested);
        } catch (InvalidPathException e) {
            throw new OperationException(what + ": '" + requested + "' is not a valid path: " + e.getMessage());
        }
        if (relativeOnly && p.isAbsolute())
            throw new OperationException(what + ": the path '" + requested + "' is refused: " + kind + " are named relative to their"
                    + " directory; absolute paths are not allowed");
        Path file = (p.isAbsolute() ? p : dir.resolve(p)).normalize();
        if (!file.startsWith(dir) || file.equals(dir))
            throw new OperationException(what + ": the path '" + requested + "' is refused: " + kind + " are confined to " + dir
                    + " (a relative path lands there; absolute paths outside it and '..' that leaves it are not allowed)");
        return file;
    }

    /** As {@link #resolve}, then makes the file's directories (owner-only) and checks no link leads out: for writing. */
    public Path forWriting(String requested, String what) {
        Path file = resolve(requested, what);
        try {
            if (!Files.isDirectory(dir)) {
                if (dir.getFileSystem().supportedFileAttributeViews().contains("posix"))
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                else Files.createDirectories(dir);
            }
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new OperationException(what + ": cannot make the directory of " + file + ": " + e.getMessage(), e);
        }
        checkNoLinkOut(file, requested, what);
        return file;
    }

    /** As {@link #resolve}, checking no link leads out: for reading. */
    public Path forReading(String requested, String what) {
        Path file = resolve(requested, what);
        checkNoLinkOut(file, requested, what);
        return file;
    }

    private void checkNoLinkOut(Path file, String requested, String what) {
        try {
            Path realDir = dir.toRealPath();
            if (Files.exists(file.getParent()) && !file.getParent().toRealPath().startsWith(realDir))
                throw new OperationException(what + ": the path '" + requested + "' is refused: a symbolic link leads out of " + dir);
            if (Files.isSymbolicLink(file))
                throw new OperationException(what + ": the path '" + requested + "' is refused: it is a symbolic link");
        } catch (IOException e) {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) || Files.exists(dir))
                throw new OperationException(what + ": cannot check " + file + ": " + e.getMessage(), e);
            // nothing there yet: a read fails with its own message
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
