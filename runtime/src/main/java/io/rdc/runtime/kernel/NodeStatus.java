package io.rdc.runtime.kernel;

import java.util.List;

/**
 * A node as the pool reports it (appendix B's NodeEntry, extended): id, name, groups, load, how
 * many frames it has refused since it started (failed authentication or replayed: issue 20), and
 * how many kernel messages it could not read (another schema, or a version too old: issue 16), and
 * how many requests it refused for claiming an operator without proof ({@code refusedRequests}:
 * docs/security.md, "Operator tokens").
 *
 * <p>The load figures (docs/pool.md, "Load balancing"): {@code load} is the number of incarnations
 * running guest code or with work queued now (the dissertation's "processes running or eligible to
 * run", §3.4); {@code queued} the messages, events and timers queued at the node's incarnations;
 * {@code busy} the handler time its incarnations ran per second of wall time since the previous
 * reading, at least 0.5 s before (1.0: one handler running all the time; wall time, not processor time, which would cost a
 * system call per handler). A node that did not answer shows what its last heartbeat said: load and
 * incarnations, the rest 0.
 */
public record NodeStatus(int id, String name, List<String> groups, boolean reachable, int incarnations, double load, long refusedFrames,
                         long unreadableMessages, long queued, double busy, long refusedRequests) {
    public NodeStatus(int id, String name, List<String> groups, boolean reachable, int incarnations, double load) {
        this(id, name, groups, reachable, incarnations, load, 0, 0, 0, 0, 0);
    }
}
