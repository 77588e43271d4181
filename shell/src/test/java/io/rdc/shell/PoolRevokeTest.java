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
 * Token revocation on a standing pool, every part a process (docs/security.md, "Revoking tokens"):
 * {@code rdc pool revoke NAME} as the pool's administrator; ann revokes her own tokens from a
 * script and her session goes on with a new token, acted on by the node daemon; eve may not revoke
 * ann's; a name that is no operator's is refused with the reason.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PoolRevokeTest {
    private static final Path MODULES = Path.of("..", "test-scripts", "modules").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private PoolFile pool;

    @AfterEach
    void stopPool() {
        PoolProcesses.endPool(pool);
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

    private Result run(String addr, String user, String name, String text) throws Exception {
        Path f = Files.writeString(dir.resolve(name), text);
        return PoolProcesses.rdc(dir, 180, "run", "--pool", addr, "--user", user, "--rdc", user + "-app", f.toString());
    }
}
