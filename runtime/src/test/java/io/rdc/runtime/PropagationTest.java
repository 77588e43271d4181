package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.ref.ReferenceException;
import io.rdc.runtime.transport.Frames;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** References propagated in messages with the flags of §4.6. */
class PropagationTest extends PoolFixture {
    private static final String INSPECTOR = """
            export function onMessage(ctx, port, m) {
              const out = { kind: m.ref.kind, info: ctx.testReference(m.ref) };
              try { ctx.send(ctx.ifaces.fwd, { head: { passOn: true }, ref: m.ref }); out.passOn = 'ok'; } catch (e) { out.passOn = e.message; }
              if (m.ref.kind === 'incarnation') {
                try { out.status = ctx.status(m.ref).state; } catch (e) { out.status = e.message; }
                try { ctx.freeze(m.ref); out.freeze = 'ok'; } catch (e) { out.freeze = e.message; }
              }
              if (m.ref.kind === 'stream') ctx.send(m.ref, { head: { via: 'propagated stream' } });
              ctx.send(ctx.ifaces.report, { head: out });
            }""";

    private Map<?, ?> inspect(Operator op, Ref ref, int flags, Ref[] report, Ref[] fwd) {
        Ref in = op.spaceGet("inspect", T);
        op.send(in, Frames.KIND_SEND, Map.of(), null, ref, flags);
        return (Map<?, ?>) op.receive(report[1], T).head();
    }

    @Test
    void keepDestroyNoFurtherAndReducedRights() {
        Operator op = operator();
        Ref[] report = op.channel("p.report", false);
        Ref[] fwd = op.channel("p.fwd", false);
        Ref[] target = op.channel("p.target", false);
        op.create(op.module("inspector", INSPECTOR), 203, null,
                List.of(Iface.portNew("in", "inspect", null), Iface.stream("report", "p.report", null), Iface.stream("fwd", "p.fwd", null)));

        // keep (default): the stream works at the receiver and still works here
        Map<?, ?> kept = inspect(op, target[0], 0, report, fwd);
        assertEquals("stream", kept.get("kind"));
        assertEquals("ok", kept.get("passOn"));
        assertEquals(Map.of("via", "propagated stream"), op.receive(target[1], T).head());
        op.send(target[0], Map.of("still", "mine"), null);
        assertEquals(Map.of("still", "mine"), op.receive(target[1], T).head());
        assertNotNull(op.receive(fwd[1], T).ref(), "passed on with the reference");

        // destroy original: the sender's reference is gone after sending
        Ref copy = op.spaceGet("p.target", T);
        Map<?, ?> moved = inspect(op, copy, Operator.DESTROY_ORIGINAL, report, fwd);
        assertEquals("ok", moved.get("passOn"));
        assertTrue(copy.isClosed());
        assertThrows(ReferenceException.class, () -> op.send(copy, Map.of(), null));
        op.receive(target[1], T);
        op.receive(fwd[1], T);

        // no further propagation: the receiver may use it but not pass it on
        Map<?, ?> nf = inspect(op, target[0], Operator.NO_FURTHER, report, fwd);
        assertTrue(String.valueOf(nf.get("passOn")).contains("no-further-propagation"), nf.toString());
        assertEquals(true, ((Map<?, ?>) nf.get("info")).get("noFurther"));
        assertEquals(Map.of("via", "propagated stream"), op.receive(target[1], T).head(), "but it can still use it");

        // reduced rights: an incarnation handle that can observe but not control
        Ref victim = serve(op, "export function onMessage(ctx, p, m) {}", 204, "victim");
        Map<?, ?> reduced = inspect(op, victim, Operator.REDUCED_RIGHTS, report, fwd);
        assertEquals("EXECUTING", reduced.get("status"));
        assertTrue(String.valueOf(reduced.get("freeze")).contains("lacks the freeze right"), reduced.toString());
        assertEquals("status,events", ((Map<?, ?>) reduced.get("info")).get("rights"));
        op.receive(fwd[1], T);
        Map<?, ?> full = inspect(op, victim, 0, report, fwd);
        assertEquals("ok", full.get("freeze"), "with full rights the receiver controls it");
    }
}
