package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.RefDescriptor;
import java.util.LinkedHashMap;
import java.util.Map;

/** The name service (§5.4): services registered under text names, looked up across RDCs. Kernel thread only. */
final class NameService {
    private final Map<String, RefDescriptor> names = new LinkedHashMap<>();

    void register(String name, RefDescriptor d) {
        if (name == null || name.isBlank()) throw new OperationException("a service name must not be empty");
        names.put(name, d);
    }

    RefDescriptor lookup(String name) {
        return names.get(name);
    }

    /** " (did you mean 'x'?)" when a registered name is close to the one asked for. */
    String suggest(String name) {
        return io.rdc.runtime.control.NameSuggest.suggest(names.keySet(), name);
    }
}
