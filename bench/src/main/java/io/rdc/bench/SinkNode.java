package io.rdc.bench;

import io.rdc.runtime.pool.NodeMain;

/**
 * A node process for the benchmarks across processes: {@link NodeMain} with a benchmark {@link Sink}
 * registered under the name given after NodeMain's arguments ({@code ... IDLE SINK-NAME}).
 */
public final class SinkNode {
    private SinkNode() {}

    public static void main(String[] args) throws Exception {
        NodeMain.main(args, (pool, rest) -> rest.length == 0 ? null : Sink.start(pool.newOperator("sink"), rest[0]));
    }
}
