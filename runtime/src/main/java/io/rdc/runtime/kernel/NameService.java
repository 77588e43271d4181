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
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String n : names.keySet()) {
            int d = distance(n, name);
            if (d < bestD) {
                bestD = d;
                best = n;
            }
        }
        return best != null && bestD <= Math.max(2, name.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++)
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
