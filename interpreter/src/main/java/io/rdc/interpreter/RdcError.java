package io.rdc.interpreter;

import io.rdc.interpreter.ast.Position;

/**
 * The one error type of the language: lexical, syntax, name, type and operation errors alike.
 * It carries the position it is about and, once known, the text of that source line so that
 * {@link #render()} can show it with a caret.
 */
public final class RdcError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Position position;
    private final String sourceLine;

    public RdcError(Position position, String message) {
        this(position, message, null, null);
    }

    public RdcError(Position position, String message, Throwable cause) {
        this(position, message, null, cause);
    }

    private RdcError(Position position, String message, String sourceLine, Throwable cause) {
        super(message, cause);
        this.position = position;
        this.sourceLine = sourceLine;
    }

    public Position position() {
        return position;
    }

    /** The message without position, e.g. {@code unknown name `wrker`; did you mean `worker`?}. */
    public String bareMessage() {
        return super.getMessage();
    }

    /** The source line the position points into, or null if it was never attached. */
    public String sourceLine() {
        return sourceLine;
    }

    /** A copy that knows its source line; the original stack trace and cause are kept. */
    public RdcError withSourceLine(String line) {
        RdcError copy = new RdcError(position, bareMessage(), line, getCause());
        copy.setStackTrace(getStackTrace());
        return copy;
    }

    @Override
    public String getMessage() {
        return position + ": " + bareMessage();
    }

    /** {@code file:line:col: message}, then the source line and a caret under the column. */
    public String render() {
        StringBuilder out = new StringBuilder(getMessage());
        if (sourceLine != null) {
            out.append('\n').append(sourceLine).append('\n');
            int column = Math.max(1, position.column());
            for (int i = 1; i < column && i <= sourceLine.length(); i++) {
                // keep tabs so the caret lines up under tab-indented source
                out.append(sourceLine.charAt(i - 1) == '\t' ? '\t' : ' ');
            }
            out.append('^');
        }
        return out.toString();
    }
}
