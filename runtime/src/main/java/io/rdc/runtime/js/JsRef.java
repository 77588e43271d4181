package io.rdc.runtime.js;

import io.rdc.runtime.ref.Ref;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * What JavaScript holds for a reference: an opaque object. Code can read its kind and print it,
 * but cannot make one — the kernel recognises references by identity, never by a number the code
 * could forge.
 */
final class JsRef implements ProxyObject {
    final Ref ref;

    JsRef(Ref ref) {
        this.ref = ref;
    }

    static JsRef of(Ref r) {
        Object a = r.attachment;
        if (a instanceof JsRef j) return j;
        JsRef j = new JsRef(r);
        r.attachment = j;
        return j;
    }

    @Override
    public Object getMember(String key) {
        return switch (key) {
            case "kind" -> ref.kind.name().toLowerCase(java.util.Locale.ROOT);
            case "id" -> ref.id;
            case "closed" -> ref.isClosed();
            case "toString" -> (org.graalvm.polyglot.proxy.ProxyExecutable) a -> toString();
            default -> null;
        };
    }

    @Override
    public Object getMemberKeys() {
        return new String[] {"kind", "id", "closed"};
    }

    @Override
    public boolean hasMember(String key) {
        return key.equals("kind") || key.equals("id") || key.equals("closed") || key.equals("toString");
    }

    @Override
    public void putMember(String key, Value value) {
        throw new UnsupportedOperationException("references are read-only");
    }

    @Override
    public String toString() {
        return "[" + ref + "]";
    }
}
