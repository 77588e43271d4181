package io.rdc.runtime.js;

import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.ModuleStore;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.state.ReferenceCodec;
import io.rdc.runtime.state.StateCodec;
import java.util.ArrayList;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.Proxy;

/**
 * Hot code replacement (issue 19; the dissertation's replaceability, §6.3, taken to R5: the code
 * changes and the incarnation does not). On the incarnation's own thread, between two handlers:
 *
 * <ol>
 *   <li>its {@code ctx.state} and {@code ctx.ifaces} are encoded with the state codec, references
 *       as positions in a list of the very {@link Ref}s they hold (nothing leaves the incarnation,
 *       so no reference is re-made or re-counted);
 *   <li>the new module is loaded into a context of its own (a waiting creation spare's when there is
 *       one: its realm and prelude are made already), bounded like any module load (the watchdog
 *       interrupts the new context while it runs);
 *   <li>state and interfaces are decoded into it, and its {@code upgrade(ctx, fromVersion, state)},
 *       if exported, may transform the state (its return value, if any, becomes the state);
 *   <li>only then does the incarnation adopt the new context and close the old one.
 * </ol>
 *
 * Anything failing before the last step closes the new context and leaves the old one as it was:
 * the old code runs on untouched and the caller is told why, with what the new code threw.
 * Everything that belongs to the incarnation rather than to its code (ports, streams, queue,
 * references, parents, interests, its thread) is never touched.
 */
final class CodeReplacement {
    private CodeReplacement() {}

    static String replace(JsIncarnation js, ModuleStore.Module next) {
        Incarnation inc = js.inc();
        Context old = js.context;
        SameReferences refs = new SameReferences();
        byte[] state, ifaces;
        try {
            state = StateCodec.encode(js.ctx().getMember("state"), refs, "state");
            ifaces = StateCodec.encode(js.ctx().getMember("ifaces"), refs, "ifaces");
        } catch (RuntimeException e) {
            return "the state of " + inc.name + " cannot be carried to new code: " + why(e, null);
        }
        Object from = versionOf(js.exports, inc.moduleName());
        JsHost.Warm w = null;
        js.handlerSeq++;
        js.overrun = null;
        js.loading = true;
        inc.startGuest();
        try {
            // A prelude-only context a creation spare readied (its realm is most of a load's cost), else
            // one made here; the module is evaluated only once the watchdog watches the new context,
            // so top-level code that spins is interrupted at the bound like a creation's.
            JsHost.Spare spare = CreationSpares.take();
            JsHost.Warm prelude;
            if (spare != null) {
                spare.retire(false); // used on this thread from now on
                prelude = spare.warm();
            } else {
                prelude = JsHost.load(null, null);
            }
            prelude.calls().target = js;
            js.context = prelude.context();
            w = prelude;
            w = JsHost.withModule(prelude, next);
            Value ctx = w.api().getMember("ctx");
            ctx.putMember("state", StateCodec.decode(state, 0, state.length, w.context(), refs));
            ctx.putMember("ifaces", StateCodec.decode(ifaces, 0, ifaces.length, w.context(), refs));
            Value upgrade = JsIncarnation.function(w.exports(), "upgrade");
            if (upgrade != null) {
                js.loading = false; // upgrade is a handler: the handler bound applies
                Value upgraded = upgrade.execute(ctx, from, ctx.getMember("state"));
                if (!upgraded.isNull()) ctx.putMember("state", upgraded); // undefined (no return) keeps the state as it is
            }
        } catch (RuntimeException e) {
            String why = why(e, js.overrun);
            js.overrun = null;
            js.context = old;
            if (w != null) close(w.context());
            return "the code of " + inc.name + " was not replaced by module " + next.name() + ", and its old code runs on: " + why;
        } finally {
            js.loading = false;
            inc.endGuest();
        }
        js.adopt(w);
        close(old);
        return null;
    }

    /** What {@code upgrade} is told it came from: the old module's exported {@code version}, else its name. */
    private static Object versionOf(Value exports, String moduleName) {
        try {
            if (exports != null && exports.hasMember("version")) {
                Value v = exports.getMember("version");
                if (v.isNumber()) return v.fitsInLong() ? (Object) v.asLong() : (Object) v.asDouble();
                if (v.isString()) return v.asString();
            }
        } catch (RuntimeException e) {
            // a getter that throws: fall back to the name
        }
        return moduleName;
    }

    private static String why(RuntimeException e, String overrun) {
        if (e instanceof PolyglotException pe) return overrun != null && pe.isInterrupted() ? overrun : JsIncarnation.describe(pe);
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private static void close(Context c) {
        try {
            c.close(true);
        } catch (RuntimeException ignored) {
            // already closed
        }
    }

    /**
     * References written as their position in this list, and read back as the same reference
     * objects; open files too (the same {@link JsFile}: same position, same buffered writes).
     */
    private static final class SameReferences implements ReferenceCodec {
        private final List<Proxy> held = new ArrayList<>();

        @Override
        public boolean isReference(Proxy proxy) {
            return proxy instanceof JsRef || proxy instanceof JsFile;
        }

        @Override
        public int encode(Proxy reference, MutableDirectBuffer dst, int offset) {
            held.add(reference);
            dst.putInt(offset, held.size() - 1);
            return 4;
        }

        @Override
        public Object decode(DirectBuffer src, int offset, int length) {
            return held.get(src.getInt(offset));
        }
    }
}
