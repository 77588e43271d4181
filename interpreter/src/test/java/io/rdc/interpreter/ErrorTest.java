package io.rdc.interpreter;

import static io.rdc.interpreter.ScriptHarness.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ErrorTest {

    @Test
    void unexpectedCharacterRendersWithCaret() {
        RdcError error = error("let x = 1\nlet y = x @ 2\n");
        assertEquals("t.rdc:2:11: unexpected character `@`", error.getMessage());
        assertEquals("t.rdc:2:11: unexpected character `@`\nlet y = x @ 2\n          ^", error.render());
    }

    @Test
    void unterminatedString() {
        assertEquals("t.rdc:1:7: unterminated string (a string must end with \" on the same line)",
                error("print \"abc\nprint 1").getMessage());
    }

    @Test
    void unknownEscape() {
        assertEquals("t.rdc:1:10: unknown escape `\\q` (known: \\n \\t \\r \\\" \\\\ \\$)", error("print \"ab\\q\"").getMessage());
    }

    @Test
    void syntaxErrorAtFirstOffendingToken() {
        RdcError error = error("module worker = \"worker.js\"\nlink a.out b.in\nlink x y z");
        assertEquals("t.rdc:2:12: unexpected `b`, expected `to`", error.getMessage());
    }

    @Test
    void syntaxErrorAtEndOfLineAndFile() {
        assertTrue(error("let x =\nprint x").getMessage().startsWith("t.rdc:1:8: unexpected end of line"));
        assertTrue(error("forall i in 1..3 {").getMessage().startsWith("t.rdc:1:19: unexpected end of file"));
    }

    @Test
    void syntaxErrorInsideInterpolationPointsIntoTheString() {
        assertEquals("t.rdc:2:15: unexpected `}`, expected an expression", error("let n = 1\nprint \"a ${n +} b\"").getMessage());
        assertEquals("t.rdc:1:12: unknown name `y`", error("print \"a ${y} b\"").getMessage());
    }

    @Test
    void unknownWordChoices() {
        assertEquals("t.rdc:1:6: unknown thing to show `nodez`, expected one of nodes, incarnations, channels, space, events, rdcs, allocation",
                error("show nodez").getMessage());
        assertEquals("t.rdc:1:13: unknown channel kind `broadcast`, expected one of unicast, multicast",
                error("channel \"c\" broadcast").getMessage());
    }

    @Test
    void unknownNameSuggestsTheClosest() {
        RdcError error = error("let worker = 1\nlet other = 2\nprint wrker + 1");
        assertEquals("t.rdc:3:7: unknown name `wrker`; did you mean `worker`?", error.getMessage());
        assertEquals("t.rdc:3:7: unknown name `wrker`; did you mean `worker`?\nprint wrker + 1\n      ^", error.render());
    }

    @Test
    void unknownNameWithoutCloseCandidateHasNoSuggestion() {
        assertEquals("t.rdc:2:7: unknown name `zebra`", error("let worker = 1\nprint zebra").getMessage());
    }

    @Test
    void unknownProcedureSuggestsBuiltinsAndProcedures() {
        assertEquals("t.rdc:1:7: unknown procedure `lenn`; did you mean `len`?", error("print lenn([1])").getMessage());
        assertEquals("t.rdc:2:1: unknown procedure `startAll`; did you mean `startall`?",
                error("proc startall() { }\nstartAll()").getMessage());
    }

    @Test
    void unknownModuleSuggests() {
        assertEquals("t.rdc:2:12: unknown module `wroker`; did you mean `worker`?",
                error("module worker = \"w.js\"\ncreate w : wroker at node 201").getMessage());
    }

    @Test
    void unknownRecordFieldSuggests() {
        assertEquals("t.rdc:1:28: record has no field `nmae`; did you mean `name`?",
                error("let r = {name: 1}\nprint r.nmae".replace("\n", "; ")).getMessage());
    }

    @Test
    void typeErrors() {
        assertEquals("t.rdc:1:9: cannot add list to number", error("print 1 + [2]").getMessage());
        assertEquals("t.rdc:1:11: cannot compare string with number", error("print \"a\" < 1").getMessage());
        assertEquals("t.rdc:1:4: if condition must be a bool, not a number (1)", error("if 1 { }").getMessage());
        assertEquals("t.rdc:1:13: forall needs a range, list or incarnation family, not a string (\"abc\")",
                error("forall i in \"abc\" { }").getMessage());
        assertEquals("t.rdc:1:7: sleep must be a duration like 5s or 200ms, not a number (5)", error("sleep 5").getMessage());
        assertEquals("t.rdc:1:17: index 3 is out of range for a list of length 3 (lists count from 0)",
                error("print [1, 2, 3][3]").getMessage());
        assertEquals("t.rdc:1:9: division by zero", error("print 1 / 0").getMessage());
        assertEquals("t.rdc:1:27: integer overflow in *", error("print 9223372036854775807 * 2").getMessage());
    }

    @Test
    void operationFailureWrapsTheRuntimeMessage() {
        RdcError error = error("""
                module worker = "worker.js"
                forall i in 1..2 {
                  create w[i] : worker at node 999
                }""");
        assertEquals("t.rdc:3:3: create w[1] failed: node 999 is not allocated", error.getMessage());
        assertInstanceOf(IllegalStateException.class, error.getCause());
        assertEquals("t.rdc:3:3: create w[1] failed: node 999 is not allocated\n  create w[i] : worker at node 999\n  ^",
                error.render());
    }

    @Test
    void failOnMakesAnyOperationFail() {
        ScriptHarness harness = new ScriptHarness();
        harness.operations.failOn("link", "channel closed");
        RdcError error = harness.fail("""
                module m = "m.js"
                create a : m at node 201
                create b : m at node 202
                link a.out to b.in""");
        assertEquals("t.rdc:4:1: link a.out to b.in failed: channel closed", error.getMessage());
    }

    @Test
    void operationsTheRuntimeLacksFailWithTheirPosition() {
        // attach is implemented by the runtime's Operations; the fake refuses it as an operation
        assertEquals("t.rdc:3:1: attach a.in to \"b\" failed: attach is not supported by this runtime",
                error("module m = \"m.js\"\ncreate a : m at node 201\nattach a.in to \"b\"").getMessage());
    }

    @Test
    void integerLiteralTooLarge() {
        assertEquals("t.rdc:1:7: integer 99999999999999999999 is too large (at most 9223372036854775807; write it as a decimal like 1e20 if you need it)",
                error("print 99999999999999999999").getMessage());
    }

    @Test
    void errorsInUsedFilesNameThatFile() {
        ScriptHarness harness = new ScriptHarness(new Evaluator.Options().sourceReader(path -> {
            if (path.toString().equals("lib/helpers.rdc")) {
                return "proc helper() {\n  print missing\n}\n";
            }
            throw new java.nio.file.NoSuchFileException(path.toString());
        }));
        RdcError error = harness.fail("use \"lib/helpers.rdc\"\nhelper()");
        assertEquals("lib/helpers.rdc:2:9: unknown name `missing`", error.getMessage());
        assertEquals("  print missing", error.sourceLine());
        assertEquals("t.rdc:1:1: cannot read \"nope.rdc\": no such file", harness.fail("use \"nope.rdc\"").getMessage());
    }

    @Test
    void syntaxErrorsSayWhatWasExpected() {
        assertEquals("t.rdc:1:11: unexpected `let`; put statements on separate lines or separate them with `;`",
                error("let x = 1 let y = 2").getMessage());
        assertEquals("t.rdc:1:1: unexpected `}` (no block is open here)", error("}").getMessage());
        assertEquals("t.rdc:2:10: unexpected `*`, expected an expression", error("let x = 3\nprint x +* 2").getMessage());
        assertEquals("t.rdc:1:10: unexpected `1`, expected `in`", error("forall i 1..3 { }").getMessage());
        assertEquals("t.rdc:1:12: unknown name `worker` (a module's file is a string: did you mean \"worker.js\"?)",
                new ScriptHarness().fail("module w = worker.js").getMessage());
        assertEquals("t.rdc:1:6: `call` must be followed by a procedure call like addPrinter()", error("call x").getMessage());
    }

    @Test
    void parsingPrintsNothingToTheConsole() {
        java.io.PrintStream originalErr = System.err;
        java.io.PrintStream originalOut = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream capture = new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8);
        System.setErr(capture);
        System.setOut(capture);
        try {
            for (String bad : new String[] {"let x = = 1", "print @", "create : at {", "\"open", "forall { } }"}) {
                error(bad);
            }
        } finally {
            System.setErr(originalErr);
            System.setOut(originalOut);
        }
        assertEquals("", captured.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void windowsLineEndingsRenderCleanly() {
        RdcError error = error("let x = 1\r\nprint y\r\n");
        assertEquals("t.rdc:2:7: unknown name `y`\nprint y\n      ^", error.render());
    }
}
