package io.rdc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.ref.Ref;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SmokeTest extends PoolFixture {
    @Test
    void invokeReachesAJsHandlerOnAnotherNodeAndReturnsItsReply() {
        Operator op = operator();
        Ref s = serveAndConnect(op, "export function onMessage(ctx, port, m) { return { head: { echo: m.head.x * 2 } }; }", 203, "echo");
        Operator.Received r = op.invoke(s, Map.of("x", 21), null, T);
        assertEquals(Map.of("echo", 42L), r.head());
    }
}
