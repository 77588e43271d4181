package io.rdc.runtime.kernel;

/**
 * One declarative interface of a child incarnation (§5.2): a stream to the channel labelled
 * {@code label}, a port on a new channel deposited under {@code label}, or a port on an existing
 * channel found under {@code label}; optionally a handle deposited under {@code handleLabel}.
 */
public record Iface(Kind kind, String name, String label, String handleLabel) {
    public enum Kind { STREAM, PORT_NEW, PORT_EXISTING }

    public static Iface stream(String name, String label, String handle) {
        return new Iface(Kind.STREAM, name, label, handle);
    }

    public static Iface portNew(String name, String label, String handle) {
        return new Iface(Kind.PORT_NEW, name, label, handle);
    }

    public static Iface portExisting(String name, String label, String handle) {
        return new Iface(Kind.PORT_EXISTING, name, label, handle);
    }
}
