package io.rdc.runtime.control;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.ControlPlane.SpaceGot;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stream space (§5.5) held by a real one-member control plane: the semantics kernel.StreamSpace had. */
class ControlSpaceTest {
    static EmbeddedControlPlane plane;
    static ControlClient client;
    static final long T = TimeUnit.SECONDS.toNanos(10);

    @BeforeAll
    static void start() {
        plane = EmbeddedControlPlane.start();
        client = plane.connect();
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (plane != null) plane.close();
    }

    static long rdc(String name) {
        return client.openRdc(name, "tester", false).rdc().id();
    }

    static RefDescriptor stream(long channel) {
        return new RefDescriptor(RefKind.STREAM, 0, channel, Ids.make(201, 1), 0, false, 0);
    }

    static RefDescriptor unicastPort(long gid, int node) {
        return new RefDescriptor(RefKind.PORT, gid, Ids.channel(node, 77, false), Ids.make(node, 0), 0, false, 0);
    }

    @Test
    void getBlocksUntilALaterPutAndUnlimitedIsCacheable() throws Exception {
        long r = rdc("late");
        CompletableFuture<SpaceGot> got = CompletableFuture.supplyAsync(() -> client.spaceGet(r, "late", 1, T));
        Thread.sleep(200);
        assertFalse(got.isDone(), "get waits while the label is absent");
        assertTrue(client.spacePrint(r).contains("waiting\tlate\t1 getter(s)"), client.spacePrint(r).toString());
        client.spacePut(r, "late", stream(Ids.channel(201, 5, false)), Kernel.UNLIMITED);
        SpaceGot g = got.get(10, TimeUnit.SECONDS);
        assertEquals(Ids.channel(201, 5, false), g.ref().channel());
        assertFalse(g.limited());
        assertTrue(g.cacheable());
        assertEquals("entry\tlate\tstream\t201.5\tunlimited", client.spacePrint(r).getFirst());
    }

    @Test
    void limitedCopiesAreHandedOutOneAtATimeUntilReturned() {
        long r = rdc("limited");
        client.spacePut(r, "one", stream(Ids.channel(201, 6, false)), 1);
        SpaceGot g = client.spaceGet(r, "one", 1, T);
        assertTrue(g.limited());
        assertFalse(g.cacheable(), "limited copies are not cached");
        OperationException e = assertThrows(OperationException.class, () -> client.spaceGet(r, "one", 2, TimeUnit.MILLISECONDS.toNanos(300)));
        assertTrue(e.getMessage().contains("did not answer"), e.getMessage());
        client.spaceReturn(r, "one", null, 1);
        assertNotNull(client.spaceGet(r, "one", 3, T), "after return the copy is available again");
        assertTrue(client.spacePrint(r).stream().anyMatch(l -> l.contains("one") && l.contains("0 left")), client.spacePrint(r).toString());
    }

    @Test
    void aReturnNeverRaisesTheCountAboveTheLimit() {
        long r = rdc("lim");
        client.spacePut(r, "lim", stream(Ids.channel(201, 7, false)), 1);
        OperationException stray = assertThrows(OperationException.class, () -> client.spaceReturn(r, "lim", null, 1));
        assertEquals("stream space return 'lim': no copy of 'lim' is out (all 1 are in stream space): there is nothing to return", stray.getMessage());
        assertNotNull(client.spaceGet(r, "lim", 1, T));
        assertThrows(OperationException.class, () -> client.spaceGet(r, "lim", 2, TimeUnit.MILLISECONDS.toNanos(300)), "one copy only");
    }

    @Test
    void onlyAHolderMayReturnACopy() {
        long r = rdc("holders");
        long alice = Ids.make(202, 1), bob = Ids.make(203, 2), mallory = Ids.make(204, 3);
        client.spacePut(r, "two", stream(Ids.channel(201, 10, false)), 2);
        assertNotNull(client.spaceGet(r, "two", alice, T));
        assertNotNull(client.spaceGet(r, "two", bob, T));
        // before issue 14 any incarnation could return, and the stray return made a copy for itself
        OperationException stray = assertThrows(OperationException.class, () -> client.spaceReturn(r, "two", null, mallory));
        assertEquals("stream space return 'two': 'two': 204.3 holds no copy got from it; only an incarnation that got a copy may return one",
                stray.getMessage());
        assertTrue(client.spacePrint(r).getFirst().endsWith("0 left"), "the refused return changed nothing: " + client.spacePrint(r));
        client.spaceReturn(r, "two", null, alice);
        OperationException twice = assertThrows(OperationException.class, () -> client.spaceReturn(r, "two", null, alice));
        assertTrue(twice.getMessage().contains("202.1 holds no copy"), "a holder returns what it holds, once: " + twice.getMessage());
        assertTrue(client.spacePrint(r).getFirst().endsWith("1 left"), client.spacePrint(r).toString());
        client.spaceReturn(r, "two", null, bob);
        assertTrue(client.spacePrint(r).getFirst().endsWith("2 left"), client.spacePrint(r).toString());
    }

