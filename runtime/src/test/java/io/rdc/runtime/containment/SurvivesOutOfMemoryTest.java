package io.rdc.runtime.containment;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.pool.EmbeddedPool;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;

/**
 * The media driver's and the kernels' duty cycles run under {@link EmbeddedPool.SurvivesOutOfMemory}:
 * an OutOfMemoryError in one cycle must not end the thread (Agrona's runner rethrows every Error,
 * and a driver thread that ends takes every Aeron client of the JVM with it: issue 21).
 */
class SurvivesOutOfMemoryTest {

    /** An agent whose first duty cycle runs out of memory, then counts its cycles. */
    private static Agent outOfMemoryOnce(AtomicInteger cycles) {
        return new Agent() {
            @Override
            public int doWork() {
                if (cycles.incrementAndGet() == 1) throw new OutOfMemoryError("Java heap space (a test's)");
                return 0;
            }

            @Override
            public String roleName() {
                return "out-of-memory-once";
            }
        };
    }

    private static int cyclesAfter(Agent agent, AtomicInteger cycles) throws InterruptedException {
        AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), e -> {}, null, agent);
        Thread t = AgentRunner.startOnThread(runner);
        long until = System.nanoTime() + 3_000_000_000L;
        while (cycles.get() < 20 && t.isAlive() && System.nanoTime() < until) Thread.sleep(10);
        runner.close();
        return cycles.get();
    }

    @Test
    void anOutOfMemoryErrorInADutyCycleDoesNotEndTheRunnersThread() throws Exception {
        AtomicInteger wrapped = new AtomicInteger();
        assertTrue(cyclesAfter(new EmbeddedPool.SurvivesOutOfMemory(outOfMemoryOnce(wrapped)), wrapped) >= 20,
                "the runner stopped after the OutOfMemoryError: " + wrapped.get() + " cycles");
        // Why the wrapper is there: Agrona's runner alone ends its thread on the error.
        AtomicInteger bare = new AtomicInteger();
        assertEquals(1, cyclesAfter(outOfMemoryOnce(bare), bare), "Agrona's runner no longer ends on an Error: the wrapper may go");
    }
}
