package io.rdc.runtime.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads files that a script, an operator or a peer names, with a bound checked on the bytes
 * actually read. {@code Files.size} is 0 for devices such as {@code /dev/zero}, so a size check
 * before reading lets them exhaust memory; here a device or other non-regular file is refused and
 * at most {@code max + 1} bytes are ever read.
 */
public final class BoundedFiles {
    /** Scripts and modules: far above any real one, far below what hurts a node. */
    public static final int SOURCE_LIMIT = 16 << 20;

    private BoundedFiles() {}

    public static byte[] readBytes(Path file, int max) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file))
            throw new IOException(file + " is not a regular file");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(max + 1);
            if (b.length > max) throw new IOException(file + " is larger than " + max + " bytes");
            return b;
        }
    }

    public static String readString(Path file, int max) throws IOException {
        return new String(readBytes(file, max), StandardCharsets.UTF_8);
    }

    public static String readSource(Path file) throws IOException {
        return readString(file, SOURCE_LIMIT);
    }
}
