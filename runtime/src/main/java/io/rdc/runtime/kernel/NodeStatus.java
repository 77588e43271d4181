package io.rdc.runtime.kernel;

import java.util.List;

/**
 * A node as the pool reports it (appendix B's NodeEntry, extended): id, name, groups, load, how
 * many frames it has refused since it started (failed authentication or replayed: issue 20), and
 * how many kernel messages it could not read (another schema, or a version too old: issue 16).
 */
public record NodeStatus(int id, String name, List<String> groups, boolean reachable, int incarnations, double load, long refusedFrames,
                         long unreadableMessages) {
    public NodeStatus(int id, String name, List<String> groups, boolean reachable, int incarnations, double load) {
        this(id, name, groups, reachable, incarnations, load, 0, 0);
    }
}
