package io.rdc.runtime.pool;

import io.rdc.runtime.kernel.ControlPlane;

/** Connects a pool to its control plane: one member started in this JVM, or a standing pool's members. */
final class ControlPlanes {
    private ControlPlanes() {}

    static ControlPlane connect(String control, EmbeddedPool owner) {
        throw new UnsupportedOperationException("control plane not yet wired: " + control);
    }
}
