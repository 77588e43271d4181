package io.rdc.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import org.junit.jupiter.api.Test;

/**
 * Issue 21: long flat chains of terms build and evaluate without a deep stack (the AST builder and
 * the evaluator walk a chain's left spine in a loop); nesting too deep to parse is refused with a
 * positioned error, never a StackOverflowError.
 */
class DeepScriptTest {

    private static String chain(String term, String operator, int n) {
        return String.join(" " + operator + " ", Collections.nCopies(n, term));
    }

    @Test
    void aSumOfOneHundredThousandTermsEvaluates() {
        assertEquals("100000\n", ScriptHarness.output("print(" + chain("1", "+", 100_000) + ")\n"));
    }

    @Test
    void mixedOperatorsKeepTheirPrecedenceAlongALongChain() {
        // 2 * 3 - 1 repeated: each term is (2*3) - 1 + ..., so 50,000 terms of 6 minus 1 each: 6 + 49,999 * 5.
        String expr = "6" + " + 2 * 3 - 1".repeat(49_999);
        assertEquals((6 + 49_999 * 5) + "\n", ScriptHarness.output("print(" + expr + ")\n"));
    }

    @Test
    void andAndOrChainsOfOneHundredThousandTermsEvaluateAndShortCircuit() {
        assertEquals("true\n", ScriptHarness.output("print(" + chain("true", "and", 100_000) + ")\n"));
        // The false at the front short-circuits: the undefined name after it is never evaluated.
        assertEquals("false\n", ScriptHarness.output("print(false and " + chain("nope", "and", 100_000) + ")\n"));
        assertEquals("true\n", ScriptHarness.output("print(" + chain("false", "or", 99_999) + " or true)\n"));
    }

    @Test
    void aLongStringConcatenationEvaluates() {
        String out = ScriptHarness.output("print(" + chain("\"ab\"", "+", 20_000) + ")\n");
        assertEquals(40_001, out.length());
    }

    @Test
    void aChainInAStringInterpolationEvaluates() {
        assertEquals("n=50000\n", ScriptHarness.output("print(\"n=${" + chain("1", "+", 50_000) + "}\")\n"));
    }

    @Test
    void nestingTooDeepToParseIsRefusedWithAPositionedError() {
        int depth = 100_000;
        for (String source : new String[] {
                "let x = " + "[".repeat(depth) + "]".repeat(depth) + "\n",
                "let x = " + "(".repeat(depth) + "1" + ")".repeat(depth) + "\n",
                "let x = " + "-".repeat(depth) + "1\n"}) {
            RdcError e = ScriptHarness.error(source);
            assertTrue(e.getMessage().contains("nested too deeply"), e.getMessage());
            assertTrue(e.getMessage().startsWith("t.rdc:1:"), e.getMessage());
        }
    }
}
