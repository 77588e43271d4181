package io.rdc.interpreter.ast;

import io.rdc.interpreter.ast.Expression.BinaryOperator;
import java.util.StringJoiner;

/** Expression back to source text (for assertion messages); parenthesizes only where precedence needs it. */
public final class ExpressionFormatter {
    private ExpressionFormatter() {}

    public static String format(Expression expression) {
        return format(expression, 0);
    }

    /** Higher binds tighter; mirrors the order of alternatives in Rdc.g4. */
    private static int precedence(Expression expression) {
        return switch (expression) {
            case Expression.Binary binary -> switch (binary.operator()) {
                case OR -> 1;
                case AND -> 2;
                case EQUAL, NOT_EQUAL, LESS, LESS_OR_EQUAL, GREATER, GREATER_OR_EQUAL -> 4;
                case ADD, SUBTRACT -> 6;
                case MULTIPLY, DIVIDE, MODULO -> 7;
            };
            case Expression.Unary unary -> unary.operator() == Expression.UnaryOperator.NOT ? 3 : 8;
            case Expression.Range range -> 5;
            case Expression.Coalesce coalesce -> 0;
            case Expression.Invoke invoke -> 0;
            case Expression.Send send -> 0;
            default -> 9;
        };
    }

    private static String format(Expression expression, int context) {
        String text = switch (expression) {
            case Expression.IntegerLiteral literal -> Long.toString(literal.value());
            case Expression.DecimalLiteral literal -> Double.toString(literal.value());
            case Expression.DurationLiteral literal -> literal.text();
            case Expression.BooleanLiteral literal -> Boolean.toString(literal.value());
            case Expression.NullLiteral literal -> "null";
            case Expression.StringTemplate template -> formatString(template);
            case Expression.ListLiteral list -> {
                StringJoiner joined = new StringJoiner(", ", "[", "]");
                list.elements().forEach(element -> joined.add(format(element, 0)));
                yield joined.toString();
            }
            case Expression.RecordLiteral record -> {
                StringJoiner joined = new StringJoiner(", ", "{", "}");
                record.fields().forEach(field -> joined.add(field.name() + ": " + format(field.value(), 0)));
                yield joined.toString();
            }
            case Expression.Identifier identifier -> identifier.name();
            case Expression.Member member -> format(member.target(), 9) + "." + member.name();
            case Expression.Index index -> format(index.target(), 9) + "[" + format(index.index(), 0) + "]";
            case Expression.Call call -> {
                StringJoiner joined = new StringJoiner(", ", call.name() + "(", ")");
                call.arguments().forEach(argument -> joined.add(format(argument, 0)));
                yield joined.toString();
            }
            case Expression.Range range -> format(range.from(), 6) + ".." + format(range.to(), 6);
            case Expression.Unary unary -> unary.operator().symbol() + format(unary.operand(), precedence(unary));
            case Expression.Binary binary -> {
                int own = precedence(binary);
                // left-associative: the right operand needs parentheses at equal precedence
                yield format(binary.left(), own) + " " + binary.operator().symbol() + " " + format(binary.right(), own + 1);
            }
            case Expression.Get get -> "get " + format(get.label(), 9);
            case Expression.Coalesce coalesce -> format(coalesce.left(), 1) + " ?? " + format(coalesce.right(), 0);
            case Expression.Invoke invoke -> "invoke " + format(invoke.target(), 9) + " " + format(invoke.head(), 0)
                    + (invoke.body() == null ? "" : " body " + format(invoke.body(), 0));
            case Expression.Send send -> "send " + format(send.target(), 9) + " " + format(send.head(), 0)
                    + (send.body() == null ? "" : " body " + format(send.body(), 0));
        };
        return precedence(expression) < context ? "(" + text + ")" : text;
    }

    private static String formatString(Expression.StringTemplate template) {
        StringBuilder out = new StringBuilder("\"");
        for (Expression.StringTemplate.Part part : template.parts()) {
            if (part instanceof Expression.StringTemplate.Text text) {
                out.append(text.text().replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$")
                        .replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r"));
            } else if (part instanceof Expression.StringTemplate.Interpolation interpolation) {
                out.append("${").append(format(interpolation.expression(), 0)).append('}');
            }
        }
        return out.append('"').toString();
    }

    /** Whether an operand is worth reporting in "but x = 2" (literals are already in the text). */
    public static boolean isLiteral(Expression expression) {
        return switch (expression) {
            case Expression.IntegerLiteral l -> true;
            case Expression.DecimalLiteral l -> true;
            case Expression.DurationLiteral l -> true;
            case Expression.BooleanLiteral l -> true;
            case Expression.NullLiteral l -> true;
            case Expression.StringTemplate t -> t.constantText() != null;
            case Expression.Unary u -> u.operator() == Expression.UnaryOperator.NEGATE && isLiteral(u.operand());
            default -> false;
        };
    }

    static boolean isComparison(BinaryOperator operator) {
        return operator.isComparison();
    }
}
