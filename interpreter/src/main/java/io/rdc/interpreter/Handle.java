package io.rdc.interpreter;

/**
 * An opaque reference the runtime gave us (incarnation, node, stream-space reference, ...).
 * The language can pass it around and compare it, never look inside.
 * Equality is the runtime object's equality; the description is only for printing.
 */
public record Handle(Object reference, String description) {
    @Override
    public boolean equals(Object other) {
        return other instanceof Handle handle && reference.equals(handle.reference);
    }

    @Override
    public int hashCode() {
        return reference.hashCode();
    }

    @Override
    public String toString() {
        return "<" + description + ">";
    }
}