    @Test
    void aGetThatGaveUpLosesNoCopy() throws Exception {
        long r = rdc("gaveup");
        // The getter gives up; the copy put right after must still be there for the next getter.
        assertThrows(OperationException.class, () -> client.spaceGet(r, "x", 1, TimeUnit.MILLISECONDS.toNanos(200)));
        client.spacePut(r, "x", stream(Ids.channel(201, 8, false)), 1);
        SpaceGot g = client.spaceGet(r, "x", 2, T);
        assertTrue(g.limited());
        assertFalse(client.spacePrint(r).stream().anyMatch(l -> l.startsWith("waiting")), "the cancelled getter is gone: " + client.spacePrint(r));
    }

    @Test
    void dontcacheIsHandedOutWithoutLimitButNotCached() {
        long r = rdc("dc");
        client.spacePut(r, "d", stream(Ids.channel(201, 9, false)), Kernel.DONTCACHE);
        for (int i = 0; i < 3; i++) {
            SpaceGot g = client.spaceGet(r, "d", i, T);
            assertFalse(g.limited());
            assertFalse(g.cacheable());
        }
        assertTrue(client.spacePrint(r).getFirst().endsWith("dontcache"), client.spacePrint(r).toString());
        OperationException e = assertThrows(OperationException.class, () -> client.spaceReturn(r, "d", null, 1));
        assertTrue(e.getMessage().contains("has unlimited copies"), e.getMessage());
        assertThrows(OperationException.class, () -> client.spacePut(r, "bad", stream(1), 0));
        assertTrue(client.spaceDelete(r, "d"));
        assertFalse(client.spaceDelete(r, "d"));
    }

    @Test
    void aUnicastPortMovesOneCopyAtATimeAndComesBackAsTheReturnersPort() {
        long r = rdc("uni");
        RefDescriptor port = unicastPort(Ids.make(201, 40), 201);
        client.spacePut(r, "p", port, Kernel.UNLIMITED); // one copy whatever the put asked
        assertTrue(client.spacePrint(r).getFirst().endsWith("1 left (unicast port, at 201.40)"), client.spacePrint(r).toString());
        SpaceGot g = client.spaceGet(r, "p", Ids.make(202, 1), T);
        assertTrue(g.limited());
        assertEquals(port.gid(), g.ref().gid());
        assertTrue(client.spacePrint(r).getFirst().endsWith("0 left (unicast port, taken)"), client.spacePrint(r).toString());
        OperationException e = assertThrows(OperationException.class, () -> client.spaceReturn(r, "p", null, 1));
        assertTrue(e.getMessage().contains("is a unicast port"), e.getMessage());
        RefDescriptor moved = unicastPort(Ids.make(202, 41), 202); // the getter's port now
        client.spaceReturn(r, "p", moved, Ids.make(202, 1));
        assertEquals(moved.gid(), client.spaceGet(r, "p", 3, T).ref().gid(), "the next get moves it on from the returner");
    }

    @Test
    void aTerminatedRdcsSpaceIsGoneAndItsWaitersAreTold() throws Exception {
        long r = rdc("doomed");
        CompletableFuture<SpaceGot> got = CompletableFuture.supplyAsync(() -> client.spaceGet(r, "never", 1, T));
        Thread.sleep(200);
        client.terminateRdc(r);
        Exception e = assertThrows(Exception.class, () -> got.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("was terminated"), e.getCause().getMessage());
        OperationException put = assertThrows(OperationException.class, () -> client.spacePut(r, "x", stream(1), 1));
        assertTrue(put.getMessage().contains("is terminated"), put.getMessage());
    }
}
