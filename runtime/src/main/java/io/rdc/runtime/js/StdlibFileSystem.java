package io.rdc.runtime.js;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.graalvm.polyglot.io.FileSystem;

/**
 * The only files a JavaScript incarnation can see: rdc's JavaScript standard library, read-only
 * and in memory, so a module can {@code import { serverPeer } from "rdc/peer.js"}. A specifier
 * {@code rdc/NAME.js} (or {@code /rdc/NAME.js}) is served from the runtime jar's
 * {@code io/rdc/stdlib/NAME.js}, which the build copies from the repository's {@code stdlib/}.
 * Everything else — other paths, writing, listing directories — fails as if absent or denied, so
 * the sandbox still has no I/O.
 */
final class StdlibFileSystem implements FileSystem {
    static final String PREFIX = "/rdc/";
    private static final Path ROOT = Path.of("/");
    private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();
    private static final byte[] ABSENT = new byte[0];

    /** The file's bytes, or null when the stdlib has no such file. */
    private static byte[] content(Path p) {
        String s = ROOT.resolve(p).normalize().toString();
        if (!s.startsWith(PREFIX) || !s.endsWith(".js")) return null;
        String name = s.substring(PREFIX.length());
        if (name.contains("/")) return null;
        byte[] b = CACHE.computeIfAbsent(name, n -> {
            try (InputStream in = StdlibFileSystem.class.getResourceAsStream("/io/rdc/stdlib/" + n)) {
                return in == null ? ABSENT : in.readAllBytes();
            } catch (IOException e) {
                return ABSENT;
            }
        });
        return b == ABSENT ? null : b;
    }

    private static byte[] existing(Path p) throws NoSuchFileException {
        byte[] b = content(p);
        if (b == null) throw new NoSuchFileException(p + " (incarnations can import only rdc's library: rdc/NAME.js)");
        return b;
    }

    @Override
    public Path parsePath(URI uri) {
        if (!"file".equals(uri.getScheme())) throw new UnsupportedOperationException("only rdc/NAME.js can be imported, not " + uri);
        return Path.of(uri.getPath());
    }

    @Override
    public Path parsePath(String path) {
        return Path.of(path);
    }

    @Override
    public void checkAccess(Path path, Set<? extends AccessMode> modes, LinkOption... options) throws IOException {
        existing(path);
        if (modes.contains(AccessMode.WRITE) || modes.contains(AccessMode.EXECUTE)) throw new AccessDeniedException(path.toString());
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        throw new AccessDeniedException(dir.toString());
    }

    @Override
    public void delete(Path path) throws IOException {
        throw new AccessDeniedException(path.toString());
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
        for (OpenOption o : options)
            if (o != StandardOpenOption.READ) throw new AccessDeniedException(path.toString());
        return new ReadOnlyChannel(existing(path));
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
        throw new AccessDeniedException(dir.toString());
    }

    @Override
    public Path toAbsolutePath(Path path) {
        return ROOT.resolve(path);
    }

    @Override
    public Path toRealPath(Path path, LinkOption... options) {
        return ROOT.resolve(path).normalize();
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        byte[] b = existing(path);
        return Map.of("isRegularFile", true, "isDirectory", false, "isSymbolicLink", false, "isOther", false,
                "size", (long) b.length);
    }

    private static final class ReadOnlyChannel implements SeekableByteChannel {
        private final byte[] bytes;
        private int position;
        private boolean open = true;

        ReadOnlyChannel(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (position >= bytes.length) return -1;
            int n = Math.min(dst.remaining(), bytes.length - position);
            dst.put(bytes, position, n);
            position += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new NonWritableChannelException();
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public SeekableByteChannel position(long p) {
            position = (int) Math.min(p, bytes.length);
            return this;
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public SeekableByteChannel truncate(long size) {
            throw new NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
