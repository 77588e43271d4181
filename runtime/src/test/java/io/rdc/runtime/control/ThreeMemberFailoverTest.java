package io.rdc.runtime.control;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three control-plane members as separate processes. The leader is killed (kill -9) while three
 * "incarnations" put, get and return through the plane: after the election every operation has
 * completed once (none lost, none applied twice). Then the whole plane is stopped and restarted on
 * the same directories, and RDCs, names, space labels and registrations are back.
 */
class ThreeMemberFailoverTest {
    static final long T = TimeUnit.SECONDS.toNanos(30);

    @Test
    void leaderLossDuringStreamSpaceTrafficLosesAndRepeatsNothingAndAWholeRestartRestoresAll(@TempDir Path dir) throws Exception {
        try (MemberProcesses plane = new MemberProcesses(3, dir.toFile())) {
            plane.startAll();
            ControlClientConfig cfg = new ControlClientConfig(plane.ingressEndpoints(), Duration.ofSeconds(30), null, "tester", null, null);
            long rdc;
            try (ControlClient c = ControlClient.connect(cfg)) {
                rdc = c.openRdc("textproc", "tester", false).rdc().id();
                c.bindName(rdc, "w[1]", "{\"inc\":\"201.5\"}");
                c.register("textproc.spool", stream(9), rdc, java.util.List.of());
                c.spacePut(rdc, "tok", stream(1), 3); // three copies, shared by three incarnations

                int perThread = 60;
                AtomicInteger done = new AtomicInteger();
                ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
                List<Thread> incs = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    int inc = t;
                    incs.add(Thread.ofPlatform().start(() -> {
                        try {
                            for (int j = 0; j < perThread; j++) {
                                ControlPlane.SpaceGot g = c.spaceGet(rdc, "tok", Ids.make(201, inc), T);
                                assertTrue(g.limited());
                                String label = "item-" + inc + "-" + j;
                                c.spacePut(rdc, label, stream(100 + j), 1);
                                assertEquals(stream(100 + j), c.spaceGet(rdc, label, Ids.make(201, inc), T).ref());
                                assertTrue(c.spaceDelete(rdc, label), "the item was there, once");
                                c.spaceReturn(rdc, "tok", null, Ids.make(201, inc));
                                done.incrementAndGet();
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    }));
                }
                while (done.get() < 20 && failures.isEmpty()) Thread.sleep(5);
                int leader = c.leaderMemberId();
                assertTrue(leader >= 0);
                plane.kill(leader); // mid-traffic
                int atKill = done.get();
                for (Thread t : incs) t.join(TimeUnit.SECONDS.toMillis(120));
                if (!failures.isEmpty()) {
                    AssertionError e = new AssertionError("operations failed across the leader's loss: " + failures.peek(), failures.peek());
                    throw e;
                }
                assertEquals(3 * perThread, done.get());
                assertTrue(atKill < 3 * perThread, "the leader died during the traffic");
                assertNotEquals(leader, c.leaderMemberId(), "a new leader was elected");
                assertEquals(List.of("entry\ttok\tstream\t201.1\t3 left"), c.spacePrint(rdc), "every copy came back exactly once");
                c.spacePut(rdc, "docs", stream(2), 2);
            }
            plane.stopAll(); // the whole plane (the killed member is down already)
            plane.startAll(); // every member again, on the same directories
            try (ControlClient c = ControlClient.connect(cfg)) {
                ControlPlane.Opened o = c.openRdc("textproc", "tester", false);
                assertFalse(o.created(), "the RDC is back");
                assertEquals(rdc, o.rdc().id());
                assertEquals(Map.of("w[1]", "{\"inc\":\"201.5\"}"), c.names(rdc));
                assertEquals(List.of("entry\ttok\tstream\t201.1\t3 left", "entry\tdocs\tstream\t201.2\t2 left"), c.spacePrint(rdc));
                assertEquals(stream(9), c.lookup("textproc.spool", 0));
            }
        }
    }

    static RefDescriptor stream(long n) {
        return new RefDescriptor(RefKind.STREAM, 0, Ids.channel(201, n, false), Ids.make(201, 1), 0, false, 0);
    }
}
