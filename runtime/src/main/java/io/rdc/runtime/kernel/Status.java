package io.rdc.runtime.kernel;

import java.util.List;

/** What {@code status} reports of an incarnation (appendix B's IncState, extended). */
public record Status(long gid, String name, String module, Incarnation.State state, int node, int priority,
                     long createdMillis, long handlerMicros, long handlerRuns, long stateBytes,
                     int queued, List<PortStatus> ports, List<StreamStatus> streams, int references,
                     long parent, String fault, boolean started, List<String> referenceTable, String statePreview,
                     List<String> dependsOn, String moduleHash) {
    /** How operators see a module version: the first 8 hex digits of its code's SHA-256 ("" when unknown). */
    public static String shortVersion(String moduleHash) {
        return moduleHash == null || moduleHash.isEmpty() ? "" : moduleHash.substring(0, Math.min(8, moduleHash.length()));
    }

    public record PortStatus(long gid, long channel, int queued, String name, List<String> heads) {}

    public record StreamStatus(long gid, long channel, long destination, long unacknowledged, String failure, String name) {}
}
