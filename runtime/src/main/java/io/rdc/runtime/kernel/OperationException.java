package io.rdc.runtime.kernel;

/** A kernel operation failed; the message says which operation and why. */
public class OperationException extends RuntimeException {
    public OperationException(String message) {
        super(message);
    }

    public OperationException(String message, Throwable cause) {
        super(message, cause);
    }
}
