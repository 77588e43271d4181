package io.rdc.runtime.control;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.Authority;
import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.security.PoolKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane's identities (issue 20, docs/security.md "The control plane's identities"): a
 * keyed plane (a real Aeron Cluster member in this JVM) takes an RDC's owner, and who may change
 * an RDC's names, from the principal each session proved to its authenticator, not from what a
 * request names; a user the pool users file gives a key of their own is proven by that key only.
 */
class ControlIdentityTest {
    private static final byte[] POOL_KEY = PoolKey.generate().bytes();

    @Test
    void ownersAndAccessListsComeFromTheProvenIdentityNotTheRequest() {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(POOL_KEY, 3000); ControlClient node = plane.connect()) {
            ControlPlane ann = node.as("ann", null), eve = node.as("eve", null), bob = node.as("bob", null);
            long shop = ann.openRdc("shop", "ann", false).rdc().id();

            OperationException forged = assertThrows(OperationException.class, () -> eve.openRdc("eve-shop", "ann", false));
            assertTrue(forged.getMessage().contains("open RDC 'eve-shop' as operator 'ann' refused: this session proved operator 'eve'"), forged.getMessage());
            OperationException fromNode = assertThrows(OperationException.class, () -> node.openRdc("node-shop", "ann", false));
            assertTrue(fromNode.getMessage().contains("a pool process's, not an operator's"), fromNode.getMessage());
            assertTrue(node.rdcs().stream().noneMatch(r -> r.name().equals("eve-shop") || r.name().equals("node-shop")), "no forged RDC was made");
            OperationException intoShop = assertThrows(OperationException.class, () -> eve.openRdc("shop", "eve", false));
            assertTrue(intoShop.getMessage().contains("operator 'eve' has no authority over RDC 'shop' (owner 'ann'): opening a session in it refused"),
                    intoShop.getMessage());

            OperationException grant = assertThrows(OperationException.class, () -> eve.bindName(shop, Authority.OPERATORS_NAME, "eve"));
            assertTrue(grant.getMessage().contains("only its owner 'ann' may change who else acts in it, not 'eve'"), grant.getMessage());
            OperationException name = assertThrows(OperationException.class, () -> eve.bindName(shop, "incarnation:x", "{}"));
            assertTrue(name.getMessage().contains("operator 'eve' has no authority over RDC 'shop' (owner 'ann'): bind name 'incarnation:x' refused"),
                    name.getMessage());
            OperationException end = assertThrows(OperationException.class, () -> eve.terminateRdc(shop));
            assertTrue(end.getMessage().contains("terminate refused"), end.getMessage());
            assertNull(ann.names(shop).get(Authority.OPERATORS_NAME), "eve changed nothing");
            assertEquals("RUNNING", ann.rdcs().stream().filter(r -> r.id() == shop).findFirst().orElseThrow().state());

            // The owner lists bob: he may open a session in it and bind its names, but not change who else acts in it.
            ann.bindName(shop, Authority.OPERATORS_NAME, "bob");
            assertEquals(shop, bob.openRdc("shop", "bob", false).rdc().id());
            bob.bindName(shop, "incarnation:y", "{}");
            OperationException bobGrants = assertThrows(OperationException.class, () -> bob.bindName(shop, Authority.OPERATORS_NAME, "bob\neve"));
            assertTrue(bobGrants.getMessage().contains("only its owner 'ann' may"), bobGrants.getMessage());
        }
    }

    @Test
    void aUsersFileGivesAKeyFileLastOnAUsersLineRelativeToItsOwnDirectory() {
        PoolUsers u = PoolUsers.parse("/etc/rdc/users.txt", "ann:systems, timeshared key=keys/ann.key\nbob:all\ntim:all key=/k/tim.key\n");
        assertEquals(Path.of("/etc/rdc/keys/ann.key"), u.keyFileOf("ann"));
        assertEquals(java.util.List.of("systems", "timeshared"), u.rules().get("ann").groups());
        assertNull(u.keyFileOf("bob"));
        assertEquals(Path.of("/k/tim.key"), u.keyFileOf("tim"));
        OperationException misplaced = assertThrows(OperationException.class, () -> PoolUsers.parse("users.txt", "ann:key=ann.key systems\n"));
        assertTrue(misplaced.getMessage().contains("users.txt:1: a user's key is given last on the line, as key=FILE"), misplaced.getMessage());
    }

    @Test
    void aUserWithAKeyOfTheirOwnIsProvenByItAndByNothingElse(@TempDir Path dir) throws Exception {
        PoolKey annKey = PoolKey.generate();
        annKey.write(dir.resolve("ann.key"));
        Path users = dir.resolve("users.txt");
        Files.writeString(users, "ann:all key=ann.key\nbob:all\n");
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(POOL_KEY, 3000); ControlClient node = plane.connect()) {
            node.setUsers(users.toString(), Files.readString(users));

            assertTrue(node.as("ann", annKey.bytes()).openRdc("ann-app", "ann", false).created(), "ann proves herself with her own key");
            assertTrue(node.as("bob", null).openRdc("bob-app", "bob", false).created(), "a user without a key of their own: the pool's key");

            long t0 = System.nanoTime();
            OperationException poolKeyForAnn = assertThrows(OperationException.class, () -> node.as("ann", null));
            assertTrue(poolKeyForAnn.getMessage().contains("refused this client ('ann')") && poolKeyForAnn.getMessage().contains("a key of their own"),
                    poolKeyForAnn.getMessage());
            byte[] wrong = annKey.bytes().clone();
            wrong[0] ^= 1;
            OperationException wrongKey = assertThrows(OperationException.class, () -> node.as("ann", wrong));
            assertTrue(wrongKey.getMessage().contains("refused this client ('ann')") && wrongKey.getMessage().contains("not the one the pool users file gives them"),
                    wrongKey.getMessage());
            OperationException annKeyForBob = assertThrows(OperationException.class, () -> node.as("bob", annKey.bytes()));
            assertTrue(annKeyForBob.getMessage().contains("refused this client ('bob')"), annKeyForBob.getMessage());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "refusals come within the clients' bound, not after a hang");

            // A pool-key holder cannot take ann's key away by loading another users file.
            OperationException reload = assertThrows(OperationException.class, () -> node.setUsers(users.toString(), "ann:all\nbob:all\neve:all\n"));
            assertTrue(reload.getMessage().contains("gives user 'ann' the key") && reload.getMessage().contains("may not take it away"), reload.getMessage());
            OperationException stillAnn = assertThrows(OperationException.class, () -> node.as("ann", null));
            assertTrue(stillAnn.getMessage().contains("refused this client ('ann')"), stillAnn.getMessage());
        }
    }
}
