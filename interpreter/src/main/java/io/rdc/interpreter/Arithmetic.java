package io.rdc.interpreter;

import io.rdc.interpreter.ast.Expression;
import io.rdc.interpreter.ast.Node;
import java.util.ArrayList;
import java.util.List;

/**
 * Arithmetic and ordering. Integers stay exact (overflow is an error, not a wrap); any decimal
 * operand makes the result a decimal, which must stay finite. Anything else is a type error that
 * names both types, e.g. "cannot add list to number".
 */
final class Arithmetic {
    private Arithmetic() {}

    static Object apply(Expression.Binary binary, Object left, Object right) {
        return switch (binary.operator()) {
            case ADD -> add(binary, left, right);
            case SUBTRACT -> {
                if (left instanceof DurationValue a && right instanceof DurationValue b) {
                    yield new DurationValue(exact(binary, () -> Math.subtractExact(a.millis(), b.millis())));
                }
                requireNumbers(binary, left, right, "subtract " + Values.typeName(right) + " from " + Values.typeName(left));
                yield numeric(binary, (Number) left, (Number) right);
            }
            case MULTIPLY -> {
                if (left instanceof DurationValue d && right instanceof Number n) {
                    yield scale(binary, d, n.doubleValue());
                }
                if (left instanceof Number n && right instanceof DurationValue d) {
                    yield scale(binary, d, n.doubleValue());
                }
                requireNumbers(binary, left, right, "multiply " + Values.typeName(left) + " by " + Values.typeName(right));
                yield numeric(binary, (Number) left, (Number) right);
            }
            case DIVIDE -> {
                if (left instanceof DurationValue d && right instanceof Number n) {
                    if (n.doubleValue() == 0) {
                        throw new RdcError(binary.position(), "division by zero");
                    }
                    yield scale(binary, d, 1 / n.doubleValue());
                }
                requireNumbers(binary, left, right, "divide " + Values.typeName(left) + " by " + Values.typeName(right));
                yield numeric(binary, (Number) left, (Number) right);
            }
            case MODULO -> {
                requireNumbers(binary, left, right, "take " + Values.typeName(left) + " modulo " + Values.typeName(right));
                yield numeric(binary, (Number) left, (Number) right);
            }
            default -> throw new IllegalStateException("not arithmetic: " + binary.operator());
        };
    }

    private static Object add(Expression.Binary binary, Object left, Object right) {
        if (left instanceof String || right instanceof String) {
            String a = Values.format(left);
            String b = Values.format(right);
            if ((long) a.length() + b.length() > Values.MAX_STRING_LENGTH) {
                throw new RdcError(binary.position(), "string longer than " + Values.MAX_STRING_LENGTH + " characters");
            }
            return a + b;
        }
        if (left instanceof List<?> a && right instanceof List<?> b) {
            if ((long) a.size() + b.size() > Values.MAX_LIST_SIZE) {
                throw new RdcError(binary.position(), "list longer than " + Values.MAX_LIST_SIZE + " elements");
            }
            List<Object> joined = new ArrayList<>(a);
            joined.addAll(b);
            return Values.list(joined);
        }
        if (left instanceof DurationValue a && right instanceof DurationValue b) {
            return new DurationValue(exact(binary, () -> Math.addExact(a.millis(), b.millis())));
        }
        requireNumbers(binary, left, right, "add " + Values.typeName(right) + " to " + Values.typeName(left));
        return numeric(binary, (Number) left, (Number) right);
    }

    private static void requireNumbers(Expression.Binary binary, Object left, Object right, String action) {
        if (!(left instanceof Number) || !(right instanceof Number)) {
            throw new RdcError(binary.position(), "cannot " + action);
        }
    }

    private static DurationValue scale(Expression.Binary binary, DurationValue duration, double factor) {
        double millis = duration.millis() * factor;
        if (!Double.isFinite(millis) || Math.abs(millis) > Long.MAX_VALUE / 2.0) {
            throw new RdcError(binary.position(), "duration out of range");
        }
        return new DurationValue(Math.round(millis));
    }

    private interface LongOperation {
        long apply();
    }

    private static long exact(Expression.Binary binary, LongOperation operation) {
        try {
            return operation.apply();
        } catch (ArithmeticException overflow) {
            throw new RdcError(binary.position(), "integer overflow in " + binary.operator().symbol());
        }
    }

    private static Object numeric(Expression.Binary binary, Number left, Number right) {
        if (left instanceof Long a && right instanceof Long b) {
            return switch (binary.operator()) {
                case ADD -> exact(binary, () -> Math.addExact(a, b));
                case SUBTRACT -> exact(binary, () -> Math.subtractExact(a, b));
                case MULTIPLY -> exact(binary, () -> Math.multiplyExact(a, b));
                case DIVIDE -> {
                    if (b == 0) {
                        throw new RdcError(binary.position(), "division by zero");
                    }
                    // 6 / 3 is the integer 2; 7 / 2 is 3.5, not 3
                    yield a % b == 0 ? (Object) exact(binary, () -> Math.divideExact(a, b)) : (Object) ((double) a / b);
                }
                case MODULO -> {
                    if (b == 0) {
                        throw new RdcError(binary.position(), "modulo by zero");
                    }
                    yield a % b;
                }
                default -> throw new IllegalStateException("not arithmetic: " + binary.operator());
            };
        }
        double a = left.doubleValue();
        double b = right.doubleValue();
        if ((binary.operator() == Expression.BinaryOperator.DIVIDE || binary.operator() == Expression.BinaryOperator.MODULO)
                && b == 0) {
            throw new RdcError(binary.position(), "division by zero");
        }
        double result = switch (binary.operator()) {
            case ADD -> a + b;
            case SUBTRACT -> a - b;
            case MULTIPLY -> a * b;
            case DIVIDE -> a / b;
            case MODULO -> a % b;
            default -> throw new IllegalStateException("not arithmetic: " + binary.operator());
        };
        if (!Double.isFinite(result)) {
            throw new RdcError(binary.position(), "number out of range in " + binary.operator().symbol());
        }
        return result;
    }

    /** Ordering for <, <=, >, >=, min and max: numbers, strings and durations, each among themselves. */
    static int compare(Node at, Object left, Object right) {
        if (left instanceof Long a && right instanceof Long b) {
            return Long.compare(a, b);
        }
        if (left instanceof Number a && right instanceof Number b) {
            return Double.compare(a.doubleValue(), b.doubleValue());
        }
        if (left instanceof String a && right instanceof String b) {
            return a.compareTo(b);
        }
        if (left instanceof DurationValue a && right instanceof DurationValue b) {
            return Long.compare(a.millis(), b.millis());
        }
        throw new RdcError(at.position(), "cannot compare " + Values.typeName(left) + " with " + Values.typeName(right));
    }
}
