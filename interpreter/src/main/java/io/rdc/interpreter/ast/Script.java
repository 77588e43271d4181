package io.rdc.interpreter.ast;

import java.util.List;

/** A parsed file: its name (as positions show it) and top-level statements. */
public record Script(String file, List<Statement> statements) {
    public Script {
        statements = List.copyOf(statements);
    }
}
