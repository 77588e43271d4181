package io.rdc.runtime.state;

/** Base of the exceptions thrown by {@link StateCodec}. */
public class StateCodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StateCodecException(String message) { super(message); }

    public StateCodecException(String message, Throwable cause) { super(message, cause); }
}
