package io.rdc.runtime.state;

/**
 * Thrown by {@link StateCodec#encode} when the value contains something that cannot move between
 * contexts (function, symbol, Promise, class instance, host object, non-reference proxy, ...).
 * No snapshot is produced. The message names the path, e.g.
 * {@code state.clients[3].onDone is a function and cannot be moved}.
 */
public class UnmovableValueException extends StateCodecException {
    private static final long serialVersionUID = 1L;
    private final String path;
    private final String what;

    public UnmovableValueException(String path, String what) {
        super(path + " is " + what + " and cannot be moved");
        this.path = path;
        this.what = what;
    }

    /** Path of the offending value, e.g. {@code state.clients[3].onDone}. */
    public String path() { return path; }

    /** What the offending value is, e.g. {@code a function}. */
    public String what() { return what; }
}
