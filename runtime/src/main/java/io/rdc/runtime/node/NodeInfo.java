package io.rdc.runtime.node;

import java.util.List;
import java.util.Map;

/**
 * One line of the node descriptor file (dissertation fig. 3.3): the kernel-recognised integer id,
 * a human name, the groups it belongs to, its type and its attributes. Attributes are free-form
 * {@code key=value} or bare words; {@code endpoint=host:port} gives the node's UDP endpoint when it
 * runs as a separate process.
 */
public record NodeInfo(int id, String name, List<String> groups, String type, Map<String, String> attributes) {
    public NodeInfo {
        groups = List.copyOf(groups);
        attributes = Map.copyOf(attributes);
    }

    public boolean inGroup(String group) {
        return groups.contains(group);
    }

    /** The UDP endpoint ("host:port") this node listens on, or null when it has none. */
    public String endpoint() {
        return attributes.get("endpoint");
    }
}
