package io.rdc.runtime.kernel;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WaiterTest {
    @Test
    void aParkedWaiterWakesWhenCompletedFromAnotherThread() throws Exception {
        Waiter w = new Waiter();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            w.complete(7, new byte[] {1}, "v");
        });
        assertTrue(w.awaitParked(TimeUnit.SECONDS.toNanos(10)));
        assertEquals(7, w.status);
        assertEquals("v", w.value);
        t.join();
    }

    @Test
    void aParkedWaiterGivesUpAtItsDeadline() {
        Waiter w = new Waiter();
        long t0 = System.nanoTime();
        assertFalse(w.awaitParked(TimeUnit.MILLISECONDS.toNanos(30)));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(30));
        w.complete(1, null, null);
        assertTrue(w.awaitParked(0), "completed: returns at once");
    }
}
