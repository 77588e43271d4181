package io.rdc.interpreter;

import io.rdc.interpreter.ast.Statement.ProcDefinition;

/** A procedure with the scope it was defined in (lexical scoping). */
record Procedure(ProcDefinition definition, Scope closure) {}
