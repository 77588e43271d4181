package io.rdc.runtime.pool;

import io.rdc.runtime.kernel.ControlPlane;
import java.nio.file.Path;
import java.util.List;

/** Connects a pool to its control plane: one member started in this JVM, or a standing pool's members. */
public final class ControlPlanes {
    private ControlPlanes() {}

    /** The class a standing pool's control-plane member process runs. */
    public static final String MEMBER_MAIN = "io.rdc.runtime.control.ControlPlaneMember";

    static ControlPlane connect(String control, EmbeddedPool owner) {
        if (PoolConfig.EMBEDDED_CONTROL.equals(control)) return null; // TODO(integration): start the embedded member
        throw new UnsupportedOperationException("control plane not yet wired: " + control);
    }

    /** A client of the control plane at {@code address}, for commands that only read or change its state. */
    public static ControlPlane client(String address) {
        throw new UnsupportedOperationException("control plane not yet wired: " + address);
    }

    /** The ingress endpoints of {@code members} members whose ports start at {@code basePort}. */
    public static String address(int members, int basePort) {
        throw new UnsupportedOperationException();
    }

    /** The arguments of member {@code i}'s process. */
    public static List<String> memberArgs(int i, int members, int basePort, Path dir) {
        throw new UnsupportedOperationException();
    }
}
