package io.rdc.interpreter.ast;

/** Every AST node knows where it came from, so every error can point at it. */
public interface Node {
    Position position();
}
