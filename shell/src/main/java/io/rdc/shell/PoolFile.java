package io.rdc.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a standing pool is: the file {@code rdc pool start} writes to {@code .rdc/pool} in its
 * working folder, which later commands look for there, in the parent folders and in
 * {@code ~/.rdc/pool}. Lines of {@code key=value}: {@code control} (the control plane's ingress
 * endpoints), {@code pids} (the processes {@code rdc pool stop} ends), {@code dir} (logs and the
 * control plane's state), {@code key} (the pool's key file, readable only by its owner).
 */
record PoolFile(Path file, String control, List<Long> pids, Path dir, Path key) {

    static Optional<PoolFile> find(Path from) {
        for (Path d = from; d != null; d = d.getParent()) {
            Path f = d.resolve(".rdc").resolve("pool");
            if (Files.isRegularFile(f)) return Optional.of(read(f));
        }
        Path home = Path.of(System.getProperty("user.home"), ".rdc", "pool");
        return Files.isRegularFile(home) ? Optional.of(read(home)) : Optional.empty();
    }

    /** The pool's key: from the pool file's key= line, else $RDC_POOL_KEY or ~/.rdc/pool.key. */
    io.rdc.runtime.security.PoolKey poolKey() {
        return io.rdc.runtime.security.PoolKey.read(key);
    }

    static PoolFile read(Path f) {
        Map<String, String> kv = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(f)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) kv.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the pool file " + f + ": " + e.getMessage(), e);
        }
        String control = kv.get("control");
        if (control == null || control.isBlank()) throw new IllegalStateException(f + ": no control= line (is it a pool file written by rdc pool start?)");
        List<Long> pids = new ArrayList<>();
        for (String p : kv.getOrDefault("pids", "").split(",")) if (!p.isBlank()) pids.add(Long.parseLong(p.trim()));
        return new PoolFile(f, control, pids, Path.of(kv.getOrDefault("dir", f.getParent().toString())),
                kv.containsKey("key") ? Path.of(kv.get("key")) : io.rdc.runtime.security.PoolKey.defaultFile());
    }

    void write() throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder sb = new StringBuilder("# a standing rdc pool, written by rdc pool start; rdc pool stop ends it\n");
        sb.append("control=").append(control).append('\n');
        sb.append("pids=").append(String.join(",", pids.stream().map(String::valueOf).toList())).append('\n');
        sb.append("dir=").append(dir).append('\n');
        sb.append("key=").append(key).append('\n');
        Files.writeString(file, sb.toString());
    }
}
