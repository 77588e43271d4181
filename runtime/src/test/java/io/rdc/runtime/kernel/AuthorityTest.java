package io.rdc.runtime.kernel;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.transport.Frames;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Authority per RDC (issue 20, docs/security.md "Operators and authority"): a key holder acting as
 * another operator is refused list, status, snapshot, create, freeze, destroy, migrate and
 * checkpoint in an RDC it has no authority over, each with the error naming who and what; the
 * owner does each; an operator the owner allowed does too. The vault runs at node 203, the
 * sessions' kernel is node 201: the checks are made by the node that holds the incarnation.
 */
class AuthorityTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final String VAULT = """
            export function init(ctx, args) { ctx.state = { secret: 'hunter2' }; }
            export function onMessage(ctx, p, m) { return { head: { ok: true } }; }
            """;

    private static void refused(String what, Executable call) {
        OperationException e = assertThrows(OperationException.class, call, what + " by eve must be refused");
        assertTrue(e.getMessage().contains("operator 'eve' has no authority over RDC") && e.getMessage().contains(what + " of vault refused")
                || e.getMessage().contains("operator 'eve' has no authority over RDC") && e.getMessage().contains(what + " refused"), what + ": " + e.getMessage());
    }

    @ParameterizedTest(name = "control plane: {0}")
    @ValueSource(booleans = {false, true})
    void aKeyHolderWithoutAuthorityIsRefusedEachControlOperationAndTheOwnerIsNot(boolean controlPlane) throws Exception {
        PoolConfig config = PoolConfig.defaults().withCheckpointDir(Files.createTempDirectory("rdc-checkpoints"));
        try (EmbeddedPool pool = EmbeddedPool.start(controlPlane ? config.withControl(PoolConfig.EMBEDDED_CONTROL) : config)) {
            Operator ann = pool.newOperator("ann", controlPlane ? "ann-app" : null, false, "ann");
            Operator eve = pool.newOperator("eve", null, false, "eve");
            long annRdc = ann.session().rdcId;
            Ref vault = ann.create(ann.module("vault", VAULT), 203, null, List.of(Iface.portNew("in", "vault.in", null)), false, "vault");
            long gid = ann.incarnationId(vault);
            Ref stolen = eve.adopt(gid); // a handle is only a gid: the node decides

            refused("list", () -> eve.list(annRdc));
            assertTrue(eve.list(0).stream().noneMatch(l -> l.rdc() == annRdc), "listing every RDC leaves out those eve has no authority over");
            refused("status", () -> eve.status(stolen));
            refused("snapshot", () -> eve.snapshot(stolen, T));
            refused("freeze", () -> eve.freeze(stolen));
            refused("migrate", () -> eve.migrate(stolen, 204, T));
            refused("checkpoint", () -> eve.checkpoint(stolen, "eve.ckpt", false, T));
            refused("destroy", () -> eve.destroy(stolen));
            // create in ann's RDC: a create request naming it, made as eve
            KernelCodec.Outgoing create = Loader.createRequest(annRdc, eve.session().gid,
                    new ModuleStore.Module(null, "evil", "export function onMessage(ctx, p, m) { }"), true, null, false, "evil", List.of(), null);
            Authority.Acting asEve = new Authority.Acting("eve", eve.session().rdcId, eve.access());
            Kernel.Response r = Authority.as(asEve, () -> eve.kernel().request(203, Kernel.OP_CREATE, create, TimeUnit.SECONDS.toNanos(10)));
            assertNotEquals(Frames.OK, r.status());
            assertTrue(r.error().contains("operator 'eve' has no authority over RDC " + Ids.show(annRdc)) && r.error().contains("create refused"), r.error());
            if (controlPlane) {
                OperationException open = assertThrows(OperationException.class, () -> pool.newOperator("eve-in-ann", "ann-app", false, "eve"));
                assertTrue(open.getMessage().contains("operator 'eve' has no authority over RDC 'ann-app' (owner 'ann')"), open.getMessage());
            }
            assertEquals("EXECUTING", ann.status(vault).state().name(), "nothing eve tried changed the vault");
            assertTrue(eve.kernel().list(annRdc).stream().noneMatch(l -> "evil".equals(l.name())), "no incarnation was created in ann's RDC");

            // The owner does every one of them.
            assertTrue(ann.list(annRdc).stream().anyMatch(l -> l.gid() == gid));
            assertTrue(ann.list(0).stream().anyMatch(l -> l.gid() == gid));
            assertNotNull(ann.snapshot(vault, T));
            ann.freeze(vault);
            ann.unfreeze(vault, 0);
            assertTrue(ann.checkpoint(vault, "ann.ckpt", false, T) > 0);
            ann.migrate(vault, 204, T);
            assertEquals(204, ann.status(vault).node());

            // An operator the owner allows acts too, from a session of its own.
            Operator bob = pool.newOperator("bob", null, false, "bob");
            Ref bobs = bob.adopt(gid);
            OperationException before = assertThrows(OperationException.class, () -> bob.status(bobs));
            assertTrue(before.getMessage().contains("operator 'bob' has no authority"), before.getMessage());
            ann.allow("bob");
            assertEquals("vault", bob.status(bobs).name());
            if (controlPlane) {
                Operator bobInAnn = pool.newOperator("bob-in-ann", "ann-app", false, "bob");
                assertEquals(annRdc, bobInAnn.session().rdcId, "an allowed operator opens a session in the RDC");
                OperationException notOwner = assertThrows(OperationException.class, () -> bobInAnn.allow("eve"));
                assertTrue(notOwner.getMessage().contains("only the RDC's owner 'ann' may"), notOwner.getMessage());
            }
            refused("status", () -> eve.status(stolen));
            ann.destroy(vault);
        }
    }
}
