package io.rdc.interpreter;

/**
 * {@code w[1].out}: a named stream or port of an incarnation, as link/invoke/queue take it; or,
 * with no name, a reference got from {@code get} or {@code lookup} used where an interface is.
 */
public record InterfaceRef(Handle incarnation, String name) {
    @Override
    public String toString() {
        return name == null ? incarnation.description() : incarnation.description() + "." + name;
    }
}
