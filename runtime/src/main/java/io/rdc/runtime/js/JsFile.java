package io.rdc.runtime.js;

import io.rdc.runtime.files.OpenFile;
import java.util.LinkedHashMap;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyArray;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * What JavaScript holds for an open file ({@code ctx.files.open}): a reference, like {@link JsRef},
 * so the state codec carries it (path, position, unflushed writes) wherever the incarnation goes.
 * Its methods ({@code read}, {@code readBytes}, {@code write}, {@code seek}, {@code flush},
 * {@code close}, {@code size}) are the prelude's, made for this file in the context that calls them:
 * the prelude's calls throw an {@code RdcError} on failure, which a Java method here could not, and a
 * hot code replacement carries this same object into a new context.
 */
final class JsFile implements ProxyObject {
    final OpenFile file;
    /** The methods made for it in the context that last asked, and that context. */
    private Value methods;
    private Context methodsOf;

    JsFile(OpenFile file) {
        this.file = file;
    }

    private static final String[] KEYS = {"path", "mode", "position", "closed"};

    @Override
    public Object getMember(String key) {
        return switch (key) {
            case "path" -> file.path();
            case "mode" -> file.mode();
            case "position" -> file.position();
            case "closed" -> file.isClosed();
            case "toJSON" -> (ProxyExecutable) a -> descriptor();
            case "toString" -> (ProxyExecutable) a -> "file '" + file.path() + "' at " + file.position();
            default -> methods().getMember(key);
        };
    }

    private Value methods() {
        Context now = Context.getCurrent();
        if (now != methodsOf) {
            methods = now.getBindings("js").getMember("__rdcFileMethods").execute(this);
            methodsOf = now;
        }
        return methods;
    }

    private ProxyObject descriptor() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("file", file.path());
        d.put("position", file.position());
        return ProxyObject.fromMap(d);
    }

    @Override
    public Object getMemberKeys() {
        return ProxyArray.fromArray((Object[]) KEYS);
    }

    @Override
    public boolean hasMember(String key) {
        return switch (key) {
            case "path", "mode", "position", "closed", "toJSON", "toString", "read", "readBytes", "write", "seek", "flush", "close", "size" -> true;
            default -> false;
        };
    }

    @Override
    public void putMember(String key, Value value) {
        throw new UnsupportedOperationException("a file reference cannot be changed (use seek to move its position)");
    }
}
