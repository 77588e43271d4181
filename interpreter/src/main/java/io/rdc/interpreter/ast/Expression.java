package io.rdc.interpreter.ast;

import java.util.List;

/** Expressions: immutable records, one per syntactic form. */
public sealed interface Expression extends Node {

    record IntegerLiteral(Position position, long value) implements Expression {}

    record DecimalLiteral(Position position, double value) implements Expression {}

    /** {@code 5s}, {@code 200ms}, {@code 2m}: kept in milliseconds. */
    record DurationLiteral(Position position, long millis, String text) implements Expression {}

    record BooleanLiteral(Position position, boolean value) implements Expression {}

    record NullLiteral(Position position) implements Expression {}

    /** A string literal; {@code parts} alternate literal text ({@link Text}) and interpolated expressions. */
    record StringTemplate(Position position, List<Part> parts) implements Expression {
        public StringTemplate {
            parts = List.copyOf(parts);
        }

        /** The literal text if there is no interpolation, else null. */
        public String constantText() {
            StringBuilder text = new StringBuilder();
            for (Part part : parts) {
                if (!(part instanceof Text t)) {
                    return null;
                }
                text.append(t.text());
            }
            return text.toString();
        }

        public sealed interface Part permits Text, Interpolation {}

        public record Text(String text) implements Part {}

        public record Interpolation(Expression expression) implements Part {}
    }

    record ListLiteral(Position position, List<Expression> elements) implements Expression {
        public ListLiteral {
            elements = List.copyOf(elements);
        }
    }

    record RecordLiteral(Position position, List<Field> fields) implements Expression {
        public RecordLiteral {
            fields = List.copyOf(fields);
        }

        public record Field(Position position, String name, Expression value) {}
    }

    record Identifier(Position position, String name) implements Expression {}

    record Member(Position position, Expression target, String name) implements Expression {}

    record Index(Position position, Expression target, Expression index) implements Expression {}

    /** A call of a procedure or built-in by name: {@code f(a, b)}. */
    record Call(Position position, String name, List<Expression> arguments) implements Expression {
        public Call {
            arguments = List.copyOf(arguments);
        }
    }

    record Range(Position position, Expression from, Expression to) implements Expression {}

    record Unary(Position position, UnaryOperator operator, Expression operand) implements Expression {}

    record Binary(Position position, BinaryOperator operator, Expression left, Expression right) implements Expression {}

    /** {@code get "label"} (or {@code get name}, {@code get ("w" + i)}): fetch a reference from the stream space. */
    record Get(Position position, Expression label) implements Expression {}

    /** {@code left ?? right}: right when left is null or reads a record field that is not there. */
    record Coalesce(Position position, Expression left, Expression right) implements Expression {}

    /** {@code invoke X.stream {head} body EXPR}: a request; its value is the reply. body may be null. */
    record Invoke(Position position, Expression target, RecordLiteral head, Expression body) implements Expression {}

    /** {@code send X.stream {head} body EXPR}: one-way; its value is null. body may be null. */
    record Send(Position position, Expression target, RecordLiteral head, Expression body) implements Expression {}

    enum UnaryOperator {
        NEGATE("-"), NOT("not ");

        private final String symbol;

        UnaryOperator(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }
    }

    enum BinaryOperator {
        ADD("+"), SUBTRACT("-"), MULTIPLY("*"), DIVIDE("/"), MODULO("%"),
        EQUAL("=="), NOT_EQUAL("!="), LESS("<"), LESS_OR_EQUAL("<="), GREATER(">"), GREATER_OR_EQUAL(">="),
        AND("and"), OR("or");

        private final String symbol;

        BinaryOperator(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        public boolean isComparison() {
            return switch (this) {
                case EQUAL, NOT_EQUAL, LESS, LESS_OR_EQUAL, GREATER, GREATER_OR_EQUAL -> true;
                default -> false;
            };
        }
    }
}
