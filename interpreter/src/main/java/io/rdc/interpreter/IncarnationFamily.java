package io.rdc.interpreter;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code create w[i] : ...} binds {@code w} to: incarnations by index, in creation order.
 * The one mutable value, because creating {@code w[3]} adds to the existing {@code w}.
 */
public final class IncarnationFamily {
    private final String name;
    private final Map<Object, Handle> members = new LinkedHashMap<>();

    public IncarnationFamily(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public Map<Object, Handle> members() {
        return Collections.unmodifiableMap(members);
    }

    void put(Object index, Handle incarnation) {
        members.put(index, incarnation);
    }

    @Override
    public String toString() {
        return "<" + name + Values.formatKeys(members.keySet()) + ">";
    }
}
