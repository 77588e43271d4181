package io.rdc.interpreter.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.interpreter.Evaluator;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code allow}, {@code disallow} and {@code revoke tokens of} from scripts (docs/language.md,
 * docs/security.md): ann's session in RDC "shop" lets bob in, bob's session there freezes and
 * unfreezes her worker; ann disallows him, and his next freeze is refused (by the plane, which
 * gives him no new token, or by the node); a new session of his there is refused too. ann revokes
 * her own tokens and her session goes on (it gets a new one); eve may not revoke ann's tokens.
 * Each refusal is an {@code expect error}, so a statement that got through fails the test.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OperatorAccessScriptTest {
    private static final String DIR = Path.of("..", "test-scripts").toString() + "/";

    @Test
    void theOwnerAllowsAndDisallowsAnOperatorAndOperatorsRevokeTokens() {
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withControl(PoolConfig.EMBEDDED_CONTROL));
             RuntimeOperations ann = new RuntimeOperations(pool, false, "shop", false, "ann");
             RuntimeOperations eve = new RuntimeOperations(pool, false, "eve-rdc", false, "eve")) {
            String printed = run(ann, "ann.rdc", """
                    module echo = "modules/echo.js"
                    create w : echo({tag: "shop"}) at node 202 { port in on new "w.in" }
                    allow bob
                    allow "carol"
                    """);
            assertTrue(printed.contains("operators of this RDC: ann (owner), bob, carol"), printed);
            try (RuntimeOperations bob = new RuntimeOperations(pool, false, "shop", false, "bob")) {
                run(bob, "bob.rdc", """
                        freeze w
                        unfreeze w
                        expect error "only the RDC's owner 'ann' may, not 'bob'" { allow eve }
                        """);
                printed = run(ann, "ann-disallows.rdc", """
                        disallow bob
                        expect error "'ann' owns the RDC, and its owner cannot be removed" { disallow ann }
                        expect error "'bob' is not allowed in this RDC (allowed: carol)" { disallow bob }
                        """);
                assertTrue(printed.contains("operators of this RDC: ann (owner), carol"), printed);
                run(bob, "bob-again.rdc", """
                        expect error "operator 'bob' has no authority over RDC" { freeze w }
                        """);
            }
            OperationException again = assertThrows(OperationException.class, () -> new RuntimeOperations(pool, false, "shop", false, "bob"));
            assertTrue(again.getMessage().contains("operator 'bob' has no authority over RDC 'shop' (owner 'ann', also carol)"), again.getMessage());
            run(eve, "eve.rdc", """
                    expect error "revoke tokens of 'ann' refused: only 'ann' itself or the pool's administrator" { revoke tokens of ann }
                    """);
            printed = run(ann, "ann-revokes.rdc", """
                    revoke tokens of ann
                    freeze w
                    unfreeze w
                    assert (invoke w.in {}).head.tag == "shop", "ann's worker runs"
                    """);
            assertTrue(printed.contains("tokens of 'ann' issued until ") && printed.contains(" are revoked"), printed);
        }
    }

    /** Runs a script in a session; returns what it printed. */
    private static String run(RuntimeOperations session, String file, String source) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Evaluator.Options options = new Evaluator.Options().out(new PrintStream(out, true, StandardCharsets.UTF_8));
        new Evaluator(session, options).run(source, DIR + file);
        return out.toString(StandardCharsets.UTF_8);
    }
}
