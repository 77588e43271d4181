package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.interpreter.runtime.RuntimeOperations;
import io.rdc.runtime.pool.PoolConfig;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jline.reader.Candidate;
import org.jline.reader.EOFError;
import org.jline.reader.Parser;
import org.jline.utils.AttributedString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What Tab offers in each context, the continuation rule, and the highlighting, on a live session. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShellCompletionTest {
    static RuntimeOperations ops;
    static Shell shell;
    static ShellCompleter completer;

    @BeforeAll
    static void start() {
        ops = RuntimeOperations.start(PoolConfig.defaults());
        shell = new Shell(ops, new Shell.Settings(false, false, null), new ByteArrayOutputStream());
        completer = new ShellCompleter(shell);
        String m = ShellHarness.TEXTPROC.toString();
        assertTrue(shell.execute("module spooler = \"" + m + "/spooler.js\"\nchannel \"report\" unicast\n"
                + "create sp : spooler({total: 1}) at node 202 { port in on new \"printer1\"; stream report to \"report\" }\n"
                + "forall i in 1..2 { create s[i] : spooler({total: 1}) at node 203 { port in on new \"p${i}\" } }\n"
                + "proc addPrinter(n) { print n }\nlet limit = 3", null));
    }

    @AfterAll
    static void stop() {
        shell.close();
        ops.close();
    }

    static List<String> values(String line) {
        return completer.candidates(ShellParser.words(line, line.length())).stream().map(Candidate::value).toList();
    }

    @Test
    void statementStartOffersKeywordsWithTemplatesShellCommandsAndNames() {
        List<Candidate> c = completer.candidates(ShellParser.words("", 0));
        Candidate create = c.stream().filter(x -> x.value().equals("create")).findFirst().orElseThrow();
        assertTrue(create.descr().startsWith("create NAME[i] : MODULE"), create.descr());
        List<String> v = c.stream().map(Candidate::value).toList();
        assertTrue(v.containsAll(List.of("show", "link", "graph", "watch", "help", "sp", "s[1]", "s[2]", "limit", "addPrinter(")), v.toString());
    }

    @Test
    void watchAndGraphOfferTheirOptions() {
        assertTrue(values("watch ").containsAll(List.of("nodes", "events", "inspect")), values("watch ").toString());
        assertEquals(List.of("every", "--count"), values("watch nodes "));
        assertEquals(List.of("every", "--count"), values("watch nodes every 2s "));
        assertTrue(values("graph ").containsAll(List.of("--dot", "--mermaid", "--json")), values("graph ").toString());
    }

    @Test
    void expressionsOfferIncarnationsFamilyMembersAndFunctions() {
        List<String> v = values("link s[");
        assertTrue(v.containsAll(List.of("s[1]", "s[2]", "sp", "len(", "pick(")), v.toString());
        assertFalse(v.contains("create"), v.toString());
    }

    @Test
    void afterADotTheInterfacesOfThatIncarnation() {
        assertEquals(List.of("sp.in", "sp.report"), values("inspect sp."));
        assertEquals(List.of("s[2].in"), values("print queue(s[2]."));
    }

    @Test
    void labelsInStringsNodesAfterNodeModulesAfterColon() {
        List<String> labels = values("create x : spooler at node 201 { port in on existing \"");
        assertTrue(labels.containsAll(List.of("\"printer1\"", "\"report\"", "\"p1\"", "\"p2\"")), labels.toString());
        assertEquals(List.of("201", "202", "203", "204"), values("create x : spooler at node "));
        assertEquals(List.of("spooler"), values("create x : "));
        assertTrue(values("create x : spooler at ").containsAll(List.of("node", "pick(", "\"node1\"")));
        assertEquals(List.of("nodes", "incarnations", "channels", "space", "events", "allocation"), values("show "));
        assertEquals(List.of("new", "existing"), values("create x : spooler at node 201 { port in on "));
        assertTrue(values("create x : spooler at node 201 { ").containsAll(List.of("port", "stream")));
    }

    @Test
    void filePathsAfterUseAndModule(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("lib"));
        Files.writeString(dir.resolve("lib/helpers.rdc"), "");
        String base = dir + "/";
        assertEquals(List.of("\"" + base + "lib/"), values("use \"" + base + "l"));
        assertEquals(List.of("\"" + base + "lib/helpers.rdc\""), values("module w = \"" + base + "lib/"));
    }

    @Test
    void openBracketsContinueTheInputStringsAndCommentsDoNot() {
        ShellParser p = new ShellParser();
        assertThrows(EOFError.class, () -> p.parse("forall i in 1..3 {", 18, Parser.ParseContext.ACCEPT_LINE));
        assertThrows(EOFError.class, () -> p.parse("print f(1,\n  [2", 15, Parser.ParseContext.ACCEPT_LINE));
        p.parse("print \"{ ( [\"  # {", 19, Parser.ParseContext.ACCEPT_LINE);
        p.parse("if x { print 1 }", 16, Parser.ParseContext.ACCEPT_LINE);
        p.parse("print 1 }", 9, Parser.ParseContext.ACCEPT_LINE); // too many closers: the interpreter reports it
    }

    @Test
    void highlightingUsesTheGrammarsTokens() {
        AttributedString a = ShellHighlighter.highlight("create w[1] : worker(\"x\", 5s) at node 201 # done");
        assertEquals("create w[1] : worker(\"x\", 5s) at node 201 # done", a.toString());
        assertEquals(ShellHighlighter.KEYWORD, a.styleAt(0));                // create
        assertEquals(ShellHighlighter.NUMBER, a.styleAt(9));                 // 1
        assertEquals(ShellHighlighter.STRING, a.styleAt(21));                // "x"
        assertEquals(ShellHighlighter.NUMBER, a.styleAt(26));                // 5s
        assertEquals(ShellHighlighter.KEYWORD, a.styleAt(30));               // at
        assertEquals(ShellHighlighter.COMMENT, a.styleAt(42));               // # done
        assertEquals(ShellHighlighter.ERROR, ShellHighlighter.highlight("print \"open").styleAt(7));
    }
}
