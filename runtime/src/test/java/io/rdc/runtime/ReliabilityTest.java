package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reliability bugs of issue 21, each with a test that fails without its fix. */
class ReliabilityTest extends PoolFixture {

    @Test
    void aRefusedOversizeAsinvokeTakesNoSequenceNumber() {
        Operator op = operator();
        Ref s = serveAndConnect(op, "export function onMessage(ctx, port, m) { return { head: 'ok' }; }", 202, "phantom");
        op.send(s, Map.of("n", 1), null);
        String big = "x".repeat(3 << 20); // above the transport's limit for one message
        OperationException refused = assertThrows(OperationException.class, () -> op.asinvoke(s, null, big));
        assertTrue(refused.getMessage().contains("exceeds the transport's limit"), refused.getMessage());
        op.send(s, Map.of("n", 2), null);
        long t0 = System.nanoTime();
        op.flush(s); // with a phantom number, waits 10 s for an acknowledgement that never comes, then fails
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 5_000, "flush waited for a message that was never sent");
        assertEquals("ok", op.invoke(s, Map.of("n", 3), null, T).head());
    }

    @Test
    void aGetOfAMissingLabelSaysNothingWasAvailableNotThatANodeDidNotAnswer() {
        Operator op = operator();
        OperationException e = assertThrows(OperationException.class, () -> op.spaceGet("never-put", java.time.Duration.ofMillis(300)));
        assertTrue(e.getMessage().contains("nothing under 'never-put' was available within 300 ms"), e.getMessage());
        assertFalse(e.getMessage().contains("did not answer"), e.getMessage());
    }
}
