package io.rdc.interpreter;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code nodes create|find|destroy|stop} (SR's srx; docs/pool-ondemand.md): what reaches the operations, and the errors of bad forms. */
class NodesStatementTest {

    /** Records each nodes call and answers create with consecutive ids from 1001. */
    static final class Coordinated extends FakeOperations {
        final List<String> calls = new ArrayList<>();

        @Override
        public List<Long> nodes(String op, long argument, String group, String host, long withinMillis, java.util.function.Consumer<String> say) {
            calls.add(op + " " + argument + " group=" + group + " host=" + host + " within=" + withinMillis);
            say.accept("said by " + op);
            List<Long> ids = new ArrayList<>();
            for (int i = 0; op.equals("create") && i < argument; i++) ids.add(1001L + i);
            return ids;
        }
    }

    private static String run(Coordinated ops, String source) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new Evaluator(ops, new Evaluator.Options().out(new PrintStream(out, true, StandardCharsets.UTF_8))).run(source, "t.rdc");
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void createBindsTheNewNodesAndTheOthersPassTheirArguments() {
        Coordinated ops = new Coordinated();
        String out = run(ops, """
                let n = 2
                nodes create n group "balanced" host "lab2" within 90s as extra
                print extra, extra[1]
                nodes find
                nodes destroy extra[0]
                nodes stop
                """);
        assertEquals(List.of("create 2 group=balanced host=lab2 within=90000", "find 0 group= host= within=30000",
                "destroy 1001 group= host= within=30000", "stop 0 group= host= within=30000"), ops.calls);
        assertTrue(out.contains("said by create") && out.contains("[1001, 1002] 1002"), out);
        Coordinated plain = new Coordinated();
        run(plain, "nodes create 1");
        assertEquals(List.of("create 1 group= host= within=120000"), plain.calls, "create waits two minutes unless told");
    }

    @Test
    void badFormsAreErrorsThatSayWhatWouldDo() {
        assertTrue(ScriptHarness.error("nodes create").getMessage().contains("nodes create needs how many nodes: nodes create 2"));
        assertTrue(ScriptHarness.error("nodes find 3").getMessage().contains("nodes find takes no argument"));
        assertTrue(ScriptHarness.error("nodes frob").getMessage().contains("unknown nodes operation `frob`, expected one of create, find, destroy, stop"));
        assertTrue(ScriptHarness.error("nodes create 1 colour \"red\"").getMessage().contains("takes no `colour`, expected group or host"));
        assertTrue(ScriptHarness.error("nodes stop as x").getMessage().contains("only nodes create names what it made"));
        assertTrue(ScriptHarness.error("nodes create \"two\"").getMessage().contains("the count must be an integer"));
        assertTrue(ScriptHarness.error("nodes create 1 within 5").getMessage().contains("within must be a positive duration"));
        // The fake runtime has no coordinator, as an embedded pool has none.
        assertTrue(ScriptHarness.error("nodes create 1").getMessage().contains("needs a standing pool"), ScriptHarness.error("nodes create 1").getMessage());
        assertEquals("[201, 202, 203, 204]", ScriptHarness.output("let nodes = 1\nprint nodes()").strip(), "nodes stays usable as a name and nodes() as the builtin");
    }
}
