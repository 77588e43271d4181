package io.rdc.shell;

import io.rdc.grammar.RdcLexer;
import java.util.regex.Pattern;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;
import org.jline.reader.Highlighter;
import org.jline.reader.LineReader;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/** Colours the line being typed with the grammar's own lexer, so the shell and the parser agree on every token. */
final class ShellHighlighter implements Highlighter {
    static final AttributedStyle KEYWORD = AttributedStyle.BOLD.foreground(AttributedStyle.BLUE);
    static final AttributedStyle STRING = AttributedStyle.DEFAULT.foreground(AttributedStyle.GREEN);
    static final AttributedStyle NUMBER = AttributedStyle.DEFAULT.foreground(AttributedStyle.CYAN);
    static final AttributedStyle CONSTANT = AttributedStyle.DEFAULT.foreground(AttributedStyle.MAGENTA);
    static final AttributedStyle COMMENT = AttributedStyle.DEFAULT.foreground(AttributedStyle.BRIGHT).italic();
    static final AttributedStyle ERROR = AttributedStyle.DEFAULT.foreground(AttributedStyle.RED).underline();
    static final AttributedStyle SHELL = AttributedStyle.BOLD.foreground(AttributedStyle.YELLOW);

    @Override
    public AttributedString highlight(LineReader reader, String buffer) {
        return highlight(buffer);
    }

    static AttributedString highlight(String buffer) {
        AttributedStringBuilder sb = new AttributedStringBuilder();
        RdcLexer lexer = new RdcLexer(CharStreams.fromString(buffer));
        lexer.removeErrorListeners();
        int at = 0;
        boolean firstWord = true;
        for (Token t = lexer.nextToken(); t.getType() != Token.EOF; t = lexer.nextToken()) {
            int start = t.getStartIndex(), stop = t.getStopIndex() + 1;
            if (start > at) gap(sb, buffer.substring(at, start));
            String text = buffer.substring(start, stop);
            AttributedStyle style = style(t, text, firstWord);
            sb.styled(style, text);
            firstWord = t.getType() == RdcLexer.NL || text.equals(";") || text.equals("{");
            at = stop;
        }
        if (at < buffer.length()) gap(sb, buffer.substring(at));
        return sb.toAttributedString();
    }

    /** Blanks and comments, which the lexer skips. */
    private static void gap(AttributedStringBuilder sb, String text) {
        int hash = text.indexOf('#'), slashes = text.indexOf("//");
        int c = hash < 0 ? slashes : slashes < 0 ? hash : Math.min(hash, slashes);
        if (c < 0) {
            sb.append(text);
            return;
        }
        sb.append(text.substring(0, c));
        int nl = text.indexOf('\n', c);
        String comment = nl < 0 ? text.substring(c) : text.substring(c, nl);
        sb.styled(COMMENT, comment);
        if (nl >= 0) gap(sb, text.substring(nl));
    }

    private static final Pattern WORD = Pattern.compile("[a-z]+");

    private static AttributedStyle style(Token t, String text, boolean firstWord) {
        return switch (t.getType()) {
            case RdcLexer.STRING -> STRING;
            case RdcLexer.UNTERMINATED_STRING, RdcLexer.UNEXPECTED_CHARACTER -> ERROR;
            case RdcLexer.INTEGER, RdcLexer.DECIMAL, RdcLexer.DURATION -> NUMBER;
            case RdcLexer.TRUE, RdcLexer.FALSE, RdcLexer.NULL -> CONSTANT;
            case RdcLexer.INCHOATE, RdcLexer.NEW, RdcLexer.EXISTING, RdcLexer.UNLIMITED, RdcLexer.DONTCACHE, RdcLexer.MOVING -> KEYWORD;
            case RdcLexer.IDENT -> firstWord && ShellCommands.NAMES.contains(text) ? SHELL : AttributedStyle.DEFAULT;
            default -> {
                String literal = RdcLexer.VOCABULARY.getLiteralName(t.getType());
                yield literal != null && WORD.matcher(text).matches() ? KEYWORD : AttributedStyle.DEFAULT;
            }
        };
    }
}
