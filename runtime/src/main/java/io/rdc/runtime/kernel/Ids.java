package io.rdc.runtime.kernel;

/**
 * Global identifiers (§8.4.2): unique over the pool, decodable into the node that made them.
 * Layout: node id in the top 24 bits, a per-node counter below; channels carry their type in bit 39.
 */
public final class Ids {
    private Ids() {}

    static final int NODE_SHIFT = 40;
    /** Node ids are below this (24 bits). */
    public static final int MAX_NODE = 1 << 24;
    static final long MULTICAST_BIT = 1L << 39;
    static final long COUNTER_MASK = MULTICAST_BIT - 1;

    public static long make(int node, long counter) {
        return ((long) node << NODE_SHIFT) | (counter & COUNTER_MASK);
    }

    public static long channel(int node, long counter, boolean multicast) {
        return make(node, counter) | (multicast ? MULTICAST_BIT : 0);
    }

    public static int node(long gid) {
        return (int) (gid >>> NODE_SHIFT);
    }

    public static boolean isMulticast(long channel) {
        return (channel & MULTICAST_BIT) != 0;
    }

    public static String show(long gid) {
        if (gid == 0) return "-";
        // A StringBuilder, not '+': MemoryGuard names an RDC this way when the heap is nearly gone, and a string
        // concatenation linked for the first time then fails for good (invokedynamic).
        StringBuilder s = new StringBuilder(16).append(node(gid)).append('.').append(gid & COUNTER_MASK);
        if ((gid & MULTICAST_BIT) != 0) s.append('m');
        return s.toString();
    }
}
