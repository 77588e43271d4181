package io.rdc.interpreter;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Lexical scope: variables and procedures (separate namespaces), chained to the enclosing scope. */
final class Scope {
    private final Scope parent;
    private final Map<String, Object> variables = new HashMap<>();
    private final Map<String, Procedure> procedures = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Scope global() {
        Scope scope = this;
        while (scope.parent != null) {
            scope = scope.parent;
        }
        return scope;
    }

    void define(String name, Object value) {
        variables.put(name, value);
    }

    void defineProcedure(String name, Procedure procedure) {
        procedures.put(name, procedure);
    }

    /** The scope that defines {@code name}, or null. */
    Scope owner(String name) {
        for (Scope scope = this; scope != null; scope = scope.parent) {
            if (scope.variables.containsKey(name)) {
                return scope;
            }
        }
        return null;
    }

    Object get(String name) {
        return variables.get(name);
    }

    void set(String name, Object value) {
        variables.put(name, value);
    }

    Procedure procedure(String name) {
        for (Scope scope = this; scope != null; scope = scope.parent) {
            Procedure procedure = scope.procedures.get(name);
            if (procedure != null) {
                return procedure;
            }
        }
        return null;
    }

    Set<String> visibleVariables() {
        Set<String> names = new LinkedHashSet<>();
        for (Scope scope = this; scope != null; scope = scope.parent) {
            names.addAll(scope.variables.keySet());
        }
        return names;
    }

    Set<String> visibleProcedures() {
        Set<String> names = new LinkedHashSet<>();
        for (Scope scope = this; scope != null; scope = scope.parent) {
            names.addAll(scope.procedures.keySet());
        }
        return names;
    }
}
