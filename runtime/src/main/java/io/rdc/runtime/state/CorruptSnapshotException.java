package io.rdc.runtime.state;

/** Thrown by {@link StateCodec#decode} when the input is not a valid snapshot (corrupted, truncated, wrong version). */
public class CorruptSnapshotException extends StateCodecException {
    private static final long serialVersionUID = 1L;

    public CorruptSnapshotException(String message) { super(message); }

    public CorruptSnapshotException(String message, Throwable cause) { super(message, cause); }
}
