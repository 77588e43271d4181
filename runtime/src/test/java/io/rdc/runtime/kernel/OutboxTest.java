package io.rdc.runtime.kernel;

import static org.junit.jupiter.api.Assertions.*;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.security.FrameAuth;
import io.rdc.runtime.security.PoolKey;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Transport;
import io.rdc.runtime.transport.TransportMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class OutboxTest {
    /**
     * A kernel acknowledging a sender on its own node offers to its own log, which only its own duty
     * cycle drains: when that log was full the offer waited 10 s and then gave the frame up (the flood
     * test's node stalled so). Through the outbox the offer returns at once, the frame waits, and once
     * the log is drained every frame arrives, in order.
     */
    @Test
    void framesToAFullLogThatThisThreadDrainsWaitInOrderInsteadOfBlockingTheDutyCycle() {
        String dir = System.getProperty("java.io.tmpdir") + "/rdc-outbox-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        NodeInfo self = new NodeInfo(201, "n201", List.of(), "any", Map.of());
        try (MediaDriver driver = MediaDriver.launchEmbedded(new MediaDriver.Context().aeronDirectoryName(dir).threadingMode(ThreadingMode.SHARED)
                        .dirDeleteOnStart(true).dirDeleteOnShutdown(true));
                Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
                Transport t = new Transport(aeron, TransportMode.IPC, self, id -> id == 201 ? self : null, 1024 * 1024, new FrameAuth(PoolKey.generate(), true))) {
            UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);
            SleepingMillisIdleStrategy idle = new SleepingMillisIdleStrategy(1);
            // Connect, then fill the log (nobody polls yet): numbered frames until it takes no more.
            frame.putInt(0, 0);
            assertEquals(Frames.OK, t.offer(201, frame, 0, frame.capacity(), idle));
            int next = 1;
            while (true) {
                frame.putInt(0, next);
                int r = t.tryOffer(201, frame, 0, frame.capacity());
                if (r == Transport.AGAIN) break;
                assertEquals(Frames.OK, r);
                next++;
            }
            int filled = next;
            assertTrue(filled > 10, "the log took " + filled + " frames before back pressure");

            Outbox outbox = new Outbox(t, idle);
            long t0 = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                frame.putInt(0, next++);
                outbox.offer(201, frame, 0, frame.capacity());
            }
            long took = System.nanoTime() - t0;
            assertTrue(took < TimeUnit.SECONDS.toNanos(2), "100 offers to the full log took " + took / 1_000_000 + " ms: the offer waited");
            assertFalse(outbox.isEmpty(), "the frames wait in the outbox");

            // The duty cycle: poll what is addressed to it, then offer what waits.
            List<Integer> got = new ArrayList<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (got.size() < next && System.nanoTime() < until) {
                int work = t.poll((buf, off, len, header) -> got.add(buf.getInt(off)), 16);
                work += outbox.flush();
                if (work == 0) idle.idle();
            }
            assertEquals(next, got.size(), "frames received: " + got.size() + " of " + next);
            for (int i = 0; i < next; i++) assertEquals(i, got.get(i), "frame " + i + " out of order");
            assertTrue(outbox.isEmpty());
            assertEquals(0, outbox.dropped);
            assertEquals(100, outbox.deferred);
        }
    }
}
