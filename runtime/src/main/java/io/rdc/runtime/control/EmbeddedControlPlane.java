package io.rdc.runtime.control;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.util.List;
import org.agrona.IoUtil;

/**
 * A one-member control plane inside this JVM, for the embedded pool: free loopback ports, its log
 * over IPC, its directory a temporary one deleted on close (or a given one that is kept, so the
 * plane can be restarted on it). {@link #startMillis()} says how long it took to come up.
 */
public final class EmbeddedControlPlane implements AutoCloseable {
    private final ControlPlaneMember member;
    private final File dir;
    private final boolean ownsDir;
    private final long startMillis;

    private EmbeddedControlPlane(File dir, boolean ownsDir, byte[] poolKey, long unreachableAfterMs, ControlIdle idle, SnapshotPolicy snapshots,
            ControlThreads threads) {
        long t0 = System.nanoTime();
        this.dir = dir;
        this.ownsDir = ownsDir;
        ControlPlaneMember m = null;
        try {
            // Clients connect with a 5 s bound, so the plane is handed out only once it leads. A
            // member that does not lead in time (a loaded machine, or a port taken between the
            // probe and the bind) is started once more on fresh ports before this gives up.
            // A keyed plane signs operator tokens with a key of its own (tokenKey).
            io.rdc.runtime.security.OperatorTokens.SigningKey signing = poolKey == null ? null : tokenKey(dir, ownsDir);
            for (int attempt = 1; m == null; attempt++) {
                int[] ports = freeUdpPorts(4);
                ControlPlaneMember.Endpoints e = new ControlPlaneMember.Endpoints("localhost", ports[0], ports[1], ports[2], 0, ports[3]);
                ControlPlaneMember started = ControlPlaneMember.start(new ControlPlaneMember.Config(0, List.of(e), dir, poolKey, unreachableAfterMs, idle, snapshots,
                        signing, threads));
                if (awaitLeader(started, LEAD_WITHIN_MS)) {
                    m = started;
                } else {
                    started.close();
                    if (attempt == 2) throw new IllegalStateException("embedded control plane did not elect itself leader within "
                            + LEAD_WITHIN_MS / 1000 + " s, twice (ports " + e + ")");
                }
            }
        } catch (RuntimeException ex) {
            if (ownsDir) IoUtil.delete(dir, true);
            throw ex;
        }
        member = m;
        startMillis = (System.nanoTime() - t0) / 1_000_000;
    }

    /** How long a starting one-member plane may take to lead (it usually takes well under a second). */
    static final long LEAD_WITHIN_MS = 20_000;

    private static boolean awaitLeader(ControlPlaneMember member, long withinMs) {
        long deadline = System.nanoTime() + withinMs * 1_000_000;
        while (!member.isLeader()) {
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(5);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * The key a keyed plane signs operator tokens with: a new one for a temporary plane, and for a
     * plane on a kept directory the one in that directory (made there first), so that a restarted
     * plane's tokens are still those its pool's nodes know the key of.
     */
    private static io.rdc.runtime.security.OperatorTokens.SigningKey tokenKey(File dir, boolean temporary) {
        if (temporary) return io.rdc.runtime.security.OperatorTokens.SigningKey.generate();
        try {
            Files.createDirectories(dir.toPath());
        } catch (IOException ex) {
            throw new UncheckedIOException("embedded control plane: cannot make " + dir, ex);
        }
        return io.rdc.runtime.security.OperatorTokens.SigningKey.readOrCreate(dir.toPath().resolve("token-signing.key"));
    }

    /** A plane on a temporary directory (deleted on close), without a key. */
    public static EmbeddedControlPlane start() {
        return start(null, ControlService.DEFAULT_UNREACHABLE_AFTER_MS);
    }

    public static EmbeddedControlPlane start(byte[] poolKey, long unreachableAfterMs) {
        return start(poolKey, unreachableAfterMs, null);
    }

    /** A plane on a temporary directory whose agents (and clients from {@link #clientConfig()}) wait as {@code idle} says (null: the default). */
    public static EmbeddedControlPlane start(byte[] poolKey, long unreachableAfterMs, ControlIdle idle) {
        return start(poolKey, unreachableAfterMs, idle, null);
    }

    /** As {@link #start(byte[], long, ControlIdle)}, with its parts on as many threads as {@code threads} says (null: the default, dedicated). */
    public static EmbeddedControlPlane start(byte[] poolKey, long unreachableAfterMs, ControlIdle idle, ControlThreads threads) {
        try {
            return new EmbeddedControlPlane(Files.createTempDirectory("rdc-control-").toFile(), true, poolKey, unreachableAfterMs, idle, null, threads);
        } catch (IOException ex) {
            throw new UncheckedIOException("embedded control plane: no temporary directory", ex);
        }
    }

    /** A plane on {@code dir}, kept on close: starting again on it restores the state. */
    public static EmbeddedControlPlane startOn(File dir, byte[] poolKey, long unreachableAfterMs) {
        return startOn(dir, poolKey, unreachableAfterMs, null);
    }

    /** A plane on {@code dir}, kept on close, snapshotting as {@code snapshots} says (null: the default). */
    public static EmbeddedControlPlane startOn(File dir, byte[] poolKey, long unreachableAfterMs, SnapshotPolicy snapshots) {
        return new EmbeddedControlPlane(dir, false, poolKey, unreachableAfterMs, null, snapshots, null);
    }

    /** A client config for this plane; clients in this JVM share the member's media driver. */
    public ControlClientConfig clientConfig() {
        return new ControlClientConfig(member.config().ingressEndpoints(), ControlClientConfig.DEFAULT_TIMEOUT, member.config().poolKey(),
                ControlClientConfig.processPrincipal(), member.aeronDirectoryName(), "localhost", member.config().idle(), false, member.config().threads());
    }

    /** Connects a client (with this plane's key, if any). */
    public ControlClient connect() {
        return ControlClient.connect(clientConfig());
    }

    public List<String> ingressEndpoints() {
        return member.config().ingressEndpoints();
    }

    public File dir() {
        return dir;
    }

    /** Snapshots the state now (see {@link ControlPlaneMember#takeSnapshot}). */
    public boolean takeSnapshot(java.time.Duration timeout) {
        return member.takeSnapshot(timeout);
    }

    /** This plane's member (its snapshot counters, among others). */
    public ControlPlaneMember member() {
        return member;
    }

    public long startMillis() {
        return startMillis;
    }

    @Override
    public void close() {
        member.close();
        if (ownsDir) IoUtil.delete(dir, true);
    }

    /** Ports the OS says are free now (a small race with other processes, as with any port-0 probe). */
    static int[] freeUdpPorts(int n) {
        DatagramSocket[] s = new DatagramSocket[n];
        int[] ports = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                s[i] = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                ports[i] = s[i].getLocalPort();
            }
            return ports;
        } catch (IOException ex) {
            throw new UncheckedIOException("embedded control plane: no free UDP port", ex);
        } finally {
            for (DatagramSocket d : s) if (d != null) d.close();
        }
    }
}
