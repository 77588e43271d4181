package io.rdc.interpreter;

/** {@code w[1].out}: a named stream or port of an incarnation, as link/invoke/queue take it. */
public record InterfaceRef(Handle incarnation, String name) {
    @Override
    public String toString() {
        return incarnation.description() + "." + name;
    }
}
