package io.rdc.interpreter;

import static io.rdc.interpreter.ScriptHarness.error;
import static io.rdc.interpreter.ScriptHarness.output;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.NoSuchFileException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 14's language for scripts past a page: functions with values, call-site chains, expressions for labels, has and ??. */
class FunctionsAndOptionalsTest {

    @Test
    void functionsGiveValuesWithYield() {
        assertEquals("6 120 20 null\n", output("""
                fn double(x) = x * 2
                fn fact(n) {
                  if n <= 1 { yield 1 }
                  yield n * fact(n - 1)
                }
                fn quadruple(x) {
                  let twice = double(x)
                  yield double(twice)
                }
                fn nothing() { let unused = 1 }
                print double(3), fact(5), quadruple(5), nothing()
                """));
    }

    @Test
    void yieldEndsTheFunctionAtOnceEvenInsideLoops() {
        assertEquals("3\n", output("""
                fn firstAbove(list, n) {
                  forall x in list { if x > n { yield x } }
                  yield null
                }
                print firstAbove([1, 2, 3, 4], 2)
                """));
    }

    @Test
    void yieldOutsideAFunctionIsRefusedWhereItIsWritten() {
        assertEquals("t.rdc:1:1: `yield` gives the value of a function, so it belongs inside `fn name(…) { … }`"
                + " (to give a copy back to stream space, write `return \"label\"`)", error("yield 1").getMessage());
        // a proc inside a fn is a body of its own
        assertTrue(error("fn f() {\n  proc g() { yield 2 }\n}").getMessage().startsWith("t.rdc:2:14: `yield` gives the value"));
    }

    @Test
    void returnStaysTheStreamSpaceStatementInsideFunctions() {
        ScriptHarness h = new ScriptHarness().run("""
                fn giveBack(label) {
                  return label
                  yield "given back " + label
                }
                print giveBack("t1")
                """);
        assertEquals("given back t1\n", h.output());
        assertTrue(h.operations.log.contains("return t1"), h.operations.log.toString());
    }

    @Test
    void labelsFilesAndNamesAreExpressions() {
        ScriptHarness h = new ScriptHarness().run("""
                let base = "job"
                let i = 7
                put base + str(i) = 42
                let got = get (base + str(i))
                let label = "job7"
                let again = get label
                return label
                register "svc-" + base 1
                delete label
                print got, again
                """);
        assertEquals("42 42\n", h.output());
        assertTrue(h.operations.log.containsAll(List.of("put job7=42 copies 1", "get job7", "return job7", "delete job7")),
                h.operations.log.toString());
        assertTrue(h.operations.log.stream().anyMatch(l -> l.startsWith("register svc-job")), h.operations.log.toString());
    }

    @Test
    void aLabelThatIsNotAStringSaysSo() {
        assertEquals("t.rdc:1:5: a label is a string, not a list", error("put [1] = 2").getMessage());
        assertEquals("t.rdc:1:10: a label is a string, not a number", error("delete 1 + 2").getMessage());
    }

    @Test
    void hasTestsForFieldsAndFamilyMembers() {
        assertEquals("true false false\n", output("""
                let r = {name: "w", port: null}
                print has(r, "port"), has(r, "queue"), has(null, "x")
                """));
        assertEquals("t.rdc:1:5: has needs a record or a family of incarnations, not a list",
                error("has([1], \"x\")").getMessage().replace("1:9", "1:5"));
    }

    @Test
    void coalesceReadsMissingFieldsAndNullsOptionally() {
        assertEquals("w 5 5 5 0 deep\n", output("""
                let r = {name: "w", port: null, inner: {deeper: {x: "deep"}}}
                print r.name ?? "?", r.queue ?? 5, r.port ?? 5, r.port.id ?? 5, r["q"] ?? 0, r.inner.deeper.x ?? "none"
                """));
        // ?? does not hide other errors: an unknown variable is still a mistake
        assertEquals("t.rdc:1:7: unknown name `nope`", error("print nope.x ?? 1").getMessage());
        // and reading a missing field without ?? is still an error
        assertEquals("t.rdc:1:16: record has no field `b`", error("let r = {a: 1}\nprint r.b").getMessage().replace("2:9", "1:16"));
    }

    @Test
    void waitUntilRetriesWhileAFieldIsMissing() {
        // the field appears after a virtual tick; before this change the wait stopped at the first read
        assertEquals("ready\n", output("""
                let r = {}
                when true { r = {ready: true} }
                wait until r.ready within 5s
                print "ready"
                """));
    }

    @Test
    void waitUntilReportsTheLastMissingValueWhenItTimesOut() {
        assertEquals("t.rdc:2:1: timed out after 1s waiting until r.ready; the condition could not be evaluated:"
                + " t.rdc:2:14: record has no field `ready`", error("let r = {}\nwait until r.ready within 1s").getMessage());
        // other errors still end the wait at once
        assertEquals("t.rdc:1:12: unknown name `r`", error("wait until r.ready within 1s").getMessage());
    }

    @Test
    void errorsInsideFunctionsShowTheChainOfCallSites() {
        RdcError e = error("""
                proc inner(r) {
                  print r.missing
                }
                fn outer(r) {
                  inner(r)
                  yield 1
                }
                let x = outer({a: 1})
                """);
        assertEquals("t.rdc:2:11: record has no field `missing`", e.getMessage());
        assertEquals(List.of("in inner(), called at t.rdc:5:3", "in outer(), called at t.rdc:8:9"), e.frames());
        assertTrue(e.render().endsWith("\n  in inner(), called at t.rdc:5:3\n  in outer(), called at t.rdc:8:9"), e.render());
        assertTrue(e.render().contains("  print r.missing\n          ^"), e.render());
    }

    @Test
    void errorsInUsedFilesShowWhereTheFileWasUsed() {
        ScriptHarness harness = new ScriptHarness(new Evaluator.Options().sourceReader(path -> {
            if (path.toString().equals("lib/a.rdc")) return "use \"b.rdc\"\n";
            if (path.toString().equals("lib/b.rdc")) return "let x = 1\nprint y\n";
            throw new NoSuchFileException(path.toString());
        }));
        RdcError e = harness.fail("let z = 0\nuse \"lib/a.rdc\"");
        assertEquals("lib/b.rdc:2:7: unknown name `y`", e.getMessage());
        assertEquals(List.of("in lib/b.rdc, used at lib/a.rdc:1:1", "in lib/a.rdc, used at t.rdc:2:1"), e.frames());
    }

    @Test
    void runawayRecursionShowsTheEndsOfTheChainOnly() {
        RdcError e = error("fn down(n) = down(n + 1)\nprint down(0)");
        assertTrue(e.getMessage().contains("procedure calls nested more than"), e.getMessage());
        String[] lines = e.render().split("\n");
        assertTrue(lines.length < 20, e.render());
        assertTrue(e.render().contains("more calls"), e.render());
        assertTrue(lines[lines.length - 1].endsWith("called at t.rdc:2:7"), e.render());
    }
}
