package io.rdc.interpreter;

import static io.rdc.interpreter.ScriptHarness.error;
import static io.rdc.interpreter.ScriptHarness.output;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

    @Test
    void letAssignAndArithmetic() {
        assertEquals("7 3.5 2 1 -4 true\n", output("""
                let x = 1 + 2 * 3
                let y = 7 / 2
                let z = 6 / 3
                print x, y, z, x % 2, -(x % 2 + 3), 0.1 + 0.2 > 0.3
                """));
    }

    @Test
    void ifElseChains() {
        assertEquals("medium\n", output("""
                let n = 5
                if n > 10 { print "large" }
                else if n > 3 { print "medium" }
                else { print "small" }
                """));
    }

    @Test
    void forallOverRangesListsAndEmptyRanges() {
        assertEquals("1 2 3 a b ", output("""
                let line = ""
                forall i in 1..3 { line = line + str(i) + " " }
                forall s in ["a", "b"] { line = line + s + " " }
                forall i in 5..1 { line = line + "never" }
                print line
                """).replace("\n", ""));
    }

    @Test
    void blocksAreLexicalScopes() {
        assertEquals("outer\n", output("""
                let v = "outer"
                if true { let v = "inner" }
                print v
                """));
        assertEquals("t.rdc:2:7: unknown name `inner`", error("if true { let inner = 1 }\nprint inner").getMessage());
    }

    @Test
    void proceduresSeeTheirDefiningScopeNotTheCaller() {
        assertEquals("10 1\n", output("""
                let total = 0
                let base = 1
                proc addTo(n) {
                  total = total + n * base
                }
                proc caller() {
                  let base = 100
                  addTo(10)
                }
                caller()
                print total, base
                """));
    }

    @Test
    void recursionIsBoundedByCallDepth() {
        assertEquals("5 4 3 2 1 \n", output("""
                let out = ""
                proc countdown(n) {
                  if n > 0 {
                    out = out + str(n) + " "
                    countdown(n - 1)
                  }
                }
                countdown(5)
                print out
                """));
        assertTrue(error("proc f() { f() }\nf()").getMessage()
                .startsWith("t.rdc:1:12: procedure calls nested more than 200 deep"));
        assertEquals("t.rdc:2:1: add takes 2 arguments, got 1", error("proc add(a, b) { }\nadd(1)").getMessage());
    }

    @Test
    void stringInterpolation() {
        assertEquals("worker3 has [1, \"a\"] and {n: 2} cost $5 {braces}\n", output("""
                let i = 3
                let r = {n: 2}
                print "worker${i} has ${[1, "a"]} and ${r} cost $5 {braces}"
                """));
        assertEquals("w4\n", output("let i = 3\nprint \"w${i + 1}\""));
        assertEquals("nested inner 2\n", output("print \"nested ${\"inner ${1 + 1}\"}\""));
    }

    @Test
    void recordsAndIndexing() {
        assertEquals("x 2 3 b 6 3\n", output("""
                let r = {name: "x", sizes: [1, 2, 3], "quoted key": {b: "b"}}
                let w = 5..10
                print r.name, r.sizes[1], len(r.sizes), r["quoted key"].b, w[1], len(r)
                """));
    }

    @Test
    void equalityIsStructural() {
        assertEquals("true true false true true\n",
                output("print [1, {a: 2}] == [1, {a: 2}], 1 == 1.0, [1] == [2], 2s == 2000ms, null == null"));
    }

    @Test
    void builtins() {
        assertEquals("3 1 9 9 1 number 1..4 4 x5 range\n", output("""
                print len("abc"), min(3, 1, 2), max([4, 9, 2]), max(1..9), min(1..9), type(1.5), range(1, 4), len(range(1, 4)), "x" + str(5), type(1..2)
                """));
        assertEquals("t.rdc:1:7: len takes 1 argument, got 2", error("print len(1, 2)").getMessage());
    }

    @Test
    void logicShortCircuits() {
        assertEquals("false true true\n", output("print false and undefinedName, true or undefinedName, not false && !false"));
    }

    @Test
    void durations() {
        assertEquals("5s 200ms 2m 1500ms true\n", output("print 5s, 200ms, 2m, 1s + 500ms, 1s < 2s"));
    }

    @Test
    void stepBudgetStopsRunawayLoops() {
        ScriptHarness harness = new ScriptHarness(new Evaluator.Options().stepBudget(1_000));
        RdcError error = harness.fail("let n = 0\nforall i in 1..1e12 { n = n + 1 }");
        assertTrue(error.getMessage().startsWith("t.rdc:"), error.getMessage());
        assertTrue(error.getMessage().contains("step budget of 1000 exceeded"), error.getMessage());
    }

    @Test
    void useRunsEachFileOnceRelativeToTheIncludingFile() {
        List<Path> reads = new ArrayList<>();
        Map<String, String> files = Map.of(
                "conf/lib/a.rdc", "use \"b.rdc\"\nuse \"stdlib/pool.rdc\"\nproc hello(who) { print \"hello ${who}\" }",
                "conf/lib/b.rdc", "let fromB = \"b\"\nuse \"a.rdc\"",
                "/opt/rdc/stdlib/pool.rdc", "let poolSize = 4");
        ScriptHarness harness = new ScriptHarness(new Evaluator.Options().stdlibRoot(Path.of("/opt/rdc/stdlib"))
                .sourceReader(path -> {
                    reads.add(path);
                    String text = files.get(path.toString());
                    if (text == null) {
                        throw new NoSuchFileException(path.toString());
                    }
                    return text;
                }));
        harness.evaluator.run("use \"lib/a.rdc\"\nuse \"lib/b.rdc\"\nhello(fromB + str(poolSize))", "conf/main.rdc");
        assertEquals("hello b4\n", harness.output());
        assertEquals(List.of(Path.of("conf/lib/a.rdc"), Path.of("conf/lib/b.rdc"), Path.of("/opt/rdc/stdlib/pool.rdc")), reads);
    }

    @Test
    void aModulePathUnderStdlibIsRdcsOwnAndOthersAreRelativeToTheScript() {
        ScriptHarness harness = new ScriptHarness(new Evaluator.Options().stdlibRoot(Path.of("/opt/rdc/stdlib")));
        harness.evaluator.run("module balancer = \"stdlib/balancer.js\"\nmodule worker = \"lib/worker.js\"", "conf/main.rdc");
        assertTrue(harness.operations.log.contains("module balancer=" + Path.of("/opt/rdc/stdlib/balancer.js")), harness.operations.log.toString());
        assertTrue(harness.operations.log.contains("module worker=" + Path.of("conf/lib/worker.js")), harness.operations.log.toString());
        RdcError none = new ScriptHarness().fail("module b = \"stdlib/balancer.js\"");
        assertTrue(none.getMessage().contains("no stdlib directory is configured"), none.getMessage());
    }

    @Test
    void createBindsFamiliesAndLinksThroughOperations() {
        ScriptHarness harness = new ScriptHarness().run("""
                module worker = "workers/worker.js"
                module spool = "spool.js"
                create s : spool("lp", 2) at pick("exclusive") { port in on new "printer1" handle "p1" }
                forall i in 1..3 {
                  create w[i] : worker at node 200 + i {
                    stream out to "printer1" handle "worker${i}"
                  }
                }
                link w[2].out to s.in
                print w[1], len(w), status(w[3]), queue(s.in)
                freeze w[1]; unfreeze w[1] priority 2; destroy w[3]
                print status(w[3])
                forall x in w { inspect x }
                """);
        List<String> log = harness.operations.log;
        assertEquals("module worker=workers/worker.js", log.get(0));
        assertEquals("create s:spool[lp, 2] at 201 [InterfaceSpec[kind=PORT_ON_NEW_CHANNEL, name=in, label=printer1, handle=p1]]",
                log.get(3));
        assertEquals("create w[2]:worker[] at 202 [InterfaceSpec[kind=STREAM, name=out, label=printer1, handle=worker2]]",
                log.get(5));
        assertTrue(log.contains("link w[2].out -> s.in"), log.toString());
        assertTrue(log.contains("unfreeze w[1] priority 2"), log.toString());
        String[] lines = harness.output().split("\n");
        assertEquals("<w[1]> 3 EXECUTING 0", lines[0]);
        assertEquals("DEAD", lines[1]);
        assertEquals("inspect w[3]: DEAD", lines[4]);
        assertInstanceOf(IncarnationFamily.class, harness.evaluator.global("w"));
    }

    @Test
    void streamSpaceNameServiceAndMessages() {
        ScriptHarness harness = new ScriptHarness();
        harness.operations.replier = head -> Map.of("echo", head.get("n"));
        harness.run("""
                module m = "m.js"
                create a : m at node 201
                put "docs" = [1, 2] copies unlimited
                put "one" = a dontcache
                let docs = get "docs"
                register "printing" {queue: "q1"}
                let reply = invoke a.tasks {n: 41 + 1} body docs
                send a.tasks {n: 1}
                return "docs"; delete "docs"
                print docs, lookup("printing").queue, reply.echo, get "one"
                show nodes
                """);
        assertEquals("[1, 2] q1 42 <a>\nnodes: [201, 202, 203, 204]\n", harness.output());
        assertTrue(harness.operations.log.contains("put docs=[1, 2] copies -1"), harness.operations.log.toString());
        assertTrue(harness.operations.log.contains("invoke a.tasks {n=42} body [1, 2]"), harness.operations.log.toString());
    }

    @Test
    void referencesFromGetAndLookupStandWhereInterfacesDo() {
        ScriptHarness harness = new ScriptHarness();
        harness.run("""
                module m = "m.js"
                create a : m at node 201
                create b : m at node 202
                put "a.out" = a copies unlimited
                register "printing" b
                let h = get "a.out"
                let p = lookup("printing")
                link h to p
                link a.out to p
                unlink a.out from p
                rebind h to p moving from b.in
                rebind "a.out" to "printer2" under failure
                rebind a.out to get "a.out" moving from p
                """);
        List<String> log = harness.operations.log;
        // the references reach the runtime unchanged, with no interface name (as invoke and send take them)
        assertTrue(log.contains("link a.null -> b.null"), log.toString());
        assertTrue(log.contains("link a.out -> b.null"), log.toString());
        assertTrue(log.contains("unlink a.out -> b.null"), log.toString());
        assertTrue(log.contains("rebind a -> b moving from b.in"), log.toString());
        assertTrue(log.contains("rebind \"a.out\" -> \"printer2\" under failure"), log.toString());
        assertTrue(log.contains("rebind a.out -> a moving from b"), log.toString());
    }

    @Test
    void placesThatAreNeitherLabelsInterfacesNorReferencesAreRefusedWhereTheyAreWritten() {
        assertEquals("t.rdc:1:8: rebind needs the stream to rebind: a stream-space label, an interface like w.out or a reference from get or lookup, not a number (3)",
                ScriptHarness.error("rebind 3 to \"c\" under failure").getMessage());
        assertEquals("t.rdc:1:31: rebind … moving from needs the port to move queued messages from: a stream-space label, an interface like w.out"
                        + " or a reference from get or lookup, not a list ([1])",
                ScriptHarness.error("rebind \"s\" to \"c\" moving from [1]").getMessage());
        assertEquals("t.rdc:1:6: link needs a stream or port like w[1].out, or a reference from get or lookup, not a string (\"x\")",
                ScriptHarness.error("link \"x\" to \"y\"").getMessage());
        assertEquals("t.rdc:1:7: queue needs a port like spool.in or a port from get, not a number",
                ScriptHarness.error("queue(5)").getMessage());
    }

    @Test
    void waitUntilAndWhenReEvaluateThroughOperations() {
        ScriptHarness harness = new ScriptHarness();
        harness.run("""
                module m = "m.js"
                create s : m at node 201
                let fired = 0
                when queue(s.in) > 100 { fired = fired + 1 }
                """);
        harness.operations.queues.put("s.in", 150L);
        harness.run("sleep 1s\nprint fired");
        assertEquals("1\n", harness.output());
        RdcError timeout = harness.fail("wait until queue(s.in) == 0 within 2s");
        assertEquals("t.rdc:1:1: timed out after 2s waiting until queue(s.in) == 0", timeout.getMessage());
        harness.operations.queues.put("s.in", 0L);
        harness.run("wait until queue(s.in) == 0 within 2s");
    }

    @Test
    void expectError() {
        assertEquals("ok\n", output("""
                module m = "m.js"
                expect error "not allocated" { create x : m at node 999 }
                print "ok"
                """));
        assertEquals("t.rdc:1:1: expected an error containing \"boom\", but the block completed without error",
                error("expect error \"boom\" { let x = 1 }").getMessage());
        assertEquals("t.rdc:1:1: expected an error containing \"boom\", but got: t.rdc:1:29: unknown name `y`",
                error("expect error \"boom\" { print y }").getMessage());
    }

    @Test
    void assertMessages() {
        assertEquals("t.rdc:2:1: expected x == 3, but x = 2", error("let x = 2\nassert x == 3").getMessage());
        assertEquals("t.rdc:2:1: expected len(l) < n - 1, but len(l) = 2 and n - 1 = 1",
                error("let l = [1, 2]; let n = 2\nassert len(l) < n - 1").getMessage());
        assertEquals("t.rdc:1:1: expected 1 == 2, but it is false", error("assert 1 == 2").getMessage());
        assertEquals("t.rdc:2:1: too few (expected n > 5, but n = 1)", error("let n = 1\nassert n > 5, \"too few\"").getMessage());
        assertEquals("t.rdc:1:1: expected false, but it is false", error("assert false").getMessage());
    }

    @Test
    void sharedStructureCannotBlowUpPrintingOrPassing() {
        String doubling = "let a = [1]\nforall i in 1..64 { a = [a, a] }\n";
        assertEquals("true\n", output(doubling + "print a == a"));
        assertEquals("t.rdc:3:7: string longer than 1000000 characters", error(doubling + "print str(a)").getMessage());
        assertEquals("t.rdc:3:7: string longer than 1000000 characters", error(doubling + "print \"a is ${a}\"").getMessage());
        assertEquals("t.rdc:3:11: value too large to pass on (more than 1000000 parts)", error(doubling + "put \"a\" = a").getMessage());
        assertEquals("t.rdc:1:6: range 1..9223372036854775807 is too long to pass as a list",
                error("pick(1..9223372036854775807)").getMessage());
        assertEquals("9223372036854775807\n", output("print len(-9223372036854775807..9223372036854775807)"));
    }
}
