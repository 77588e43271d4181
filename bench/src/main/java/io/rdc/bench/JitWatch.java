package io.rdc.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * The CPU time GraalJS's compiler (Truffle's compiler threads, found by name) has spent, so that a
 * benchmark can warm up until the JIT has caught up instead of for a fixed count.
 *
 * <p>Why: on two cores Truffle runs one compiler thread, and its queue is long after a burst of new
 * code. In {@code rdc bench migrate} the codec's buffer copy reached its optimised tier 15–20 s after
 * its first tier, queued behind 2–3 s compilations of the codec's larger functions; until then a
 * 16 MB decode took 20–60 ms instead of 8.5. A fixed warm-up either ends inside that spell (and the
 * figures measure the compile queue) or is needlessly long.
 */
final class JitWatch {
    static final String COMPILER_THREAD = "TruffleCompilerThread";

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    /** Last CPU time seen per compiler thread: a thread that ended keeps its share, a new one starts at 0. */
    private final Map<Long, Long> seen = new HashMap<>();
    private long total;

    /** The compiler threads' CPU nanoseconds so far (monotonic; 0 if the JVM cannot measure thread CPU). */
    long compilerCpuNanos() {
        if (!threads.isThreadCpuTimeSupported() || !threads.isThreadCpuTimeEnabled()) return 0;
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds(), 0)) {
            if (t == null || !t.getThreadName().startsWith(COMPILER_THREAD)) continue;
            long cpu = threads.getThreadCpuTime(t.getThreadId());
            if (cpu < 0) continue;
            Long before = seen.put(t.getThreadId(), cpu);
            total += cpu - (before == null ? 0 : before);
        }
        return total;
    }
}
