package io.rdc.runtime.security;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Iface;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.ModuleStore;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Names have owners (issue 20, docs/security.md "Names"): the hijack of the issue (an incarnation of
 * another RDC re-registers a name and receives the owner's next invocation) is refused, from Java
 * and from an incarnation's ctx; a name registered for a list of RDCs is refused to the others; the
 * owner re-registers and deletes. Both homes of the name service: the pool's first node (no control
 * plane) and the control plane.
 */
class NameOwnershipTest {
    private static final Duration T = Duration.ofSeconds(10);

    /** An incarnation that tries to take the name "pay" and to look it up, and answers with what happened. */
    private static final String HIJACKER = """
            export function init(ctx, args) {
              const c = ctx.chanCreate(null, 'unicast');
              let registered, looked;
              try { ctx.register('pay', c.stream); registered = 'registered'; } catch (e) { registered = e.message; }
              try { ctx.lookup('pay'); looked = 'found'; } catch (e) { looked = e.message; }
              let deleted;
              try { deleted = String(ctx.unregister('pay')); } catch (e) { deleted = e.message; }
              ctx.state = { registered, looked, deleted };
            }
            export function onMessage(ctx, p, m) { return { head: ctx.state }; }
            """;
    private static final String ECHO = """
            export function init(ctx, args) { ctx.state = { who: args.who }; }
            export function onMessage(ctx, p, m) { return { head: { from: ctx.state.who } }; }
            """;

    private static Ref serve(Operator op, String code, Object args, String label) {
        ModuleStore.Module m = op.module("m" + Integer.toHexString(code.hashCode()), code);
        op.create(m, 204, args, List.of(Iface.portNew("in", label, null)), false, null);
        return op.spaceGet(label, T);
    }

    /** The name service at the pool's first node, or in an embedded control plane. */
    private static EmbeddedPool start(boolean controlPlane) throws java.io.IOException {
        PoolConfig config = PoolConfig.defaults().withCheckpointDir(Files.createTempDirectory("rdc-checkpoints"));
        return EmbeddedPool.start(controlPlane ? config.withControl(PoolConfig.EMBEDDED_CONTROL) : config);
    }

    /** Who answers an invocation through {@code stream}. */
    private static Object from(Operator op, Ref stream) {
        return ((Map<?, ?>) op.invoke(stream, Map.of(), null, T).head()).get("from");
    }

    @ParameterizedTest(name = "control plane: {0}")
    @ValueSource(booleans = {false, true})
    void aNameIsItsRegistrantsAndListedRdcsAloneLookItUp(boolean controlPlane) throws Exception {
        try (EmbeddedPool pool = start(controlPlane)) {
            Operator bank = pool.newOperator("bank"), client = pool.newOperator("client"), eve = pool.newOperator("eve");
            String clientRdc = Ids.show(client.session().rdcId);
            Ref pay = serve(bank, ECHO, Map.of("who", "bank"), "bank.in");
            bank.register("pay", pay, List.of(clientRdc));
            assertEquals("bank", from(client, client.lookup("pay")), "a listed RDC looks it up");
            assertEquals("bank", from(bank, bank.lookup("pay")), "the owner looks it up");

            // Another RDC, from Java: refused, named owner, nothing changed.
            Ref evil = serve(eve, ECHO, Map.of("who", "eve"), "eve.in");
            OperationException taken = assertThrows(OperationException.class, () -> eve.register("pay", evil));
            assertTrue(taken.getMessage().contains("'pay' is registered by RDC " + Ids.show(bank.session().rdcId)), taken.getMessage());
            assertTrue(taken.getMessage().contains("only it may re-register it"), taken.getMessage());
            OperationException notDeleted = assertThrows(OperationException.class, () -> eve.unregister("pay"));
            assertTrue(notDeleted.getMessage().contains("only it may delete it"), notDeleted.getMessage());
            OperationException notListed = assertThrows(OperationException.class, () -> eve.lookup("pay"));
            assertTrue(notListed.getMessage().contains("the service 'pay' is not open to RDC " + Ids.show(eve.session().rdcId)), notListed.getMessage());
            assertTrue(notListed.getMessage().contains("registered it for " + clientRdc + " only"), notListed.getMessage());

            // Another RDC, from an incarnation's ctx: the same refusals.
            Map<?, ?> tried = (Map<?, ?>) eve.invoke(serve(eve, HIJACKER, null, "hijack.in"), Map.of(), null, T).head();
            assertTrue(String.valueOf(tried.get("registered")).contains("only it may re-register it"), tried.toString());
            assertTrue(String.valueOf(tried.get("looked")).contains("is not open to"), tried.toString());
            assertTrue(String.valueOf(tried.get("deleted")).contains("only it may delete it"), tried.toString());
            assertEquals("bank", from(client, client.lookup("pay")),
                    "the client's next invocation still reaches the owner, not the hijacker");

            // The owner: re-registers (now public), deletes; then the name is free for anyone.
            bank.register("pay", pay);
            assertEquals("bank", from(eve, eve.lookup("pay")), "public now");
            assertTrue(bank.unregister("pay"));
            assertFalse(bank.unregister("pay"), "already gone");
            assertThrows(OperationException.class, () -> client.lookup("pay"));
            eve.register("pay", evil);
            assertEquals("eve", from(client, client.lookup("pay")));
        }
    }

    @ParameterizedTest(name = "control plane: {0}")
    @ValueSource(booleans = {false, true})
    void anIncarnationRegistersForAListOfRdcs(boolean controlPlane) throws Exception {
        try (EmbeddedPool pool = start(controlPlane)) {
            Operator owner = pool.newOperator("owner"), friend = pool.newOperator("friend"), other = pool.newOperator("other");
            String code = """
                    export function init(ctx, args) { const c = ctx.chanCreate('own.chan', 'unicast'); ctx.register('own', c.stream, { rdcs: args.rdcs }); }
                    export function onMessage(ctx, p, m) { return { head: {} }; }
                    """;
            ModuleStore.Module m = owner.module("registrar", code);
            owner.create(m, 203, Map.of("rdcs", List.of(Ids.show(friend.session().rdcId))), List.of(), false, null);
            Ref found = null;
            for (long end = System.nanoTime() + T.toNanos(); found == null && System.nanoTime() < end; ) {
                try {
                    found = friend.lookup("own");
                } catch (OperationException e) {
                    if (!e.getMessage().contains("no service is registered")) throw e;
                    Thread.sleep(20); // init has not run yet
                }
            }
            assertNotNull(found, "the listed RDC finds the name");
            OperationException e = assertThrows(OperationException.class, () -> other.lookup("own"));
            assertTrue(e.getMessage().contains("is not open to"), e.getMessage());
        }
    }
}
