package io.rdc.runtime.kernel;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolAccess;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Node allocation and access (issue 15, docs/pool.md), each refusal tested both ways on the default
 * pool (201 systems, 202 exclusive, 203 balanced, 204 exclusive; all four also in "all"): a user
 * not in the pool users file, a group a user may not use, a node not allocated to the RDC (create
 * and migration), a module a node's access list refuses. Every refusal names the rule that refused.
 */
class AllocationTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final String WORKER = """
            export function init(ctx, args) { ctx.state = {}; }
            export function onMessage(ctx, p, m) {
              if (m.head.op === 'allocate') return { head: ctx.allocate(m.head.count, m.head.group, { wait: m.head.wait }) };
              if (m.head.op === 'release') return { head: ctx.releaseNode(m.head.node) };
              return { head: ctx.allocation() };
            }
            """;

    /** Other code than the worker's: a module's identity is its code's hash. */
    private static final String MINER = "export function onMessage(ctx, p, m) { return { head: { mined: true } }; }\n";

    private static Path users(String text) throws Exception {
        Path f = Files.createTempFile("rdc-users", ".txt");
        Files.writeString(f, text);
        return f;
    }

    private static void refused(String expected, Executable call) {
        OperationException e = assertThrows(OperationException.class, call);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    private static EmbeddedPool pool(PoolAccess access) throws Exception {
        return EmbeddedPool.start(PoolConfig.defaults().withCheckpointDir(Files.createTempDirectory("rdc-checkpoints"))
                .withControl(PoolConfig.EMBEDDED_CONTROL).withAccess(access));
    }

    @Test
    void aUserNotInTheUsersFileCannotLaunchAndOneInItCan() throws Exception {
        Path file = users("# users of the test pool\nann:balanced,exclusive\n");
        try (EmbeddedPool pool = pool(PoolAccess.NONE.withUsers(file))) {
            Operator ann = pool.newOperator("ann", "ann-app", false, "ann");
            assertEquals("ann", ann.rdc().rdc().owner());
            refused("user 'eve' is not in the pool users file " + file, () -> pool.newOperator("eve", "eve-app", false, "eve"));
        }
    }

    @Test
    void aGroupTheUserMayNotUseIsRefusedNamingTheLineAndOneTheyMayUseIsGiven() throws Exception {
        Path file = users("ann:balanced,exclusive\ntim:systems,timeshared\n");
        try (EmbeddedPool pool = pool(PoolAccess.NONE.withUsers(file))) {
            Operator tim = pool.newOperator("tim", "tim-app", false, "tim");
            refused("user 'tim' may not use node group 'exclusive': " + file + ":2", () -> tim.allocate(1, "exclusive"));
            assertEquals(List.of(201), nodes(tim.allocation()), "tim was given the shared node of his groups at launch, and nothing more");
            Operator ann = pool.newOperator("ann", "ann-app", false, "ann");
            assertEquals(List.of(203), nodes(ann.allocation()), "ann's launch: the balanced node (exclusive ones only when asked)");
            ControlPlane.Allocation a = ann.allocate(1, "exclusive");
            assertEquals(List.of(202, 203), nodes(a));
            assertTrue(a.nodes().stream().anyMatch(n -> n.node() == 202 && n.justGiven() && n.exclusive()));
            refused("no node of the pool is in group 'gpu'", () -> ann.allocate(1, "gpu"));
        }
    }

    @Test
    void creatingOrMigratingOntoANodeNotAllocatedIsRefusedAndExclusiveNodesGoToOneRdcAtATime() throws Exception {
        Path file = users("ann:balanced,exclusive\nesin:exclusive,systems\n");
        try (EmbeddedPool pool = pool(PoolAccess.NONE.withUsers(file))) {
            Operator ann = pool.newOperator("ann", "ann-app", false, "ann");
            Operator esin = pool.newOperator("esin", "esin-app", false, "esin");
            var worker = ann.module("worker", WORKER);
            Ref w = ann.create(worker, 203, null, List.of(Iface.portNew("in", "w.in", null)), false, "w");
            refused("node 201 is not allocated to RDC " + Ids.show(ann.session().rdcId) + ": create of worker refused",
                    () -> ann.create(worker, 201, null, List.of(), false, "w2"));
            refused("node 204 is not allocated to RDC " + Ids.show(ann.session().rdcId) + ": migration of w refused", () -> ann.migrate(w, 204, T));
            assertEquals(203, ann.status(w).node(), "a refused migration leaves the incarnation where it was");

            // Asked for from the worker's ctx: both exclusive nodes, then used at once (the node reads its allocation again on a miss).
            Ref in = ann.spaceGet("w.in", T);
            Map<?, ?> given = (Map<?, ?>) ann.invoke(in, Map.of("op", "allocate", "count", 2, "group", "exclusive"), null, T).head();
            assertEquals(0, ((Number) given.get("pending")).intValue(), given.toString());
            ann.create(worker, 204, null, List.of(), false, "w3");
            ann.migrate(w, 202, T);
            assertEquals(202, ann.status(w).node());

            // esin asks for an exclusive node while ann holds both: it waits, and comes with a notice when ann releases one.
            List<String> notices = new CopyOnWriteArrayList<>();
            esin.onAllocation(notices::add);
            ControlPlane.Allocation waiting = esin.allocate(1, "exclusive");
            assertEquals(1, waiting.pending());
            assertFalse(nodes(waiting).contains(202) || nodes(waiting).contains(204), "exclusive nodes are given to one RDC at a time");
            Map<?, ?> released = (Map<?, ?>) ann.invoke(in, Map.of("op", "release", "node", 204), null, T).head();
            assertFalse(released.toString().contains("id=204"), released.toString());
            long until = System.nanoTime() + T.toNanos();
            while (notices.isEmpty() && System.nanoTime() < until) Thread.sleep(50);
            assertTrue(notices.stream().anyMatch(n -> n.startsWith("node 204 (exclusive, all) is now allocated to RDC")), notices.toString());
            assertTrue(nodes(esin.allocation()).contains(204));
            esin.create(esin.module("worker", WORKER), 204, null, List.of(), false, "e1");
            // Node 204 learns of the release from its next heartbeat's answer (docs/pool.md: within about half a second).
            awaitNodeDrops(pool.kernel(204), ann.session().rdcId);
            refused("node 204 is not allocated to RDC " + Ids.show(ann.session().rdcId), () -> ann.create(worker, 204, null, List.of(), false, "w4"));
            refused("release node 201: it is not allocated to RDC", () -> ann.release(201));

            // An incarnation that waits for a node (ctx.allocate with wait) gets it when ann gives 202 back.
            esin.create(esin.module("worker", WORKER), 204, null, List.of(Iface.portNew("in", "e.in", null)), false, "e2");
            Ref ein = esin.spaceGet("e.in", T);
            var asked = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                    (Map<?, ?>) esin.invoke(ein, Map.of("op", "allocate", "count", 1, "group", "exclusive", "wait", 20_000), null, Duration.ofSeconds(30)).head());
            Thread.sleep(500);
            assertFalse(asked.isDone(), "202 is ann's: the wait goes on");
            ann.release(202);
            Map<?, ?> got = asked.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(0, ((Number) got.get("pending")).intValue(), got.toString());
            assertTrue(got.toString().contains("id=202, groups=[exclusive, all], exclusive=true, given=true"), got.toString());
        }
    }

    @Test
    void aModuleANodesAccessListRefusesIsRefusedNamingTheRuleAndOthersAreCreated() throws Exception {
        Path list = Files.createTempFile("rdc-access-203", ".txt");
        Files.writeString(list, "# node 203\ndeny module miner\nallow user ann\n");
        // An open pool (no users file): access lists hold on their own.
        try (EmbeddedPool pool = pool(PoolAccess.NONE.withAccessList(203, list))) {
            Operator ann = pool.newOperator("ann", "ann-app", false, "ann");
            var worker = ann.module("worker", WORKER);
            Ref w = ann.create(worker, 203, null, List.of(), false, "w");
            refused("node 203's access list refuses module 'miner' of RDC " + Ids.show(ann.session().rdcId) + " (user 'ann'): create of miner refused by "
                    + list + ":2 'deny module miner'", () -> ann.create(ann.module("miner", MINER), 203, null, List.of(), false, "m"));
            Ref m = ann.create(ann.module("miner", MINER), 201, null, List.of(), false, "m");
            refused("migration of m refused by " + list + ":2", () -> ann.migrate(m, 203, T));
            Operator bob = pool.newOperator("bob", "bob-app", false, "bob");
            refused("(user 'bob'): create of worker no rule of " + list + " allows it",
                    () -> bob.create(bob.module("worker", WORKER), 203, null, List.of(), false, "b"));
            assertEquals(203, ann.status(w).node());
            assertEquals("every node (the pool has no users file: every RDC may use every node)", NodeAllocation.show(ann.allocation()));
        }
    }

    @Test
    void aWithdrawnNodesGuestMovesOnlyToANodeItsRdcIsAllocatedOrIsGivenNow() throws Exception {
        Path file = users("ann:exclusive\n");
        try (EmbeddedPool pool = pool(PoolAccess.NONE.withUsers(file))) {
            Operator ann = pool.newOperator("ann", "ann-app", false, "ann");
            assertEquals(List.of(202), nodes(ann.allocate(1, "exclusive")), "the first free exclusive node");
            Ref w = ann.create(ann.module("worker", WORKER), 202, null, List.of(), false, "w");
            // The least loaded other nodes (201, 203) are not ann's: the guest goes to an exclusive
            // node the pool gives her RDC for it, not to a node that would refuse it.
            io.rdc.runtime.operator.Withdrawal.Outcome o = ann.withdraw(202, Duration.ofSeconds(5), false);
            assertEquals("migrated to node 204", o.guests().values().iterator().next(), o.summary());
            assertTrue(nodes(ann.allocation()).contains(204), "204 was given to ann's RDC for it: " + nodes(ann.allocation()));
            assertEquals(204, ann.status(w).node());
        }
    }

    private static List<Integer> nodes(ControlPlane.Allocation a) {
        return a.nodes().stream().map(ControlPlane.AllocatedNode::node).toList();
    }

    private static void awaitNodeDrops(Kernel k, long rdc) throws InterruptedException {
        long until = System.nanoTime() + T.toNanos();
        while (System.nanoTime() < until) {
            var a = k.allocation();
            if (a != null && a.nodes().stream().noneMatch(n -> n.rdc() == rdc)) return;
            Thread.sleep(50);
        }
        fail("node " + k.nodeId() + " did not learn that RDC " + Ids.show(rdc) + " released it");
    }
}
