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
        CompletableFuture<Object> migration = CompletableFuture.supplyAsync(() -> {
            try {
                return op.migrate(srv, 204, T);
            } catch (OperationException e) {
                return e;
            }
        });
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
}
