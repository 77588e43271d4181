package io.rdc.runtime.state;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.graalvm.polyglot.proxy.Proxy;

/**
 * Bridge between {@link StateCodec} and the kernel for <em>references</em>: capability objects
 * (streams, ports, handles) that the runtime hands to JavaScript as {@link Proxy} implementations.
 *
 * <p>While encoding, every polyglot proxy met in the state is offered to {@link #isReference}; a proxy
 * that is a reference is written by {@link #encode} as an opaque, self-contained descriptor; any other
 * proxy makes the encode fail with {@link UnmovableValueException}. While decoding, each descriptor is
 * handed to {@link #decode}, which returns the proxy to expose in the target context. The same
 * proxy instance met several times in one state is encoded once and decodes to one object (identity
 * is preserved within a snapshot).
 *
 * <p>Implementations are called on the thread doing the encode/decode, from inside a polyglot call
 * into the source (resp. target) context; they must not call back into that context. Exceptions
 * thrown by {@code encode} abort the whole encode (no partial snapshot); exceptions thrown by
 * {@code decode} abort the decode and propagate wrapped in {@link CorruptSnapshotException}.
 */
public interface ReferenceCodec {

    /** Whether {@code proxy} (the Java object behind a polyglot proxy found in the state) is a movable reference. */
    boolean isReference(Proxy proxy);

    /**
     * Writes the descriptor of {@code reference} (for which {@link #isReference} returned true) into
     * {@code dst} starting at {@code offset}; {@code dst} is expandable, so plain {@code put*} calls
     * may write past its current capacity.
     *
     * @return the number of bytes written (may be 0)
     */
    int encode(Proxy reference, MutableDirectBuffer dst, int offset);

    /**
     * Rebuilds the reference described by {@code length} bytes at {@code offset} in {@code src}
     * (bytes written by {@link #encode}); {@code src} is only valid during the call.
     *
     * @return the proxy to put in the target context (normally a {@link Proxy} implementation)
     */
    Object decode(DirectBuffer src, int offset, int length);

    /** A codec for states that must not contain references: every proxy is refused. */
    ReferenceCodec NONE = new ReferenceCodec() {
        @Override public boolean isReference(Proxy proxy) { return false; }
        @Override public int encode(Proxy reference, MutableDirectBuffer dst, int offset) { throw new IllegalStateException(); }
        @Override public Object decode(DirectBuffer src, int offset, int length) {
            throw new CorruptSnapshotException("snapshot contains a reference but no ReferenceCodec was given");
        }
    };
}
