package io.rdc.interpreter.runtime;

import io.rdc.interpreter.Evaluator;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Names have owners, from scripts (docs/language.md "register", docs/security.md "Names"): sessions
 * in three RDCs of one pool with a control plane. The bank registers "pay" for the client's RDC
 * only; eve's session can neither take the name, nor delete it, nor look it up; the bank
 * re-registers and unregisters it. Each refusal is an `expect error`, so a script that got through
 * fails the test.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class NameOwnershipScriptTest {
    private static final String DIR = Path.of("..", "test-scripts").toString() + "/";

    @Test
    void onlyTheRegistrantsRdcReRegistersOrDeletesAndOnlyListedRdcsLookUp() {
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withControl(PoolConfig.EMBEDDED_CONTROL));
             RuntimeOperations bank = new RuntimeOperations(pool, false, "bank", false);
             RuntimeOperations client = new RuntimeOperations(pool, false, "client", false);
             RuntimeOperations eve = new RuntimeOperations(pool, false, "eve", false)) {
            run(bank, "bank.rdc", """
                    module echo = "modules/echo.js"
                    create teller : echo({tag: "bank"}) at node 202 { port in on new "teller.in" }
                    register "pay" teller.in for "client", ["auditor"]
                    assert (invoke lookup("pay") {}).head.tag == "bank", "the owner looks its name up"
                    """);
            run(client, "client.rdc", """
                    assert (invoke lookup("pay") {}).head.tag == "bank", "a listed RDC looks it up"
                    """);
            run(eve, "eve.rdc", """
                    module echo = "modules/echo.js"
                    create fake : echo({tag: "eve"}) at node 203 { port in on new "fake.in" }
                    expect error "'pay' is registered by RDC" { register "pay" fake.in }
                    expect error "only it may delete it" { unregister "pay" }
                    expect error "the service 'pay' is not open to" { let p = lookup("pay") }
                    expect error "an RDC is named by a string, not a number" { register "mine" fake.in for 3 }
                    """);
            run(client, "client-again.rdc", """
                    assert (invoke lookup("pay") {}).head.tag == "bank", "eve's attempts changed nothing"
                    """);
            run(bank, "bank-again.rdc", """
                    register "pay" teller.in
                    unregister "pay"
                    expect error "no service is registered under the name 'pay'" { unregister "pay" }
                    """);
            run(eve, "eve-again.rdc", """
                    register "pay" fake.in
                    assert (invoke lookup("pay") {}).head.tag == "eve", "a deleted name is free again"
                    """);
        }
    }

    private static void run(RuntimeOperations session, String file, String source) {
        new Evaluator(session, new Evaluator.Options()).run(source, DIR + file);
    }
}
