package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.shell.PoolProcesses.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rdc pool start --users FILE --access NODE=FILE} (docs/pool.md), every part a process: the
 * users file is loaded into the control plane and a node daemon reads its access list. Operators
 * (`rdc run --user`) are refused, naming the rule, when not in the file, when asking for a group
 * they may not use, when creating on a node not allocated to their RDC, and when the node's access
 * list refuses the module; what the rules allow is done. ann has a key of her own ({@code key=}): her
 * sessions prove it ({@code --user-key}), and one that offers only the pool's key is refused.
 *
 * <p>Token revocation on a standing pool (docs/security.md, "Revoking tokens"): {@code rdc pool
 * revoke NAME} as the pool's administrator; ann revokes her own tokens from a script and her
 * session goes on with a new token, acted on by the node daemon; eve may not revoke ann's; a name
 * that is no operator's is refused with the reason.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PoolUsersTest {
    private static final Path MODULES = Path.of("..", "test-scripts", "modules").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private PoolFile pool;

    @AfterEach
    void stopPool() {
        PoolProcesses.endPool(pool);
    }

    @Test
    void theUsersFileAndAnAccessListHoldForOperatorsOfAStandingPool() throws Exception {
        Path annKey = io.rdc.runtime.security.PoolKey.generate().write(dir.resolve("ann.key"));
        Path users = Files.writeString(dir.resolve("users.txt"), "# fig. 3.4\nann:systems,exclusive key=ann.key\ntim:systems\n");
        Path access = Files.writeString(dir.resolve("access-202.txt"), "deny module miner\nallow user *\n");
        Path home = dir.resolve(".rdc");
        // --nodes 2: 201 systems,all and 202 exclusive,all.
        pool = PoolProcesses.startPool(dir, home, "--nodes", "2", "--base-port", String.valueOf(PoolProcesses.freeBasePort(10)),
                "--users", users.toString(), "--access", "202=" + access);
        String addr = pool.control();

        Result eve = run(addr, "eve", "eve.rdc", "show allocation\n");
        assertNotEquals(0, eve.code(), eve.out());
        assertTrue(eve.out().contains("user 'eve' is not in the pool users file " + users), eve.out());

        Result annWithoutHerKey = run(addr, "ann", "ann0.rdc", "show allocation\n");
        assertNotEquals(0, annWithoutHerKey.code(), annWithoutHerKey.out());
        assertTrue(annWithoutHerKey.out().contains("refused this client ('ann')") && annWithoutHerKey.out().contains("a key of their own"),
                annWithoutHerKey.out());

        Result ann = run(addr, "ann", "ann.rdc", """
                module echo = "%1$s/echo.js"
                module miner = "%1$s/counter.js"
                show allocation
                expect error "node 202 is not allocated to RDC" { create a : echo({tag: "a"}) at node 202 }
                allocate 1 from "exclusive"
                create a : echo({tag: "a"}) at node 202 { port in on new "a.in" }
                assert (invoke a.in {}).head.tag == "a"
                expect error "refused by %2$s:1 'deny module miner'" { create m : miner at node 202 }
                create m : miner at node 201
                print "ann done"
                """.formatted(MODULES, access), "--user-key", annKey.toString());
        assertEquals(0, ann.code(), ann.out() + PoolProcesses.logs(home));
        assertTrue(ann.out().contains(": node 201 (systems, all)"), ann.out());
        assertTrue(ann.out().contains("allocated 202 from \"exclusive\""), ann.out());
        assertTrue(ann.out().contains("ann done"), ann.out());

        // The owner of 202's machine takes it back: ann's guest there moves to the node her RDC has
        // left (201); the RDC's name for it is kept, so a later script of her RDC still reaches it.
        Result reclaim = PoolProcesses.rdc(dir, 180, "node", "reclaim", "202", "--notice", "5", "--pool", addr, "--user", "ann",
                "--user-key", annKey.toString(), "--rdc", "ann-app");
        assertEquals(0, reclaim.code(), reclaim.out() + PoolProcesses.logs(home));
        assertTrue(reclaim.out().contains("node 202 withdrawn") && reclaim.out().contains("migrated to node 201"), reclaim.out());
        Result after = run(addr, "ann", "ann2.rdc", """
                module echo = "%1$s/echo.js"
                assert (invoke a.in {}).head.tag == "a"
                expect error "202" { create b : echo({tag: "b"}) at node 202 }
                print "after reclaim"
                """.formatted(MODULES), "--user-key", annKey.toString());
        assertEquals(0, after.code(), after.out() + PoolProcesses.logs(home));
        assertTrue(after.out().contains("after reclaim"), after.out());

        Result tim = run(addr, "tim", "tim.rdc", "allocate 1 from \"exclusive\"\n");
        assertNotEquals(0, tim.code(), tim.out());
        assertTrue(tim.out().contains("tim.rdc:1:1: allocate 1 from \"exclusive\" failed: ")
                && tim.out().contains("user 'tim' may not use node group 'exclusive': " + users + ":3 gives them only systems"), tim.out());
    }

    @Test
    void theAdministratorAndTheOperatorItselfRevokeItsTokensAndNoOneElse() throws Exception {
        Path home = dir.resolve(".rdc");
        pool = PoolProcesses.startPool(dir, home, "--nodes", "1", "--base-port", String.valueOf(PoolProcesses.freeBasePort(10)));
        String addr = pool.control();

        Result admin = PoolProcesses.rdc(dir, 120, "pool", "revoke", "ann", "--pool", addr);
        assertEquals(0, admin.code(), admin.out() + PoolProcesses.logs(home));
        assertTrue(admin.out().contains("tokens of 'ann' issued until ") && admin.out().contains(" are revoked"), admin.out());
        Result notAnOperator = PoolProcesses.rdc(dir, 120, "pool", "revoke", "node:201", "--pool", addr);
        assertNotEquals(0, notAnOperator.code(), notAnOperator.out());
        assertTrue(notAnOperator.out().contains("rdc pool revoke: revoke tokens of 'node:201': revoke tokens: 'node:201' is no operator's name"),
                notAnOperator.out());

        Result ann = run(addr, "ann", "ann.rdc", """
                module echo = "%s/echo.js"
                create a : echo({tag: "a"}) at node 201 { port in on new "a.in" }
                revoke tokens of ann
                freeze a
                unfreeze a
                assert (invoke a.in {}).head.tag == "a", "ann's worker runs after her tokens were revoked"
                print "ann done"
                """.formatted(MODULES));
        assertEquals(0, ann.code(), ann.out() + PoolProcesses.logs(home));
        assertTrue(ann.out().contains("tokens of 'ann' issued until ") && ann.out().contains("ann done"), ann.out());

        Result eve = run(addr, "eve", "eve.rdc", """
                expect error "revoke tokens of 'ann' refused: only 'ann' itself or the pool's administrator" { revoke tokens of ann }
                print "eve refused"
                """);
        assertEquals(0, eve.code(), eve.out() + PoolProcesses.logs(home));
        assertTrue(eve.out().contains("eve refused"), eve.out());
    }

    private Result run(String addr, String user, String name, String text, String... more) throws Exception {
        Path f = Files.writeString(dir.resolve(name), text);
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("run", "--pool", addr, "--user", user, "--rdc", user + "-app"));
        args.addAll(java.util.List.of(more));
        args.add(f.toString());
        return PoolProcesses.rdc(dir, 180, args.toArray(String[]::new));
    }
}
