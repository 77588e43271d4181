package io.rdc.runtime.kernel;

/**
 * An event notification (§3.2.3, §7.2.3) delivered to an incarnation that registered interest:
 * which incarnation it concerns, what happened, and a detail (an error message, a port, a time).
 */
public record Event(Type type, long subject, String subjectName, String detail, long atMillis) {
    public enum Type {
        DEAD(1), FAULTING(2), MADE(4), MESSAGE(8), STREAM_CLOSED(16), MIGRATEDONE(32), UNFROZEN(64), TIMER(128), MIGRATEFAILED(256),
        /** A line the incarnation printed (print, console.log): {@link IncarnationOutput}, rate-limited. */
        OUTPUT(512),
        /** Its node is being withdrawn (§3.4, inc_nodeWithdraw): it will be migrated away, or destroyed at the deadline. */
        WITHDRAWING(1024),
        /**
         * Its node stopped answering (no heartbeat within the control plane's liveness bound, §7.2.2):
         * sent by the watcher's own node to the incarnation's parent and to those interested in it.
         */
        UNREACHABLE(2048),
        /**
         * Kernel to kernel only, never delivered to an incarnation nor asked for: the subject now
         * lives at the node its detail names (sent when a migration commits, to its parent and its
         * watchers' nodes), so that UNREACHABLE follows it ({@link Ghosts#onNodeDown}).
         */
        RELOCATED(4096);

        public final int bit;

        Type(int bit) {
            this.bit = bit;
        }

        public static Type of(String name) {
            try {
                Type t = valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
                if (t != RELOCATED) return t;
            } catch (IllegalArgumentException e) {
                // said below
            }
            java.util.List<Type> known = new java.util.ArrayList<>(java.util.List.of(values()));
            known.remove(RELOCATED);
            throw new IllegalArgumentException("unknown event '" + name + "' (known: " + known + ")");
        }

        public static int maskOf(Iterable<String> names) {
            int m = 0;
            for (String n : names) m |= of(n).bit;
            return m;
        }
    }

    @Override
    public String toString() {
        return type + " " + subjectName + (detail == null || detail.isEmpty() ? "" : ": " + detail);
    }
}
