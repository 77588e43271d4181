package io.rdc.shell;

import io.rdc.grammar.RdcLexer;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;
import org.jline.reader.CompletingParsedLine;
import org.jline.reader.EOFError;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;

/**
 * The shell's JLine parser: an input is complete when its {@code { } ( ) [ ]} balance (counted on
 * the grammar's own tokens, so brackets in strings and comments do not count); until then JLine
 * asks for another line. Words for completion are split at blanks and punctuation, keeping
 * {@code w[2].out} and {@code "a string"} whole.
 */
final class ShellParser implements Parser {
    private static final String DELIMITERS = "(){},;:=+*<>!|&";

    @Override
    public ParsedLine parse(String line, int cursor, ParseContext context) {
        if (context == ParseContext.ACCEPT_LINE || context == ParseContext.SECONDARY_PROMPT) {
            int open = openBrackets(line);
            if (open > 0) throw new EOFError(-1, -1, "unbalanced brackets", "}");
        }
        return words(line, cursor);
    }

    /** Brackets left open at the end of {@code source} (negative when more close than open). */
    static int openBrackets(String source) {
        int depth = 0;
        for (Token t : tokens(source)) {
            switch (t.getText()) {
                case "{", "(", "[" -> depth++;
                case "}", ")", "]" -> depth--;
                default -> {}
            }
            if (t.getType() == RdcLexer.UNTERMINATED_STRING) return 0; // let the parser report it
        }
        return depth;
    }

    /** The grammar's tokens of {@code source} (blanks and comments are skipped by the lexer). */
    static List<Token> tokens(String source) {
        RdcLexer lexer = new RdcLexer(CharStreams.fromString(source));
        lexer.removeErrorListeners();
        List<Token> out = new ArrayList<>();
        for (Token t = lexer.nextToken(); t.getType() != Token.EOF; t = lexer.nextToken()) out.add(t);
        return out;
    }

    static ArgsLine words(String line, int cursor) {
        List<String> words = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        int i = 0, n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c) || DELIMITERS.indexOf(c) >= 0) {
                i++;
                continue;
            }
            int start = i;
            boolean quoted = false;
            while (i < n) {
                char d = line.charAt(i);
                if (d == '"') quoted = !quoted;
                else if (d == '\\' && quoted && i + 1 < n) i++;
                else if (!quoted && (Character.isWhitespace(d) || DELIMITERS.indexOf(d) >= 0)) break;
                i++;
            }
            words.add(line.substring(start, Math.min(i, n)));
            starts.add(start);
        }
        int index = -1, wordCursor = 0;
        for (int w = 0; w < words.size(); w++) {
            int s = starts.get(w), e = s + words.get(w).length();
            if (cursor >= s && cursor <= e) {
                index = w;
                wordCursor = cursor - s;
            }
        }
        if (index < 0) { // the cursor is between words: an empty word there
            int at = 0;
            while (at < starts.size() && starts.get(at) < cursor) at++;
            words.add(at, "");
            starts.add(at, cursor);
            index = at;
            wordCursor = 0;
        }
        return new ArgsLine(line, cursor, List.copyOf(words), index, wordCursor, starts.get(index));
    }

    record ArgsLine(String line, int cursor, List<String> words, int wordIndex, int wordCursor, int wordStart)
            implements CompletingParsedLine {
        @Override
        public String word() {
            return words.get(wordIndex);
        }

        /** Candidates are inserted as written: they carry their own quotes. */
        @Override
        public CharSequence escape(CharSequence candidate, boolean complete) {
            return candidate;
        }

        @Override
        public int rawWordCursor() {
            return wordCursor;
        }

        @Override
        public int rawWordLength() {
            return word().length();
        }
    }
}
