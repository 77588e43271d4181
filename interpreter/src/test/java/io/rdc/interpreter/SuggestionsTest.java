package io.rdc.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    @Test
    void closestNameWithinAThirdOfItsLength() {
        List<String> known = List.of("worker", "spool", "scheduler", "x");
        assertEquals("; did you mean `worker`?", Suggestions.didYouMean("wrker", known));
        assertEquals("; did you mean `worker`?", Suggestions.didYouMean("wokrer", known)); // transposition counts once
        assertEquals("; did you mean `scheduler`?", Suggestions.didYouMean("shceduler", known));
        assertEquals("", Suggestions.didYouMean("printer", known));
        assertEquals("", Suggestions.didYouMean("y", known));
        assertEquals("", Suggestions.didYouMean("worker", List.of()));
    }

    @Test
    void editDistance() {
        assertEquals(0, Suggestions.editDistance("abc", "abc"));
        assertEquals(1, Suggestions.editDistance("abc", "acb"));
        assertEquals(3, Suggestions.editDistance("", "abc"));
        assertEquals(2, Suggestions.editDistance("kitten", "sitting") - 1);
    }
}
