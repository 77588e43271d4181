package io.rdc.runtime.kernel;

import java.util.List;

/** A node as the pool reports it (appendix B's NodeEntry, extended): id, name, groups, load. */
public record NodeStatus(int id, String name, List<String> groups, boolean reachable, int incarnations, double load) {}
