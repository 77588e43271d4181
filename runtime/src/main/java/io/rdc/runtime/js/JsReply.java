package io.rdc.runtime.js;

import io.rdc.runtime.kernel.Message;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyArray;
import org.graalvm.polyglot.proxy.ProxyObject;

/** The reply handle of an invocation message: whoever holds it can reply to, or forward, the invocation. */
final class JsReply implements ProxyObject {
    final Message message;

    JsReply(Message message) {
        this.message = message;
    }

    @Override
    public Object getMember(String key) {
        return key.equals("kind") ? "reply_handle" : null;
    }

    @Override
    public Object getMemberKeys() {
        return ProxyArray.fromArray("kind"); // a JavaScript array: a Java one is a host object the sandbox hides (JsRef)
    }

    @Override
    public boolean hasMember(String key) {
        return key.equals("kind");
    }

    @Override
    public void putMember(String key, Value value) {
        throw new UnsupportedOperationException("reply handles are read-only");
    }

    @Override
    public String toString() {
        return "[reply handle]";
    }
}
