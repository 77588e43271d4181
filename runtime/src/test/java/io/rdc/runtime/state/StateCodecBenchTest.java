package io.rdc.runtime.state;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Runs {@link StateCodecBench} under surefire (JVMCI flags): {@code -Dtest=StateCodecBenchTest -Drdc.bench=true}. */
@Tag("bench")
class StateCodecBenchTest {
    @Test
    @EnabledIfSystemProperty(named = "rdc.bench", matches = "true")
    void bench() {
        StateCodecBench.main(new String[] {System.getProperty("rdc.bench.iters", "30")});
    }
}
