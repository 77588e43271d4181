package io.rdc.interpreter;

import io.rdc.interpreter.ast.Position;
import java.util.ArrayList;
import java.util.List;

/**
 * The one error type of the language: lexical, syntax, name, type and operation errors alike.
 * It carries the position it is about and, once known, the text of that source line so that
 * {@link #render()} can show it with a caret, then the chain of calls and {@code use}s that led
 * there, innermost first, each as {@code file:line:col}.
 */
public final class RdcError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Frames shown by {@link #render()}; a runaway recursion keeps the innermost and outermost ones. */
    private static final int SHOWN_FRAMES = 12;

    private final Position position;
    private final String sourceLine;
    private final List<String> frames;
    private final boolean missingValue;

    public RdcError(Position position, String message) {
        this(position, message, null, null, List.of(), false);
    }

    public RdcError(Position position, String message, Throwable cause) {
        this(position, message, null, cause, List.of(), false);
    }

    private RdcError(Position position, String message, String sourceLine, Throwable cause, List<String> frames, boolean missingValue) {
        super(message, cause);
        this.position = position;
        this.sourceLine = sourceLine;
        this.frames = frames;
        this.missingValue = missingValue;
    }

    /**
     * An error that says a value is not there (yet): a record field read that the record lacks, a
     * field of null. {@code wait until} retries its condition while it fails this way.
     */
    public static RdcError missing(Position position, String message) {
        return new RdcError(position, message, null, null, List.of(), true);
    }

    public Position position() {
        return position;
    }

    /** True for {@link #missing} errors. */
    public boolean isMissingValue() {
        return missingValue;
    }

    /** The message without position, e.g. {@code unknown name `wrker`; did you mean `worker`?}. */
    public String bareMessage() {
        return super.getMessage();
    }

    /** The source line the position points into, or null if it was never attached. */
    public String sourceLine() {
        return sourceLine;
    }

    /** The call sites that led here, innermost first, e.g. {@code in double(), called at main.rdc:7:3}. */
    public List<String> frames() {
        return frames;
    }

    /** A copy that knows its source line; the original stack trace and cause are kept. */
    public RdcError withSourceLine(String line) {
        return copy(line, frames);
    }

    /** A copy with one more frame: the error left procedure {@code name}, which was called at {@code site}. */
    public RdcError calledFrom(String name, Position site) {
        return withFrame("in " + name + "(), called at " + site);
    }

    /** A copy with one more frame: the error came from running {@code file}, used at {@code site}. */
    public RdcError usedFrom(String file, Position site) {
        return withFrame("in " + file + ", used at " + site);
    }

    private RdcError withFrame(String frame) {
        List<String> more = new ArrayList<>(frames.size() + 1);
        more.addAll(frames);
        more.add(frame);
        return copy(sourceLine, List.copyOf(more));
    }

    private RdcError copy(String line, List<String> withFrames) {
        RdcError copy = new RdcError(position, bareMessage(), line, getCause(), withFrames, missingValue);
        copy.setStackTrace(getStackTrace());
        return copy;
    }

    @Override
    public String getMessage() {
        return position + ": " + bareMessage();
    }

    /** {@code file:line:col: message}, then the source line and a caret under the column, then the call sites. */
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
        int n = frames.size();
        for (int i = 0; i < n; i++) {
            if (n > SHOWN_FRAMES && i == SHOWN_FRAMES / 2) {
                out.append("\n  … ").append(n - SHOWN_FRAMES).append(" more calls");
                i = n - SHOWN_FRAMES / 2 - 1;
                continue;
            }
            out.append("\n  ").append(frames.get(i));
        }
        return out.toString();
    }
}
