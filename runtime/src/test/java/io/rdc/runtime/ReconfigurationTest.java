package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The experiment of appendix A.3: one sender, 10,000 sequence-numbered sends to two receivers
 * alternated 100 times by each mechanism (port propagation in a message, attachment by a manager,
 * rebinding by a manager). Receivers record what they get: 0 lost, 0 duplicated, 0 out of order.
 */
class ReconfigurationTest extends PoolFixture {
    static final int MESSAGES = 10_000, SWITCHES = 100;

    /** The receivers of the experiment, as `rdc bench reconfig` runs them: the library's rdc/recorder.js. */
    static final String RECORDER = "export { init, onMessage } from \"rdc/recorder.js\";";

    /** Checks the A.3 invariant over what two receivers recorded; returns the number of runs. */
    static int check(List<Long> a, List<Long> b, int reconfigurations) {
        return PropagationTest.checkSequence(List.of(a, b), MESSAGES, reconfigurations);
    }

    @SuppressWarnings("unchecked")
    static List<Long> report(Operator op, String label) {
        Object body = op.invoke(op.spaceGet(label, T), Map.of("op", "report"), null, T).body();
        return body == null ? List.of() : new ArrayList<>((List<Long>) body);
    }

    static int count(Operator op, String label) {
        return ((Number) ((Map<?, ?>) op.invoke(op.spaceGet(label, T), Map.of("op", "report"), null, T).head()).get("n")).intValue();
    }

    static void awaitAll(Operator op, String a, String b) {
        long end = System.currentTimeMillis() + 60_000;
        int n = 0;
        while (System.currentTimeMillis() < end) {
            n = count(op, a) + count(op, b);
            if (n >= MESSAGES) return;
            CommunicationsTest.sleep(20);
        }
        fail("only " + n + " of " + MESSAGES + " messages arrived within 60 s");
    }

    @Test
    void portPropagationInAMessage() {
        Operator op = operator();
        var rec = op.module("recorder", RECORDER);
        op.create(rec, 202, null, List.of(Iface.portNew("data", "prop.data", null), Iface.portNew("ctl", "prop.A", null), Iface.stream("peer", "prop.B", null)));
        op.create(rec, 203, null, List.of(Iface.portNew("ctl", "prop.B", null), Iface.stream("peer", "prop.A", null)));
        Ref data = op.spaceGet("prop.data", T);
        Ref[] ctl = {op.spaceGet("prop.A", T), op.spaceGet("prop.B", T)};
        int seq = 0;
        for (int k = 0; k < SWITCHES; k++) {
            for (int i = 0; i < MESSAGES / SWITCHES; i++) op.send(data, Map.of("seq", ++seq), null);
            op.invoke(ctl[k % 2], Map.of("op", "handover"), null, T); // returns once the port has been passed on
        }
        op.flush(data);
        awaitAll(op, "prop.A", "prop.B");
        check(report(op, "prop.A"), report(op, "prop.B"), SWITCHES);
    }

    @Test
    void portAttachmentByAManager() {
        Operator op = operator();
        var rec = op.module("recorder", RECORDER);
        op.create(rec, 202, null, List.of(Iface.portNew("data", "att.data", "att.A.h"), Iface.portNew("ctl", "att.A", null)));
        op.create(rec, 204, null, List.of(Iface.portNew("data", "att.other", "att.B.h"), Iface.portNew("ctl", "att.B", null)));
        Ref data = op.spaceGet("att.data", T);
        Ref[] h = {op.spaceGet("att.A.h", T), op.spaceGet("att.B.h", T)};
        int seq = 0;
        for (int k = 0; k < SWITCHES; k++) {
            for (int i = 0; i < MESSAGES / SWITCHES; i++) op.send(data, Map.of("seq", ++seq), null);
            op.attach(h[(k + 1) % 2], h[k % 2], data, true); // the other receiver's port takes the channel and its queue
        }
        op.flush(data);
        awaitAll(op, "att.A", "att.B");
        check(report(op, "att.A"), report(op, "att.B"), SWITCHES);
    }

    @Test
    void streamRebindingByAManager() {
        Operator op = operator();
        var rec = op.module("recorder", RECORDER);
        op.create(rec, 203, null, List.of(Iface.portNew("data", "reb.dA", "reb.A.h"), Iface.portNew("ctl", "reb.A", null)));
        op.create(rec, 204, null, List.of(Iface.portNew("data", "reb.dB", "reb.B.h"), Iface.portNew("ctl", "reb.B", null)));
        Ref data = op.spaceGet("reb.dA", T);
        Ref handle = op.handleOf(data);
        Ref[] channel = {op.spaceGet("reb.dA", T), op.spaceGet("reb.dB", T)};
        Ref[] from = {op.spaceGet("reb.A.h", T), op.spaceGet("reb.B.h", T)};
        int seq = 0;
        for (int k = 0; k < SWITCHES; k++) {
            for (int i = 0; i < MESSAGES / SWITCHES; i++) op.send(data, Map.of("seq", ++seq), null);
            op.rebind(handle, channel[(k + 1) % 2], from[k % 2]); // its queued messages move first
        }
        op.flush(data);
        awaitAll(op, "reb.A", "reb.B");
        check(report(op, "reb.A"), report(op, "reb.B"), SWITCHES);
    }

    @Test
    void rebindingUnderFailureMovesNothingButRedirectsTheStream() {
        Operator op = operator();
        var rec = op.module("recorder", RECORDER);
        Ref a = op.create(rec, 203, null, List.of(Iface.portNew("data", "uf.dA", null), Iface.portNew("ctl", "uf.A", null)));
        op.create(rec, 204, null, List.of(Iface.portNew("data", "uf.dB", null), Iface.portNew("ctl", "uf.B", null)));
        Ref data = op.spaceGet("uf.dA", T);
        op.send(data, Map.of("seq", 1), null);
        op.flush(data);
        op.destroy(a); // the receiver fails
        op.rebind(op.handleOf(data), op.spaceGet("uf.dB", T), null);
        op.send(data, Map.of("seq", 2), null);
        op.flush(data);
        CommunicationsTest.waitFor(() -> report(op, "uf.B").size() == 1);
        assertEquals(List.of(2L), report(op, "uf.B"));
    }

    @Test
    void aFrozenStreamHoldsItsSenderUntilUnfrozen() throws Exception {
        Operator op = operator();
        var rec = op.module("recorder", RECORDER);
        op.create(rec, 202, null, List.of(Iface.portNew("data", "fz.d", null), Iface.portNew("ctl", "fz.c", null)));
        Ref data = op.spaceGet("fz.d", T);
        Ref h = op.handleOf(data);
        op.freezeStream(h, true);
        Thread sender = Thread.ofVirtual().start(() -> op.send(data, Map.of("seq", 1), null));
        Thread.sleep(300);
        assertTrue(sender.isAlive(), "the send waits while the stream is frozen");
        assertEquals(List.of(), report(op, "fz.c"));
        op.freezeStream(h, false);
        sender.join(10_000);
        CommunicationsTest.waitFor(() -> report(op, "fz.c").size() == 1);
    }
}
