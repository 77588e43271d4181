package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.jline.utils.AttributedString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The line being typed is highlighted with the grammar's lexer; --no-color (color off) draws it plain. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShellColorTest {
    static final String LINE = "print \"hi\", 42 # note";

    static String keywordAnsi() {
        return new AttributedString("print", ShellHighlighter.KEYWORD).toAnsi();
    }

    @Test
    void typedLineIsHighlightedWhenColorIsOn(@TempDir Path dir) throws Exception {
        try (ShellHarness sh = new ShellHarness(dir.resolve("h"), false, true)) {
            sh.type(LINE);
            sh.waitFor("# note");
            String raw = sh.raw();
            String strAnsi = new AttributedString("\"hi\"", ShellHighlighter.STRING).toAnsi();
            // the style's escape sequence right before the token it colours
            assertTrue(raw.contains(keywordAnsi().substring(0, keywordAnsi().indexOf("print")) + "print"), raw);
            assertTrue(raw.contains(strAnsi.substring(0, strAnsi.indexOf('"')) + "\"hi\""), raw);
            sh.type("\r");
            sh.waitFor("\nhi 42\n");
        }
    }

    @Test
    void noColorDrawsThePlainLine(@TempDir Path dir) throws Exception {
        try (ShellHarness sh = new ShellHarness(dir.resolve("h"), false, false)) {
            sh.type(LINE);
            sh.waitFor("# note");
            String raw = sh.raw();
            assertFalse(raw.contains("\u001b[32m") || raw.contains("\u001b[34m") || raw.contains("\u001b[1m"), raw);
            sh.type("\r");
            sh.waitFor("\nhi 42\n");
        }
    }
}
