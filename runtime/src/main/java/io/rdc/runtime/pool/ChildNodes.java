package io.rdc.runtime.pool;

import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.node.NodeInfo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Node kernels in child JVMs ({@link NodeMain}) over UDP on loopback, for tests and benchmarks across processes. A child stops when this closes its stdin, so none outlives its starter. */
public final class ChildNodes implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    public final NodeDescriptor descriptor;
    public final Path file;
    /** The pool's key, shared with the children through an owner-only file. */
    public final io.rdc.runtime.security.PoolKey key = io.rdc.runtime.security.PoolKey.generate();
    private final Path keyFile;
    /** Children started after this is set run without frame authentication (benchmark comparisons only). */
    public boolean authOff;

    /** A descriptor of {@code count} nodes numbered from 201, on free loopback UDP ports. */
    public ChildNodes(int count) throws IOException {
        this(count, i -> List.of(i == 0 ? "systems" : "exclusive", "all"));
    }

    /** As {@link #ChildNodes(int)}, node {@code 201 + i} in the groups {@code groups.apply(i)}. */
    public ChildNodes(int count, java.util.function.IntFunction<List<String>> groups) throws IOException {
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int port;
            try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            nodes.add(new NodeInfo(201 + i, "node" + (i + 1), groups.apply(i), "jvm", Map.of("endpoint", "127.0.0.1:" + port)));
        }
        descriptor = NodeDescriptor.of(nodes);
        file = Files.createTempFile("rdc-nodes", ".txt");
        StringBuilder sb = new StringBuilder();
        for (NodeInfo n : nodes)
            sb.append(n.id()).append(':').append(n.name()).append(':').append(String.join(",", n.groups())).append(":jvm:endpoint=").append(n.endpoint()).append('\n');
        Files.writeString(file, sb.toString());
        Path keyDir = Files.createTempDirectory("rdc-key", java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        keyFile = key.write(keyDir.resolve("pool.key"));
    }

    /** A configuration for nodes of this JVM that join the children's pool (same descriptor and key; UDP). */
    public PoolConfig config(Set<Integer> localNodes) {
        return PoolConfig.defaults().withDescriptor(descriptor).withTransport(io.rdc.runtime.transport.TransportMode.UDP)
                .withLocalNodes(localNodes).withKey(key).withAuth(!authOff);
    }

    public void start(int id) throws IOException {
        start(id, "backoff");
    }

    /** Starts node {@code id} in a child JVM with the given idle strategy and waits until it is ready. */
    public void start(int id, String idle) throws IOException {
        start(id, idle, NodeMain.class.getName());
    }

    /**
     * As {@link #start(int, String)}, the child JVM running {@code mainClass} instead of {@link NodeMain}: a
     * main that takes NodeMain's arguments followed by {@code extraArgs} (the benchmarks' node with a sink).
     */
    public void start(int id, String idle, String mainClass, String... extraArgs) throws IOException {
        startOn(null, id, idle, mainClass, extraArgs);
    }

    /**
     * As {@link #start(int, String, String, String...)}, the child confined to the processors
     * {@code cpus} names ({@code taskset -c}, e.g. "0" or "1,3"; null: anywhere), so that a
     * benchmark can give each node its own processor, as machines of a pool have.
     */
    public void startOn(String cpus, int id, String idle, String mainClass, String... extraArgs) throws IOException {
        List<String> cmd = new ArrayList<>(io.rdc.runtime.util.JavaCommand.of(mainClass));
        if (cpus != null) cmd.addAll(0, List.of("taskset", "-c", cpus));
        if (authOff) cmd.add(cmd.size() - 1, "-Drdc.auth=off");
        cmd.add("--key");
        cmd.add(keyFile.toString());
        cmd.add(String.valueOf(id));
        cmd.add(file.toString());
        cmd.add(idle);
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        processes.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
        long end = System.currentTimeMillis() + 60_000;
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("node " + id + " ready")) break;
            if (System.currentTimeMillis() > end) throw new IOException("node " + id + " did not start");
        }
        if (line == null) throw new IOException("node " + id + " exited before it was ready");
        Thread.ofVirtual().start(() -> {
            try {
                String l;
                while ((l = out.readLine()) != null) System.err.println("[node " + id + "] " + l);
            } catch (IOException ignored) {
                // child gone
            }
        });
    }

    @Override
    public void close() throws IOException {
        for (Process p : processes) p.getOutputStream().close(); // the child stops when its stdin closes
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        Files.deleteIfExists(file);
        Files.deleteIfExists(keyFile);
        Files.deleteIfExists(keyFile.getParent());
    }
}
