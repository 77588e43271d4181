package io.rdc.interpreter.ast;

import io.rdc.grammar.RdcLexer;
import io.rdc.grammar.RdcParser;
import io.rdc.interpreter.RdcError;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.antlr.v4.runtime.BailErrorStrategy;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.DefaultErrorStrategy;
import org.antlr.v4.runtime.InputMismatchException;
import org.antlr.v4.runtime.NoViableAltException;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.Vocabulary;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.misc.IntervalSet;
import org.antlr.v4.runtime.misc.ParseCancellationException;
import org.antlr.v4.runtime.tree.ParseTree;

/**
 * Source text to AST. Lexical and syntax errors become an {@link RdcError} at the first offending
 * token; ANTLR never prints to the console. Like Trino, it parses with the fast SLL mode first and
 * falls back to full LL only when SLL fails (then either LL succeeds or the error is real).
 */
public final class ScriptParser {
    private ScriptParser() {}

    public static Script parseScript(String source, String file) {
        RdcParser.ScriptContext tree = parse(source, file, 1, 1, false, RdcParser::script);
        try {
            return new AstBuilder(file, 0, 0).buildScript(tree);
        } catch (StackOverflowError tooDeep) {
            throw new RdcError(new Position(file, 1, 1), "script is nested too deeply to parse");
        }
    }

    public static Expression parseExpression(String source, String file) {
        return parseExpression(source, file, 1, 1);
    }

    /** Parses the inside of a string's {@code ${...}}, which starts at {@code line:column} of {@code file}. */
    static Expression parseExpression(String source, String file, int line, int column) {
        RdcParser.StandaloneExpressionContext tree = parse(source, file, line, column, true, RdcParser::standaloneExpression);
        try {
            return new AstBuilder(file, line - 1, column - 1).buildExpression(tree.expr());
        } catch (StackOverflowError tooDeep) {
            throw new RdcError(new Position(file, line, column), "expression is nested too deeply to parse");
        }
    }

    private static <T extends ParseTree> T parse(String source, String file, int line, int column, boolean interpolation,
                                                 Function<RdcParser, T> rule) {
        ErrorThrower errors = new ErrorThrower(file, line - 1, column - 1, interpolation);
        try {
            RdcLexer lexer = new RdcLexer(CharStreams.fromString(source, file));
            lexer.removeErrorListeners();
            lexer.addErrorListener(errors);
            CommonTokenStream tokens = new CommonTokenStream(lexer);
            tokens.fill();
            rejectBadTokens(tokens.getTokens(), errors);

            RdcParser parser = new RdcParser(tokens);
            parser.removeErrorListeners();
            parser.getInterpreter().setPredictionMode(PredictionMode.SLL);
            parser.setErrorHandler(new BailErrorStrategy());
            try {
                return rule.apply(parser);
            } catch (ParseCancellationException sllFailed) {
                tokens.seek(0);
                parser.reset();
                parser.addErrorListener(errors);
                parser.setErrorHandler(new DefaultErrorStrategy());
                parser.getInterpreter().setPredictionMode(PredictionMode.LL);
                return rule.apply(parser);
            }
        } catch (StackOverflowError tooDeep) {
            throw new RdcError(errors.position(1, 0), "script is nested too deeply to parse");
        }
    }

    /** The lexer turns anything it cannot read into one token; report it before the parser sees it. */
    private static void rejectBadTokens(List<Token> tokens, ErrorThrower errors) {
        for (Token token : tokens) {
            if (token.getType() == RdcLexer.UNEXPECTED_CHARACTER) {
                throw new RdcError(errors.position(token), "unexpected character " + quote(token.getText()));
            }
            if (token.getType() == RdcLexer.UNTERMINATED_STRING) {
                throw new RdcError(errors.position(token), "unterminated string (a string must end with \" on the same line)");
            }
        }
    }

    static String quote(String text) {
        if (text.isEmpty()) {
            return "``";
        }
        return "`" + text + "`";
    }

    /** Throws on the first lexer or parser error, with a message in the language's own terms. */
    private static final class ErrorThrower extends BaseErrorListener {
        private final String file;
        private final int lineOffset;
        private final int columnOffset;
        private final boolean interpolation;

        ErrorThrower(String file, int lineOffset, int columnOffset, boolean interpolation) {
            this.file = file;
            this.lineOffset = lineOffset;
            this.columnOffset = columnOffset;
            this.interpolation = interpolation;
        }

        Position position(Token token) {
            return position(token.getLine(), token.getCharPositionInLine());
        }

        Position position(int line, int charPositionInLine) {
            return new Position(file, line + lineOffset, charPositionInLine + 1 + (line == 1 ? columnOffset : 0));
        }

        @Override
        public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int charPositionInLine,
                                String msg, RecognitionException e) {
            if (!(recognizer instanceof Parser parser) || !(offendingSymbol instanceof Token token)) {
                throw new RdcError(position(line, charPositionInLine), "cannot read this: " + msg);
            }
            StringBuilder message = new StringBuilder("unexpected ").append(describe(token));
            IntervalSet expected = expectedTokens(parser, e);
            if (expected != null && expected.size() == 1 && expected.contains(Token.EOF)) {
                // the parser finished a statement and wanted the script to end; what it really needs is a separator
                message.append(token.getText().equals("}")
                        ? " (no block is open here)" : "; put statements on separate lines or separate them with `;`");
            } else if (expected != null && expected.contains(RdcLexer.INTEGER) && expected.contains(RdcLexer.STRING)
                    && expected.contains(RdcLexer.IDENT) && expected.size() > 4) {
                message.append(", expected an expression");
            } else {
                String expectedText = describeExpected(expected, parser.getVocabulary());
                if (expectedText != null) {
                    message.append(", expected ").append(expectedText);
                }
            }
            throw new RdcError(position(line, charPositionInLine), message.toString());
        }

        private static IntervalSet expectedTokens(Parser parser, RecognitionException e) {
            try {
                if (e instanceof InputMismatchException || e instanceof NoViableAltException || e == null) {
                    return parser.getExpectedTokens();
                }
                return e.getExpectedTokens();
            } catch (RuntimeException unavailable) {
                return null;
            }
        }

        private String describe(Token token) {
            return switch (token.getType()) {
                case Token.EOF -> interpolation ? "`}`" : "end of file";
                case RdcLexer.NL -> "end of line";
                case RdcLexer.STRING -> "string " + token.getText();
                default -> quote(token.getText());
            };
        }

        /** Short expected-lists help ("expected `to`"); long ones are noise, so they are dropped. */
        private static String describeExpected(IntervalSet expected, Vocabulary vocabulary) {
            if (expected == null || expected.isNil() || expected.size() > 4) {
                return null;
            }
            List<String> names = new ArrayList<>();
            for (int type : expected.toList()) {
                names.add(switch (type) {
                    case Token.EOF -> "end of file";
                    case RdcLexer.NL -> "end of line";
                    case RdcLexer.IDENT -> "a name";
                    case RdcLexer.STRING -> "a string";
                    case RdcLexer.INTEGER -> "an integer";
                    default -> {
                        String literal = vocabulary.getLiteralName(type);
                        yield literal != null ? "`" + literal.substring(1, literal.length() - 1) + "`"
                                : vocabulary.getDisplayName(type).toLowerCase();
                    }
                });
            }
            return names.size() == 1 ? names.get(0) : "one of " + String.join(", ", names);
        }
    }
}
