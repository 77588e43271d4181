package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Termination dependency (§7.3.1, issue 15): a dependent incarnation is terminated when its parent
 * terminates (absolute), or when every parent of its group has (group); the dependency moves with
 * the child when it migrates, and "none" takes it back. Probes run every second, so each wait below
 * allows several.
 */
class DependencyTest extends PoolFixture {
    static final String ECHO = "export function onMessage(ctx, port, m) { return { head: m.head }; }";

    private static boolean alive(Operator op, Ref inc) {
        try {
            op.status(inc);
            return true;
        } catch (OperationException e) {
            if (e.getMessage().contains("does not exist")) return false;
            throw e;
        }
    }

    private static void awaitGone(Operator op, Ref inc, String what) {
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (alive(op, inc)) {
            if (System.nanoTime() > until) fail(what + " is still alive 15 s later");
            CommunicationsTest.sleep(50);
        }
    }

    @Test
    void anAbsolutelyDependentChildGoesWithItsParentAndTheDependencyMovesWithIt() {
        Operator op = operator();
        var echo = op.module("dep-echo", ECHO);
        Ref mgr = op.create(echo, 202, null, List.of());
        Ref w = op.create(echo, 203, null, List.of());
        op.makeDependent(w, mgr, "absolute");
        assertEquals(List.of("absolute on " + io.rdc.runtime.kernel.Ids.show(op.incarnationId(mgr))), op.status(w).dependsOn());
        op.migrate(w, 204, Duration.ofSeconds(10)); // the dependency is kept at the child's node: it must move with it
        assertEquals(204, op.status(w).node());
        assertEquals(1, op.status(w).dependsOn().size(), "the dependency moved with it");
        CommunicationsTest.sleep(1_500);
        assertTrue(alive(op, w), "its parent lives: it lives");
        op.destroy(mgr);
        awaitGone(op, w, "the dependent of a destroyed parent");
    }

    @Test
    void aGroupDependentGoesOnlyWithItsLastParentAndNoneTakesADependencyBack() {
        Operator op = operator();
        var echo = op.module("dep-echo2", ECHO);
        Ref m1 = op.create(echo, 202, null, List.of());
        Ref m2 = op.create(echo, 204, null, List.of());
        Ref w = op.create(echo, 203, null, List.of());
        Ref free = op.create(echo, 203, null, List.of());
        op.makeDependent(w, m1, "group");
        op.makeDependent(w, m2, "group");
        op.makeDependent(free, m1, "absolute");
        op.makeDependent(free, m1, "none");
        assertEquals(List.of(), op.status(free).dependsOn());
        op.destroy(m1);
        CommunicationsTest.sleep(3_000); // three probes
        assertTrue(alive(op, w), "one parent of its group still lives");
        assertTrue(alive(op, free), "its dependency was taken back");
        op.destroy(m2);
        awaitGone(op, w, "the group dependent whose last parent went");
        assertTrue(alive(op, free));
    }

    @Test
    void aManagerMakesItsChildDependentFromJavaScript() {
        Operator op = operator();
        Ref[] report = op.channel("dep.report", false);
        op.module("dep-child", ECHO);
        String manager = """
                export function init(ctx) {
                  const c = ctx.create('dep-child', { at: 204, interfaces: [{ port: 'in', on: 'dep.childin' }] });
                  ctx.makeDependent(c);
                  ctx.send(ctx.ifaces.report, { head: { deps: ctx.status(c).dependsOn ?? null } });
                }""";
        Ref mgr = op.create(op.module("dep-manager", manager), 202, null, List.of(Iface.stream("report", "dep.report", null)));
        Map<?, ?> got = (Map<?, ?>) op.receive(report[1], T).head();
        assertEquals(List.of("absolute on " + io.rdc.runtime.kernel.Ids.show(op.incarnationId(mgr))), got.get("deps"), "ctx.status shows it: " + got);
        Ref child = op.spaceGet("dep.childin", T);
        assertEquals(Map.of("x", 1L), op.invoke(child, Map.of("x", 1), null, T).head(), "the child runs");
        op.destroy(mgr);
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            try {
                op.invoke(child, Map.of("x", 2), null, Duration.ofSeconds(1));
            } catch (OperationException e) {
                break; // its port went with it
            }
            if (System.nanoTime() > until) fail("the manager's child still answers 15 s after the manager was destroyed");
            CommunicationsTest.sleep(100);
        }
    }
}
