package io.rdc.runtime.ref;

/** A reference was used that the caller does not hold, that is closed, or of the wrong kind. */
public final class ReferenceException extends RuntimeException {
    public ReferenceException(String message) {
        super(message);
    }
}
