package io.rdc.runtime.js;

import io.rdc.runtime.ref.Ref;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyArray;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * What JavaScript holds for a reference: an opaque object. Code can read its kind and print it,
 * but cannot make one — the kernel recognises references by identity, never by a number the code
 * could forge. {@code Object.keys(ref)} answers its public fields (kind, id, closed) and
 * {@code JSON.stringify(ref)} a descriptor through {@code toJSON} ({"kind":"stream","id":"3","closed":false};
 * ids are strings in JSON, as everywhere in rdc). The keys must be a JavaScript array
 * ({@link ProxyArray}): a Java array is a host object the sandbox does not expose, and GraalJS
 * failed on it with an internal error, faulting the handler.
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
            case "toJSON" -> (org.graalvm.polyglot.proxy.ProxyExecutable) a -> descriptor();
            default -> null;
        };
    }

    @Override
    public Object getMemberKeys() {
        return ProxyArray.fromArray((Object[]) PUBLIC_FIELDS);
    }

    private static final String[] PUBLIC_FIELDS = {"kind", "id", "closed"};

    @Override
    public boolean hasMember(String key) {
        return key.equals("kind") || key.equals("id") || key.equals("closed") || key.equals("toString") || key.equals("toJSON");
    }

    /** What {@code JSON.stringify} writes for a reference: its public fields, the id as a string. */
    private ProxyObject descriptor() {
        java.util.Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("kind", ref.kind.name().toLowerCase(java.util.Locale.ROOT));
        d.put("id", String.valueOf(ref.id));
        d.put("closed", ref.isClosed());
        return ProxyObject.fromMap(d);
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
