package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code rdc bench lifecycle --json}'s line for node_start: the shape others read, not a speed (no timed target here). */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LifecycleBenchTest {

    @Test
    void itPrintsTheNodeStartFigureAsOneJsonLine() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        io.rdc.bench.LifecycleBench.run(new PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8), 1);
        String out = bytes.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        assertTrue(out.matches("\\{\"bench\":\"lifecycle\",\"figure\":\"node_start\",\"ms\":[0-9.]+,\"samples_ms\":\\[[0-9.]+\\]}"), out);
    }
}
