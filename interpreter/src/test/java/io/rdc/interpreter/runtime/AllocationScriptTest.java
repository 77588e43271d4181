package io.rdc.interpreter.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.interpreter.Evaluator;
import io.rdc.interpreter.RdcError;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolAccess;
import io.rdc.runtime.pool.PoolConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The language's node allocation (docs/language.md "Node allocation", docs/pool.md): `allocate N
 * from GROUP`, `release node N` and `show allocation`, from sessions of two users of a pool with a
 * users file. Refusals name the rule and come back at the statement's file:line:col.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AllocationScriptTest {
    private static final String DIR = Path.of("..", "test-scripts").toString() + "/";

    @Test
    void allocateReleaseAndShowAllocationFromScriptsWithRefusalsAtTheirStatements() throws Exception {
        Path users = Files.createTempFile("rdc-users", ".txt");
        Files.writeString(users, "ann:balanced,exclusive\ntim:systems\n");
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults().withControl(PoolConfig.EMBEDDED_CONTROL)
                .withAccess(PoolAccess.NONE.withUsers(users)));
             RuntimeOperations ann = new RuntimeOperations(pool, false, "ann-app", false, "ann");
             RuntimeOperations tim = new RuntimeOperations(pool, false, "tim-app", false, "tim")) {
            String shown = run(ann, "ann.rdc", """
                    module echo = "modules/echo.js"
                    show allocation
                    expect error "node 202 is not allocated to RDC" { create w : echo({tag: "w"}) at node 202 }
                    allocate 1 from "exclusive"
                    create w : echo({tag: "w"}) at node 202 { port in on new "w.in" }
                    assert (invoke w.in {}).head.tag == "w"
                    show allocation
                    release node 203
                    show allocation
                    expect error "release node 203: it is not allocated to RDC" { release node 203 }
                    """);
            assertTrue(shown.contains(": node 203 (balanced, all)\n"), shown);
            assertTrue(shown.contains("allocated 202 from \"exclusive\"\nallocation: nodes 202 (exclusive, all; exclusive; just given), 203 (balanced, all)"), shown);
            assertTrue(shown.contains(": nodes 202 (exclusive, all; exclusive), 203 (balanced, all)\n"), shown);
            assertTrue(shown.contains("allocation: node 202 (exclusive, all; exclusive)\n"), shown);

            RdcError group = assertThrows(RdcError.class, () -> run(tim, "tim.rdc", "show allocation\n\nallocate 1 from \"exclusive\""));
            assertTrue(group.getMessage().startsWith(DIR + "tim.rdc:3:1: allocate 1 from \"exclusive\" failed: ")
                    && group.getMessage().contains("user 'tim' may not use node group 'exclusive': " + users + ":2 gives them only systems ('tim:systems')"),
                    group.getMessage());
            RdcError count = assertThrows(RdcError.class, () -> run(tim, "tim.rdc", "allocate 0 from \"systems\""));
            assertTrue(count.getMessage().startsWith(DIR + "tim.rdc:1:10: the number of nodes to allocate must be positive"), count.getMessage());
            RdcError notString = assertThrows(RdcError.class, () -> run(tim, "tim.rdc", "allocate 1 from 3"));
            assertTrue(notString.getMessage().startsWith(DIR + "tim.rdc:1:17: allocate takes nodes from a node group, a string"), notString.getMessage());
            RdcError notAllocated = assertThrows(RdcError.class, () -> run(tim, "tim.rdc", "module echo = \"modules/echo.js\"\ncreate t : echo({}) at node 202"));
            assertTrue(notAllocated.getMessage().startsWith(DIR + "tim.rdc:2:1: ") && notAllocated.getMessage().contains("node 202 is not allocated to RDC"),
                    notAllocated.getMessage());
        }
    }

    @Test
    void anOpenPoolSaysSoAndRefusesAllocate() {
        try (EmbeddedPool pool = EmbeddedPool.start(PoolConfig.defaults());
             RuntimeOperations s = new RuntimeOperations(pool, false)) {
            String shown = run(s, "open.rdc", """
                    show allocation
                    expect error "every RDC may use every node already" { allocate 1 from "exclusive" }
                    """);
            assertTrue(shown.contains("every node (the pool has no users file: every RDC may use every node)"), shown);
        }
    }

    private static String run(RuntimeOperations session, String file, String source) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new Evaluator(session, new Evaluator.Options().out(new PrintStream(out, true, StandardCharsets.UTF_8))).run(source, DIR + file);
        return out.toString(StandardCharsets.UTF_8);
    }
}
