package io.rdc.runtime.kernel;

import static org.junit.jupiter.api.Assertions.*;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.ChildNodes;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.security.FrameAuth;
import io.rdc.runtime.security.PoolKey;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The attacks of issue 20, against a node running as its own process ({@code NodeMain}, UDP on
 * loopback): an attacker with an Aeron client and media driver of its own sends REQUEST frames to
 * the node's endpoint, claiming to be node 204 (or the pool's real node 202), without the pool's
 * key, with a wrong key, and replaying frames captured from a key holder. Each of LIST, STATUS,
 * SNAPSHOT, MODULE_FETCH, CREATE, FREEZE, DESTROY, NODE_ACCEPT and CHECKPOINT must be refused
 * (no response, nothing done), and counted in the node's status.
 *
 * <p>On the code before issue 20 every one of these frames was acted on (the report); the
 * test {@link #theSameFramesFromAKeyHolderAreActedOn} shows that the frames are well formed: sealed
 * with the key, the same bytes get answers (the vault's password comes back in a snapshot).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AttackTest {
    static final int VICTIM = 201, LEGIT = 202, ATTACKER = 204;
    static final String VAULT = """
            export function init(ctx) { ctx.state = { password: 'hunter2-' + 'secret' }; }
            export function onMessage(ctx, port, msg) { return { head: { ok: true } }; }""";
    static final Duration T = Duration.ofSeconds(20);

    ChildNodes nodes;
    EmbeddedPool legit;
    Operator owner;
    Ref vault;
    long vaultGid, rdc;
    MediaDriver attackerDriver;
    Path attackerDir;
    Aeron attacker;
    Publication toVictim;
    final String victimChannel() {
        // The pool's term length: a node rejects images of any other outright (see the flood test),
        // so the attacker matches it to reach the frame checks.
        return "aeron:udp?endpoint=" + nodes.descriptor.byId(VICTIM).get().endpoint() + "|term-length="
                + io.rdc.runtime.pool.PoolConfig.defaults().termLength();
    }
    Subscription atAttacker;
    final Path dropped = Path.of(System.getProperty("java.io.tmpdir"), "rdc-attack-" + ProcessHandle.current().pid() + ".sh");
    long call = 1000;

    @BeforeAll
    void start() throws Exception {
        nodes = new ChildNodes(4);
        nodes.start(VICTIM);
        legit = EmbeddedPool.start(nodes.config(Set.of(LEGIT)));
        owner = legit.newOperator("owner");
        vault = owner.create(owner.module("vault", VAULT), VICTIM, null, List.of(Iface.portNew("in", "vault.in", null)));
        vaultGid = owner.incarnationId(vault);
        rdc = owner.session().rdcId;
        attackerDriver = MediaDriver.launchEmbedded(new MediaDriver.Context().threadingMode(ThreadingMode.SHARED)
                .aeronDirectoryName((attackerDir = Files.createTempDirectory("rdc-attacker")).resolve("aeron").toString())
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true));
        attacker = Aeron.connect(new Aeron.Context().aeronDirectoryName(attackerDriver.aeronDirectoryName()));
        atAttacker = attacker.addSubscription("aeron:udp?endpoint=" + nodes.descriptor.byId(ATTACKER).get().endpoint(), Transport.UDP_STREAM_ID);
        freshSession();
    }

    /**
     * A new Aeron session (exclusive publication) to the victim: a node rejects a session's image
     * after {@code Transport.REJECT_AFTER_REFUSALS} refused frames, so each batch of attacks uses its own.
     */
    void freshSession() throws InterruptedException {
        if (toVictim != null) toVictim.close();
        toVictim = attacker.addExclusivePublication(victimChannel(), Transport.UDP_STREAM_ID);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!toVictim.isConnected()) {
            assertTrue(System.nanoTime() < until, "the attacker's publication never connected to the node");
            Thread.sleep(10);
        }
    }

    @AfterAll
    void stop() throws Exception {
        CloseHelper.quietCloseAll(attacker, attackerDriver, legit);
        if (nodes != null) nodes.close();
        Files.deleteIfExists(dropped);
        if (attackerDir != null) Files.deleteIfExists(attackerDir); // the driver deleted its own directory inside
    }

    // ---- the attacks

    /** The nine requests of the issue, as a peer claiming to be {@code src} sends them (no MAC trailer). */
    List<UnsafeBuffer> attacks(int src) {
        List<UnsafeBuffer> out = new ArrayList<>();
        out.add(request(src, Kernel.OP_LIST, Ghosts.listRequest(0)));
        out.add(request(src, Kernel.OP_STATUS, Ghosts.statusRequest(vaultGid)));
        out.add(request(src, Kernel.OP_SNAPSHOT, Ghosts.snapshotRequest(vaultGid)));
        out.add(request(src, Kernel.OP_MODULE_FETCH, Loader.moduleFetchRequest(0, "vault")));
        out.add(request(src, Kernel.OP_CREATE, Loader.createRequest(rdc, 0, new ModuleStore.Module(null, "evil", "export function onMessage(ctx, port, msg) { }"),
                true, null, false, "evil", List.of(), null)));
        out.add(request(src, Kernel.OP_FREEZE, Ghosts.controlRequest(Kernel.OP_FREEZE, vaultGid, 0)));
        out.add(request(src, Kernel.OP_NODE_ACCEPT, Loader.nodeAcceptRequest(false)));
        out.add(request(src, Kernel.OP_CHECKPOINT, Transplants.checkpointRequest(vaultGid, TimeUnit.SECONDS.toNanos(2), false, dropped.toString())));
        out.add(request(src, Kernel.OP_DESTROY, Ghosts.controlRequest(Kernel.OP_DESTROY, vaultGid, 0)));
        return out;
    }

    UnsafeBuffer request(int src, int op, io.rdc.runtime.transport.Payload payload) {
        // As a kernel sends it: the payload, then an empty operator trailer (a kernel's own request; Authority).
        UnsafeBuffer b = new UnsafeBuffer(new byte[Frames.Q_HEADER + payload.length() + Authority.TRAILER_LENGTH_BYTES]);
        b.putByte(Frames.TYPE, Frames.REQUEST);
        b.putInt(Frames.SRC_NODE, src);
        b.putLong(Frames.Q_CALL, ++call);
        b.putInt(Frames.Q_OP, op);
        b.putBytes(Frames.Q_HEADER, payload.buffer(), 0, payload.length());
        b.putShort(Frames.Q_HEADER + payload.length(), (short) 0);
        return b;
    }

    /** The frame with a trailer sealed by {@code auth} for the victim, as a (right- or wrong-) key holder sends it. */
    static UnsafeBuffer sealed(FrameAuth.Sealer s, UnsafeBuffer frame) {
        UnsafeBuffer b = new UnsafeBuffer(new byte[frame.capacity() + FrameAuth.TRAILER]);
        b.putBytes(0, frame, 0, frame.capacity());
        s.seal(frame, 0, frame.capacity(), null, 0, 0);
        b.putBytes(frame.capacity(), s.trailer, 0, FrameAuth.TRAILER);
        return b;
    }

    @Test
    void requestsWithoutTheKeyAreRefusedCountedAndChangeNothing() throws Exception {
        assertRefusedAndNothingChanges(attacks(ATTACKER));
    }

    @Test
    void requestsMacedWithAWrongKeyAreRefusedCountedAndChangeNothing() throws Exception {
        FrameAuth.Sealer wrong = new FrameAuth(PoolKey.generate(), true).sealer(ATTACKER, VICTIM);
        assertRefusedAndNothingChanges(attacks(ATTACKER).stream().map(f -> sealed(wrong, f)).toList());
    }

    @Test
    void requestsForgingTheSourceOfARealNodeAreRefused() throws Exception {
        FrameAuth.Sealer wrong = new FrameAuth(PoolKey.generate(), true).sealer(LEGIT, VICTIM);
        List<UnsafeBuffer> frames = new ArrayList<>(attacks(LEGIT));
        frames.addAll(attacks(LEGIT).stream().map(f -> sealed(wrong, f)).toList());
        assertRefusedAndNothingChanges(frames);
    }

    @Test
    void framesCapturedFromAKeyHolderAndReplayedAreRefused() throws Exception {
        // Capture what the legitimate node 202 sends to the victim (an Aeron spy on its log) while
        // its operator creates, freezes, unfreezes and destroys an incarnation there.
        List<UnsafeBuffer> captured = new ArrayList<>();
        try (Aeron spyClient = Aeron.connect(new Aeron.Context().aeronDirectoryName(legit.aeronDirectoryName()));
             Subscription spy = spyClient.addSubscription("aeron-spy:aeron:udp?endpoint=" + nodes.descriptor.byId(VICTIM).get().endpoint(),
                     Transport.UDP_STREAM_ID)) {
            FragmentAssembler grab = new FragmentAssembler((DirectBuffer buf, int off, int len, io.aeron.logbuffer.Header h) -> {
                UnsafeBuffer copy = new UnsafeBuffer(new byte[len]);
                copy.putBytes(0, buf, off, len);
                captured.add(copy);
            });
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!spy.isConnected() && System.nanoTime() < until) Thread.sleep(5);
            Ref tmp = owner.create(owner.module("tmp", "export function onMessage(ctx, port, msg) { }"), VICTIM, null, List.of(), false, "replayed");
            owner.freeze(vault);
            owner.unfreeze(vault, 0);
            owner.destroy(tmp);
            until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < until) if (spy.poll(grab, 100) == 0) Thread.sleep(20);
        }
        long creates = captured.stream().filter(f -> f.getByte(0) == Frames.REQUEST && f.getInt(Frames.Q_OP) == Kernel.OP_CREATE).count();
        assertTrue(creates >= 1, "the capture holds the CREATE request (" + captured.size() + " frames)");
        assertRefusedAndNothingChanges(captured);
    }

    /** The control: the same request frames, sealed with the pool's key by a holder, are answered. */
    @Test
    void theSameFramesFromAKeyHolderAreActedOn() throws Exception {
        FrameAuth.Sealer right = new FrameAuth(nodes.key, true).sealer(ATTACKER, VICTIM);
        List<UnsafeBuffer> reads = attacks(ATTACKER).subList(0, 4); // LIST, STATUS, SNAPSHOT, MODULE_FETCH: harmless to repeat
        List<UnsafeBuffer> responses = new ArrayList<>();
        freshSession();
        for (UnsafeBuffer f : reads) offer(sealed(right, f));
        FragmentAssembler grab = new FragmentAssembler((DirectBuffer buf, int off, int len, io.aeron.logbuffer.Header h) -> {
            UnsafeBuffer copy = new UnsafeBuffer(new byte[len]);
            copy.putBytes(0, buf, off, len);
            responses.add(copy);
        });
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (responses.size() < reads.size() && System.nanoTime() < until) if (atAttacker.poll(grab, 10) == 0) Thread.sleep(5);
        assertEquals(reads.size(), responses.size(), "each request answered");
        String all = new String(concat(responses), StandardCharsets.ISO_8859_1);
        assertTrue(all.contains("hunter2-secret"), "the snapshot carries the vault's state");
        for (UnsafeBuffer r : responses) assertEquals(Frames.RESPONSE, r.getByte(0));
    }

    /**
     * Thousands of fake Aeron sessions whose SETUP frames ask for 1 GB terms (raw UDP, no Aeron on
     * the attacker's side): the node keeps serving its peers, and its driver reserves neither memory
     * nor disk for them (image logs are sparse, a stream takes a bounded number of sessions, and the
     * transport rejects images whose term length is not the pool's).
     */
    @Test
    void aSetupFrameFloodWithHugeTermsNeitherStopsTheNodeNorExhaustsMemory() throws Exception {
        java.nio.file.FileStore shm = Files.getFileStore(Path.of(Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm" : System.getProperty("java.io.tmpdir")));
        long before = shm.getUsableSpace();
        String[] hostPort = nodes.descriptor.byId(VICTIM).get().endpoint().split(":");
        java.net.InetSocketAddress victim = new java.net.InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
        java.nio.ByteBuffer frame = java.nio.ByteBuffer.allocate(io.aeron.protocol.SetupFlyweight.HEADER_LENGTH);
        io.aeron.protocol.SetupFlyweight setup = new io.aeron.protocol.SetupFlyweight(frame);
        java.util.Random random = new java.util.Random(20);
        try (java.nio.channels.DatagramChannel udp = java.nio.channels.DatagramChannel.open()) {
            for (int i = 0; i < 5000; i++) {
                int initial = random.nextInt();
                setup.frameLength(io.aeron.protocol.SetupFlyweight.HEADER_LENGTH).version(io.aeron.protocol.HeaderFlyweight.CURRENT_VERSION)
                        .flags((short) 0).headerType(io.aeron.protocol.HeaderFlyweight.HDR_TYPE_SETUP);
                setup.termOffset(0).sessionId(random.nextInt()).streamId(Transport.UDP_STREAM_ID).initialTermId(initial).activeTermId(initial)
                        .termLength(1 << 30).mtuLength(1408).ttl(0);
                udp.send(frame.clear(), victim);
                if (i % 100 == 99) {
                    // Stop at once if the bounds do not hold, rather than fill the machine's memory.
                    assertTrue(before - shm.getUsableSpace() < (1L << 30), "the node's driver reserved over 1 GB for fake sessions after " + (i + 1));
                    Thread.sleep(2);
                }
            }
        }
        // The node still serves: a pool member lists it and invokes the vault there.
        Thread.sleep(1000);
        assertFalse(listAtVictim().isEmpty());
        assertEquals(true, ((java.util.Map<?, ?>) owner.invoke(owner.spaceGet("vault.in", T), java.util.Map.of("op", "ping"), null, T).head()).get("ok"));
        long used = before - shm.getUsableSpace();
        assertTrue(used < (256L << 20), "the flood took " + (used >> 20) + " MB of " + shm);
        // A new session of a key holder still connects and is answered.
        theSameFramesFromAKeyHolderAreActedOn();
    }

    // ---- checks

    void assertRefusedAndNothingChanges(List<UnsafeBuffer> frames) throws Exception {
        long before = refusedAtVictim();
        List<String> listed = listAtVictim();
        drainAttackerInbox();
        for (int i = 0; i < frames.size(); i++) {
            if (i % 12 == 0) freshSession();
            offer(frames.get(i));
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long now;
        while ((now = refusedAtVictim()) < before + frames.size() && System.nanoTime() < until) Thread.sleep(50);
        assertEquals(before + frames.size(), now, "every frame refused and counted at the node");
        // Nothing came back to the attacker, and nothing changed at the node.
        assertEquals(0, drainAttackerInbox(), "the node answered an unauthenticated request");
        assertEquals(listed, listAtVictim(), "the victim's incarnations and their states");
        assertEquals(Incarnation.State.EXECUTING, owner.status(vault).state(), "the vault still runs, unfrozen");
        assertFalse(Files.exists(dropped), "no file written at the path the attacker named");
        // The node still accepts creations from the pool (NODE_ACCEPT false was not acted on).
        Ref probe = owner.create(owner.module("probe", "export function onMessage(ctx, port, msg) { }"), VICTIM, null, List.of());
        owner.destroy(probe);
    }

    /** The victim's refused-frame count, as a pool member reads it (only the victim is asked: nodes 203 and 204 do not run). */
    long refusedAtVictim() {
        return owner.kernel().request(VICTIM, Kernel.OP_NODE_STATUS, NodeLoad.statusQuery(), TimeUnit.SECONDS.toNanos(5))
                .read(new io.rdc.runtime.kernel.codec.NodeStatusReportDecoder()).refusedFrames();
    }

    /** Every incarnation at the victim (of every RDC) with its state. */
    List<String> listAtVictim() {
        io.rdc.runtime.kernel.codec.ListingDecoder listing = owner.kernel().request(VICTIM, Kernel.OP_LIST, Ghosts.listRequest(0), TimeUnit.SECONDS.toNanos(5))
                .read(new io.rdc.runtime.kernel.codec.ListingDecoder());
        List<String> out = new ArrayList<>();
        for (io.rdc.runtime.kernel.codec.ListingDecoder.IncarnationsDecoder i : listing.incarnations()) {
            long gid = i.incarnation();
            Incarnation.State state = Incarnation.State.values()[i.state()];
            out.add(Long.toHexString(gid) + " " + i.name() + " " + i.module() + " " + state);
        }
        return out;
    }

    void offer(UnsafeBuffer f) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (toVictim.offer(f, 0, f.capacity()) < 0) {
            assertTrue(System.nanoTime() < until, "the attacker could not send");
            Thread.sleep(1);
        }
    }

    /** Frames that reached the attacker's endpoint since the last call, after a short wait for stragglers. */
    int drainAttackerInbox() throws InterruptedException {
        int[] n = {0};
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        while (System.nanoTime() < until) if (atAttacker.poll((b, o, l, h) -> n[0]++, 100) == 0) Thread.sleep(20);
        return n[0];
    }

    static byte[] concat(List<UnsafeBuffer> bufs) {
        int len = bufs.stream().mapToInt(UnsafeBuffer::capacity).sum();
        byte[] out = new byte[len];
        int at = 0;
        for (UnsafeBuffer b : bufs) {
            b.getBytes(0, out, at, b.capacity());
            at += b.capacity();
        }
        return out;
    }

}
