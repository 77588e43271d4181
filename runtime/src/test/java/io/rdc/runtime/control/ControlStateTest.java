package io.rdc.runtime.control;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.runtime.kernel.ControlPlane;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.kernel.OperationException;
import io.rdc.runtime.node.NodeInfo;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names, RDCs, ids, membership and authentication, on a real one-member control plane. */
class ControlStateTest {
    static final long T = TimeUnit.SECONDS.toNanos(10);

    static RefDescriptor service(int node, long n) {
        return new RefDescriptor(RefKind.STREAM, 0, Ids.channel(node, n, false), Ids.make(node, 1), 0, false, 0);
    }

    @Test
    void aNameBelongsToTheRdcThatRegisteredItAndLookupSuggests() {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(); ControlClient c = plane.connect()) {
            long a = c.openRdc("a", "ann", false).rdc().id(), b = c.openRdc("b", "bob", false).rdc().id();
            c.register("printer", service(201, 1), a, List.of());
            c.register("printer", service(201, 2), a, List.of()); // the owner may re-register
            assertEquals(service(201, 2), c.lookup("printer", b));
            OperationException e = assertThrows(OperationException.class, () -> c.register("printer", service(202, 3), b, List.of()));
            assertEquals("register 'printer': 'printer' is registered by RDC " + Ids.show(a) + " ('a'); only it may re-register it (RDC "
                    + Ids.show(b) + " ('b') asked)", e.getMessage());
            assertEquals(service(201, 2), c.lookup("printer", b), "the refused registration changed nothing");
            OperationException del = assertThrows(OperationException.class, () -> c.unregister("printer", b));
            assertEquals("delete name 'printer': 'printer' is registered by RDC " + Ids.show(a) + " ('a'); only it may delete it (RDC "
                    + Ids.show(b) + " ('b') asked)", del.getMessage());
            assertEquals(service(201, 2), c.lookup("printer", b), "the refused delete changed nothing");
            OperationException miss = assertThrows(OperationException.class, () -> c.lookup("priner", b));
            assertEquals("lookup 'priner': no service is registered under the name 'priner' (did you mean 'printer'?)", miss.getMessage());
            assertThrows(OperationException.class, () -> c.register(" ", service(201, 1), a, List.of()));
            assertTrue(c.unregister("printer", a), "the owner deletes its name");
            assertFalse(c.unregister("printer", a));
            c.register("printer", service(202, 4), b, List.of()); // free again: anyone may take it
            assertEquals(service(202, 4), c.lookup("printer", a));
        }
    }

    @Test
    void aRegistrantChoosesWhichRdcsMayLookItsNameUp() {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(); ControlClient c = plane.connect()) {
            long a = c.openRdc("a", "ann", false).rdc().id(), b = c.openRdc("b", "bob", false).rdc().id(),
                    x = c.openRdc("x", "eve", false).rdc().id(), y = c.openRdc("y", "yan", false).rdc().id();
            c.register("vault", service(201, 7), a, List.of("b", Ids.show(y))); // by name and by id
            assertEquals(service(201, 7), c.lookup("vault", a), "the owner always may");
            assertEquals(service(201, 7), c.lookup("vault", b));
            assertEquals(service(201, 7), c.lookup("vault", y));
            OperationException e = assertThrows(OperationException.class, () -> c.lookup("vault", x));
            assertEquals("lookup 'vault': the service 'vault' is not open to RDC " + Ids.show(x) + " ('x'): RDC " + Ids.show(a)
                    + " ('a') registered it for b, " + Ids.show(y) + " only", e.getMessage());
            OperationException near = assertThrows(OperationException.class, () -> c.lookup("vaul", x));
            assertFalse(near.getMessage().contains("did you mean"), "a name an RDC may not see is not suggested to it: " + near.getMessage());
            assertThrows(OperationException.class, () -> c.lookup("vault", 0), "a lookup from no RDC sees public names only");
        }
    }

    @Test
    void openRdcCreatesOrAttachesAndIdsAreNeverReusedAcrossARestart(@TempDir Path dir) {
        Set<Long> ids = new HashSet<>();
        long first;
        long block;
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 3000); ControlClient c = plane.connect()) {
            ControlPlane.Opened o = c.openRdc("textproc", "ann", false);
            assertTrue(o.created());
            first = o.rdc().id();
            assertEquals(ControlService.RDC_NODE, Ids.node(first), "RDC ids are made by the reserved node 0");
            OperationException refused = assertThrows(OperationException.class, () -> c.openRdc("textproc", "bob", false));
            assertTrue(refused.getMessage().contains("operator 'bob' has no authority over RDC 'textproc' (owner 'ann')"), refused.getMessage());
            ControlPlane.Opened again = c.openRdc("textproc", "ann", false);
            assertFalse(again.created(), "a second open of the name attaches");
            assertEquals(first, again.rdc().id());
            assertEquals("ann", again.rdc().owner());
            ids.add(first);
            long other = c.openRdc("other", "ann", false).rdc().id();
            ids.add(other);
            c.bindName(first, "w[2]", "{\"inc\":\"201.7\"}");
            c.bindName(first, "sched", "{\"inc\":\"201.8\"}");
            c.unbindName(first, "sched");
            c.spacePut(first, "docs", service(201, 9), 2);
            c.register("textproc.spool", service(201, 9), first, List.of("other")); // its owner and its readers in the snapshot
            block = c.hello(new NodeInfo(201, "n1", List.of("systems"), "linux", Map.of("endpoint", "localhost:7001")), false);
            assertEquals(1, block);
            assertEquals(1 + ControlService.ID_BLOCK_SIZE, c.idBlock(201));
            assertTrue(plane.takeSnapshot(Duration.ofSeconds(10)), "a snapshot was taken");
            ids.add(c.openRdc("after-snapshot", "ann", false).rdc().id()); // in the log after the snapshot
            c.bindName(first, "late", "1");
        }
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.startOn(dir.toFile(), null, 3000); ControlClient c = plane.connect()) {
            List<ControlPlane.RdcRecord> rdcs = c.rdcs();
            assertEquals(List.of("textproc", "other", "after-snapshot"), rdcs.stream().map(ControlPlane.RdcRecord::name).toList());
            assertEquals(Map.of("w[2]", "{\"inc\":\"201.7\"}", "late", "1"), c.names(first));
            assertTrue(c.spacePrint(first).getFirst().startsWith("entry\tdocs\tstream\t201.9\t2 left"), c.spacePrint(first).toString());
            assertEquals(service(201, 9), c.lookup("textproc.spool", rdcs.get(1).id()), "'other' is still a reader");
            OperationException notListed = assertThrows(OperationException.class, () -> c.lookup("textproc.spool", rdcs.get(2).id()));
            assertTrue(notListed.getMessage().contains("registered it for other only"), notListed.getMessage());
            assertThrows(OperationException.class, () -> c.register("textproc.spool", service(202, 1), rdcs.get(2).id(), List.of()),
                    "the owner outlived the restart");
            ControlPlane.Opened o = c.openRdc("textproc", "ann", false);
            assertFalse(o.created(), "the RDC outlived the restart");
            long fresh = c.openRdc("new-after-restart", "ann", false).rdc().id();
            assertFalse(ids.contains(fresh), "a new RDC id after the restart is new: " + Ids.show(fresh) + " in " + ids);
            long next = c.hello(new NodeInfo(201, "n1", List.of(), "linux", Map.of()), false);
            assertEquals(1 + 2 * ControlService.ID_BLOCK_SIZE, next, "id blocks continue after the restart");
            c.terminateRdc(first);
            ControlPlane.RdcRecord t = c.rdcs().getFirst();
            assertEquals("TERMINATED", t.state());
            assertTrue(c.names(first).isEmpty());
            assertThrows(OperationException.class, () -> c.lookup("textproc.spool", rdcs.get(1).id()), "a terminated RDC's registrations go");
            ControlPlane.Opened reborn = c.openRdc("textproc", "ann", false);
            assertTrue(reborn.created(), "a terminated RDC's name may be used again");
            assertNotEquals(first, reborn.rdc().id());
        }
    }

    @Test
    void aSilentNodeIsUnreachableWithinTheBoundAndGoodbyeRemovesIt() throws Exception {
        long bound = 600;
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(null, bound); ControlClient c = plane.connect()) {
            c.hello(new NodeInfo(201, "n1", List.of("systems", "balanced"), "linux", Map.of("endpoint", "localhost:7001", "cpu", "4")), false);
            c.hello(new NodeInfo(900, "op", List.of(), "operator", Map.of()), true);
            long sent = System.nanoTime(); // the heartbeat is applied after this: nothing may call it silent before sent + bound
            c.heartbeat(201, 0.5, 3);
            ControlPlane.Member m = c.members().getFirst();
            assertTrue(m.reachable());
            assertEquals("localhost:7001", m.info().endpoint());
            assertEquals(List.of("systems", "balanced"), m.info().groups());
            assertEquals(0.5, m.load());
            assertEquals(3, m.incarnations());
            assertFalse(m.operator());
            assertTrue(c.members().get(1).operator());
            long silentSince = System.nanoTime();
            while (c.members().getFirst().reachable()) {
                assertTrue(System.nanoTime() - silentSince < TimeUnit.MILLISECONDS.toNanos(bound + 2000), "still reachable long after the bound");
                Thread.sleep(20);
            }
            assertTrue(System.nanoTime() - sent >= TimeUnit.MILLISECONDS.toNanos(bound), "unreachable before the bound");
            assertTrue(c.members().getFirst().lastHeartbeatAgeMs() >= bound);
            c.heartbeat(201, 0.1, 0);
            assertTrue(c.members().getFirst().reachable(), "a heartbeat brings it back");
            c.goodbye(201);
            assertEquals(List.of(900), c.members().stream().map(x -> x.info().id()).toList());
            OperationException e = assertThrows(OperationException.class, () -> c.heartbeat(201, 0, 0));
            assertTrue(e.getMessage().contains("has not said hello"), e.getMessage());
        }
    }

    @Test
    void aClientWithoutTheKeyOrWithAWrongKeyIsRefused() {
        byte[] key = "0123456789abcdef-pool-key".getBytes(StandardCharsets.UTF_8);
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(key, 3000)) {
            try (ControlClient ok = plane.connect()) {
                assertTrue(ok.as("ann", null).openRdc("keyed", "ann", false).created(), "a session proving ann opens an RDC as ann");
            }
            ControlClientConfig cfg = plane.clientConfig().withTimeout(Duration.ofSeconds(5));
            OperationException none = assertThrows(OperationException.class, () -> ControlClient.connect(cfg.withPoolKey(null)).close());
            assertTrue(none.getMessage().contains("refused this client") && none.getMessage().contains("none was given"), none.getMessage());
            byte[] wrong = key.clone();
            wrong[0] ^= 1;
            OperationException bad = assertThrows(OperationException.class, () -> ControlClient.connect(cfg.withPoolKey(wrong)).close());
            assertTrue(bad.getMessage().contains("refused this client") && bad.getMessage().contains("wrong"), bad.getMessage());
        }
    }

    /**
     * A get may wait as long as it allows for a copy, but not for a plane that is gone: the operator
     * that loses its control plane mid-script (issue 13) gets an error naming the plane within about
     * the client's timeout, not after the get's own (here 120 s).
     */
    @Test
    void aGetWaitingOnAPlaneThatStopsAnsweringFailsNamingThePlane() throws Exception {
        EmbeddedControlPlane plane = EmbeddedControlPlane.start();
        boolean planeClosed = false;
        // The client runs its own media driver, as an operator's process does: the plane's goes with it.
        try (ControlClient c = ControlClient.connect(plane.clientConfig().withAeronDirectory(null).withTimeout(Duration.ofSeconds(2)))) {
            long r = c.openRdc("silent", "tester", false).rdc().id();
            java.util.concurrent.CompletableFuture<ControlPlane.SpaceGot> got =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> c.spaceGet(r, "never", 1, TimeUnit.SECONDS.toNanos(120)));
            Thread.sleep(5000);
            assertFalse(got.isDone(), "waiting longer than the client's timeout for a copy, on a plane that answers, is no failure");
            long t0 = System.nanoTime();
            plane.close();
            planeClosed = true;
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class, () -> got.get(60, TimeUnit.SECONDS));
            long waited = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
            assertTrue(e.getCause().getMessage().startsWith("stream space get 'never': the control plane at " + c.config().where()
                    + " is unreachable: it answered nothing, not even a probe, for 2 s"),
                    e.getCause().getMessage());
            assertTrue(waited < 30, "failed within about the client's timeout, not the get's 120 s: " + waited + " s");
        } finally {
            if (!planeClosed) plane.close();
        }
    }

    @Test
    void nothingAnsweringIsAClearErrorWithinTheTimeout() {
        int[] port = EmbeddedControlPlane.freeUdpPorts(1);
        ControlClientConfig cfg = ControlClientConfig.of("localhost:" + port[0]).withTimeout(Duration.ofSeconds(1));
        long t0 = System.nanoTime();
        OperationException e = assertThrows(OperationException.class, () -> ControlClient.connect(cfg).close());
        assertTrue(e.getMessage().startsWith("control plane at localhost:" + port[0] + " did not answer within 1 s"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(8), "bounded by the timeout");
    }

    @Test
    void copiesMustBeSensible() {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(); ControlClient c = plane.connect()) {
            long r = c.openRdc("", "ann", false).rdc().id();
            OperationException e = assertThrows(OperationException.class, () -> c.spacePut(r, "x", service(201, 1), Kernel.DONTCACHE - 1));
            assertEquals("stream space put 'x': copies must be a positive count, UNLIMITED or DONTCACHE, not -3", e.getMessage());
            assertNotEquals(r, c.openRdc("", "ann", false).rdc().id(), "an unnamed RDC is always a new one");
        }
    }

}
