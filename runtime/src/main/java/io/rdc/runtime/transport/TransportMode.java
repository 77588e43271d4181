package io.rdc.runtime.transport;

/** How node kernels reach each other through Aeron. */
public enum TransportMode {
    /** Shared-memory IPC through one media driver: the embedded pool's default. */
    IPC,
    /** UDP unicast to each node's endpoint from the descriptor: separate processes, or one JVM on loopback. */
    UDP
}
