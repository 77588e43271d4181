package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Incarnation;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/** Beyond Equus (§7.4.4): the destination dies mid-migration; the incarnation runs on at the source, nothing lost. */
class MigrationFailureTest extends PoolFixture {
    @Test
    void theDestinationStoppedMidMigrationLeavesItRunningAtTheSource() throws Exception {
        Operator op = operator();
        // 16 MB of state: shipping and decoding it gives the stop time to land mid-migration.
        String code = MigrationTest.SERVER.replace("blob: new Float64Array(1000).fill(2.5)", "blob: new Float64Array(2 * 1024 * 1024).fill(2.5)");
        Ref srv = op.create(op.module("bigserver", code), 202, null, List.of(Iface.portNew("in", "fail.in", null)));
        Ref s = op.spaceGet("fail.in", T);
        for (int i = 1; i <= 100; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        CompletableFuture<Object> migration = MigrationTest.migrateAsync(op, srv, 204, T);
        long end = System.currentTimeMillis() + 5_000;
        while (op.status(srv).state() != Incarnation.State.MIGRATING && System.currentTimeMillis() < end) Thread.onSpinWait();
        pool.stopNode(204);
        Object result = migration.get();
        assertInstanceOf(OperationException.class, result, "the migration fails: " + result);
        // Sends made while it was moving are held for it; it runs on where it was, all there.
        for (int i = 101; i <= 200; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        Map<?, ?> r = MigrationTest.report(op, s);
        assertEquals(202L, r.get("where"));
        assertEquals(200L, r.get("count"), "0 lost, 0 duplicated");
        assertEquals(0L, r.get("nerr"), String.valueOf(r.get("errors")));
        assertEquals(0L, r.get("moves"));
        assertEquals(Incarnation.State.EXECUTING, op.status(srv).state());
    }

    /** The incarnations a node's kernel holds (asked directly: node 204 may have been stopped by another test). */
    private int count(Operator op, int node) {
        return pool.kernel(node).incarnationCount();
    }

    private static void awaitCount(IntSupplier n, int expected, String what) throws InterruptedException {
        awaitCount(n, expected, () -> what);
    }

    private static void awaitCount(IntSupplier n, int expected, java.util.function.Supplier<String> what) throws InterruptedException {
        long end = System.currentTimeMillis() + 5_000;
        while (n.getAsInt() != expected && System.currentTimeMillis() < end) Thread.sleep(10);
        assertEquals(expected, n.getAsInt(), what);
    }

    @Test
    void destroyWhileItWaitsForAHandlerBoundaryAbortsTheMigration() throws Exception {
        Operator op = operator();
        int at202 = count(op, 202), at203 = count(op, 203);
        Ref srv = op.create(op.module("abortserver", MigrationTest.SERVER), 202, null, List.of(Iface.portNew("in", "abort.wait", null)));
        Ref s = op.spaceGet("abort.wait", T);
        MigrationTest.report(op, s); // started
        op.send(s, Map.of("op", "spin", "ms", 3000), null);
        Thread.sleep(200);
        long end = System.currentTimeMillis() + 5_000;
        while (op.status(srv).queued() != 0 && System.currentTimeMillis() < end) Thread.sleep(10);
        // The spin is running: the migration waits for its end (within 10 s), and the destroy comes first.
        CompletableFuture<Object> migration = MigrationTest.migrateAsync(op, srv, 203, T);
        end = System.currentTimeMillis() + 5_000;
        while (op.status(srv).state() != Incarnation.State.MIGRATING && System.currentTimeMillis() < end) Thread.sleep(5);
        assertEquals(Incarnation.State.MIGRATING, op.status(srv).state());
        long t0 = System.nanoTime();
        op.destroy(srv);
        Object result = migration.get();
        assertInstanceOf(OperationException.class, result, "destroy aborts the migration: " + result);
        assertTrue(((Exception) result).getMessage().contains("destroyed"), ((Exception) result).getMessage());
        assertTrue(System.nanoTime() - t0 < 2_500_000_000L, "the manager is told at once, not when the handler ends");
        assertThrows(OperationException.class, () -> op.status(srv), "it is gone");
        awaitCount(() -> count(op, 202), at202, "nothing left at the source");
        awaitCount(() -> count(op, 203), at203, "nothing made at the destination");
        awaitCount(() -> pool.kernel(203).arrivalsInProgress(), 0, () -> "no arrival left half-made at the destination: " + pool.kernel(203).arrivals());
        // Both nodes carry on: a new incarnation makes the same move.
        Ref again = op.create(op.module("abortserver", MigrationTest.SERVER), 202, null, List.of(Iface.portNew("in", "abort.again", null)));
        Ref s2 = op.spaceGet("abort.again", T);
        for (int i = 1; i <= 50; i++) op.send(s2, Map.of("c", "a", "seq", i), null);
        op.migrate(again, 203, T);
        Map<?, ?> r = MigrationTest.report(op, s2);
        assertEquals(203L, r.get("where"));
        assertEquals(50L, r.get("count"));
        op.destroy(again);
    }

    @Test
    void destroyWhileItsStateIsInTransitLeavesNothingAnywhere() throws Exception {
        Operator op = operator();
        int at202 = count(op, 202), at203 = count(op, 203);
        // 16 MB of state: the destroy lands while it ships or decodes (if the switch wins the race, the destroy
        // is forwarded to the destination instead: either way nothing may remain).
        String code = MigrationTest.SERVER.replace("blob: new Float64Array(1000).fill(2.5)", "blob: new Float64Array(2 * 1024 * 1024).fill(2.5)");
        Ref srv = op.create(op.module("bigabort", code), 202, null, List.of(Iface.portNew("in", "abort.transit", null)));
        Ref s = op.spaceGet("abort.transit", T);
        for (int i = 1; i <= 100; i++) op.send(s, Map.of("c", "a", "seq", i), null);
        MigrationTest.report(op, s);
        CompletableFuture<Object> migration = MigrationTest.migrateAsync(op, srv, 203, T);
        long end = System.currentTimeMillis() + 5_000;
        while (op.status(srv).state() != Incarnation.State.MIGRATING && System.currentTimeMillis() < end) Thread.onSpinWait();
        op.destroy(srv);
        Object result = migration.get();
        if (result instanceof OperationException e) assertTrue(e.getMessage().contains("destroyed") || e.getMessage().contains("aborted"), e.getMessage());
        assertThrows(OperationException.class, () -> op.status(srv), "it is gone, whichever won: " + result);
        awaitCount(() -> count(op, 202), at202, "nothing left at the source");
        awaitCount(() -> count(op, 203), at203, "nothing left at the destination");
        awaitCount(() -> pool.kernel(203).arrivalsInProgress(), 0, () -> "no arrival left half-made at the destination: " + pool.kernel(203).arrivals());
        OperationException e = assertThrows(OperationException.class, () -> op.invoke(s, Map.of("op", "report"), null, T));
        assertNotNull(e.getMessage());
    }
}
