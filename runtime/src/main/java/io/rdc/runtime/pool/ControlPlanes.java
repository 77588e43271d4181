package io.rdc.runtime.pool;

import io.rdc.runtime.control.ControlClient;
import io.rdc.runtime.control.ControlClientConfig;
import io.rdc.runtime.control.ControlPlaneMember;
import io.rdc.runtime.control.EmbeddedControlPlane;
import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.security.PoolKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Connects a pool to its control plane: one member started in this JVM, or a standing pool's members. */
public final class ControlPlanes {
    private ControlPlanes() {}

    /** The class a standing pool's control-plane member process runs. */
    public static final String MEMBER_MAIN = ControlPlaneMember.class.getName();

    /**
     * The pool's control plane: for {@link PoolConfig#EMBEDDED_CONTROL} a member started in this JVM
     * (handed to {@code owner} to stop after its kernels), else a client of the members at the
     * address, sharing the pool's media driver ({@code aeronDir}).
     */
    static ControlPlane connect(String control, EmbeddedPool owner, String aeronDir, PoolKey key) {
        if (PoolConfig.EMBEDDED_CONTROL.equals(control)) {
            // Its clients are in this JVM, on the member's driver: IPC both ways (a get's p50 72 µs against 418 µs over UDP
            // loopback with the default back-off, docs/control-plane.md "Fewer threads").
            EmbeddedControlPlane plane = EmbeddedControlPlane.start(key.bytes(), io.rdc.runtime.control.ControlService.DEFAULT_UNREACHABLE_AFTER_MS,
                    null, io.rdc.runtime.control.ControlThreads.DEDICATED_IPC);
            owner.ownControl(plane);
            return ControlClient.connect(plane.clientConfig());
        }
        return ControlClient.connect(ControlClientConfig.of(control).withAeronDirectory(aeronDir).withPoolKey(key.bytes()));
    }

    /** A client of the control plane at {@code address}, for commands that only read or change its state (its own media driver). */
    public static ControlPlane client(String address, PoolKey key) {
        return ControlClient.connect(ControlClientConfig.of(address).withPoolKey(key.bytes()));
    }

    /** The ingress endpoints of {@code members} members on this machine whose ports start at {@code basePort}. */
    public static String address(int members, int basePort) {
        List<String> out = new ArrayList<>();
        for (ControlPlaneMember.Endpoints e : ControlPlaneMember.derive(Collections.nCopies(members, "localhost"), basePort)) out.add(e.ingressEndpoint());
        return String.join(",", out);
    }

    /**
     * Asks a standing pool's running control plane (its members' directory) for a snapshot, and
     * waits until it is taken; null then, else why not. See {@link ControlPlaneMember#snapshotRunning}.
     *
     * @param running the members whose processes run
     */
    public static String snapshotStanding(Path controlDir, java.util.Set<Integer> running) {
        return ControlPlaneMember.snapshotRunning(controlDir.toFile(), running);
    }

    /** How many ports each member uses from its base. */
    public static int portsPerMember() {
        return ControlPlaneMember.PORTS_PER_MEMBER;
    }

    /** The arguments of member {@code i}'s daemon process. */
    public static List<String> memberArgs(int i, int members, int basePort, Path dir, Path keyFile) {
        return List.of("--id", String.valueOf(i), "--hosts", String.join(",", Collections.nCopies(members, "localhost")),
                "--base-port", String.valueOf(basePort), "--dir", dir.toString(), "--key-file", keyFile.toString(), "--daemon", "true");
    }
}
