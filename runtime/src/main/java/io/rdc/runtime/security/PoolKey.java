package io.rdc.runtime.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;

/**
 * The pool's secret: 32 random bytes that every node, control-plane member and operator of one pool
 * holds, and nothing else. Kernels MAC every frame with it ({@link FrameAuth}) and checkpoint files
 * ({@link io.rdc.runtime.kernel.CheckpointFile}). Made with {@link SecureRandom} at pool start, or
 * read from a file that only its owner may read (a group- or world-readable key file is refused:
 * a key others can read is no key). The file holds the key as 64 hex digits and a newline.
 */
public final class PoolKey {
    public static final int LENGTH = 32;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] bytes;

    private PoolKey(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A new random key. */
    public static PoolKey generate() {
        byte[] b = new byte[LENGTH];
        new SecureRandom().nextBytes(b);
        return new PoolKey(b);
    }

    /** A key from raw bytes (tests, and keys derived elsewhere); at least 32 bytes. */
    public static PoolKey of(byte[] raw) {
        if (raw.length < LENGTH) throw new IllegalArgumentException("a pool key has at least " + LENGTH + " bytes, not " + raw.length);
        return new PoolKey(raw.clone());
    }

    /**
     * Reads a key file, refusing one that others than its owner can read or write, a symbolic
     * link, or one that does not hold 64 hex digits.
     */
    public static PoolKey read(Path file) {
        try {
            if (Files.isSymbolicLink(file)) throw new SecurityException("cannot use pool key file " + file + ": it is a symbolic link");
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))
                throw new SecurityException("cannot use pool key file " + file + ": it does not exist or is not a regular file");
            PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (posix != null) {
                Set<PosixFilePermission> perms = posix.readAttributes().permissions();
                if (!OWNER_ONLY.containsAll(perms))
                    throw new SecurityException("refusing pool key file " + file + ": its permissions are " + PosixFilePermissions.toString(perms)
                            + "; a key file must be readable only by its owner (chmod 600 " + file + ")");
            }
            String text = io.rdc.runtime.util.BoundedFiles.readString(file, 1024).strip();
            byte[] raw;
            try {
                raw = HexFormat.of().parseHex(text);
            } catch (IllegalArgumentException e) {
                throw new SecurityException("cannot use pool key file " + file + ": it must hold the key as " + 2 * LENGTH + " hex digits");
            }
            if (raw.length < LENGTH)
                throw new SecurityException("cannot use pool key file " + file + ": the key has " + raw.length + " bytes, at least " + LENGTH + " are needed");
            return new PoolKey(raw);
        } catch (IOException e) {
            throw new SecurityException("cannot read pool key file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes this key to a new file readable only by its owner (made so before the key goes in). */
    public Path write(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix"))
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            else Files.createFile(file);
            Files.writeString(file, HexFormat.of().formatHex(bytes) + "\n");
            return file;
        } catch (IOException e) {
            throw new SecurityException("cannot write pool key file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The key in {@code file}, made there (owner-only) first if there is none: the single-user
     * default, where every process of one user on one machine shares {@code ~/.rdc/pool.key}.
     */
    public static PoolKey readOrCreate(Path file) {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                generate().write(file);
            } catch (SecurityException e) {
                if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) throw e; // else another process made it first
            }
        }
        return read(file);
    }

    /** The default key file of a user's single-user pools: {@code $RDC_POOL_KEY}, else {@code ~/.rdc/pool.key}. */
    public static Path defaultFile() {
        String env = System.getenv("RDC_POOL_KEY");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".rdc", "pool.key");
    }

    /** A copy of the key's bytes (for building MACs; callers must not keep it longer than needed). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** A short, non-secret fingerprint for logs: the first 4 bytes of SHA-256 of the key. */
    public String fingerprint() {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(h, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolKey k && java.security.MessageDigest.isEqual(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "PoolKey[" + fingerprint() + "]";
    }
}
