package io.rdc.interpreter.ast;

/** Where a node starts in its source: file name as the user gave it, 1-based line, 1-based column. */
public record Position(String file, int line, int column) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
