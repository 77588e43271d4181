package io.rdc.runtime.js;

import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.state.ReferenceCodec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.graalvm.polyglot.proxy.Proxy;

/**
 * References inside a state snapshot: written as the portable {@link RefDescriptor} (what a message
 * would carry), and turned back into working references in the table of the incarnation that
 * receives the state — so a restored incarnation's streams, handles and buffer handles work
 * wherever it now lives.
 */
final class KernelReferenceCodec implements ReferenceCodec {
    private final Kernel kernel;
    private final Incarnation owner;

    KernelReferenceCodec(Kernel kernel, Incarnation owner) {
        this.kernel = kernel;
        this.owner = owner;
    }

    @Override
    public boolean isReference(Proxy proxy) {
        return proxy instanceof JsRef;
    }

    @Override
    public int encode(Proxy reference, MutableDirectBuffer dst, int offset) {
        JsRef r = (JsRef) reference;
        byte[] b = kernel.describe(owner.refs.check(r.ref)).toBytes();
        dst.putBytes(offset, b);
        return b.length;
    }

    @Override
    public Object decode(DirectBuffer src, int offset, int length) {
        RefDescriptor d = RefDescriptor.read(src, offset, length);
        return JsRef.of(kernel.materialize(owner, d));
    }
}
