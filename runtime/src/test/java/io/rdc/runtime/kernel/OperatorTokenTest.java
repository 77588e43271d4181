package io.rdc.runtime.kernel;

import static org.junit.jupiter.api.Assertions.*;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.rdc.runtime.kernel.codec.MigrateEncoder;
import io.rdc.runtime.operator.Operator;
import io.rdc.runtime.pool.ChildNodes;
import io.rdc.runtime.pool.EmbeddedPool;
import io.rdc.runtime.pool.PoolConfig;
import io.rdc.runtime.ref.Ref;
import io.rdc.runtime.security.FrameAuth;
import io.rdc.runtime.security.OperatorTokens;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Payload;
import io.rdc.runtime.transport.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Operator tokens (issue 20, docs/security.md "Operator tokens"): a holder of the pool's key that
 * has no authority over ann's RDC writes its own REQUEST frames claiming to be ann, acting in ann's
 * RDC, and sends them over UDP to the node that holds ann's vault (sealed with the pool's key, as
 * node 204, so they pass frame authentication). Without a token, with a token it forged, with a
 * token of ann's that has expired, with ann's token but a MAC under a key of its own, with eve's own valid
 * token (as ann, and as eve claiming to act in ann's RDC), replaying a request ann MACed, and
 * sending requests ann MACed for another node, each of list, status, snapshot, create, freeze,
 * destroy, migrate and checkpoint is refused, counted in the node's refused requests (shown by
 * {@code show nodes}), and changes nothing. Snapshot and checkpoint without any operator (a
 * kernel's empty trailer) are refused too.
 *
 * <p>Before tokens, a trailer naming ann in ann's RDC was believed: every one of these requests was
 * acted on (the test then fails at its first assertion that a request is refused). The control:
 * the same frames built with ann's own credentials are acted on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OperatorTokenTest {
    static final int OPERATORS = 201, VICTIM = 203, ATTACKER = 204;
    static final Duration T = Duration.ofSeconds(20);
    static final String VAULT = """
            export function init(ctx) { ctx.state = { password: 'hunter2-' + 'secret' }; }
            export function onMessage(ctx, port, msg) { return { head: { ok: true } }; }""";

    ChildNodes addresses; // only the descriptor (free UDP ports) and the pool key: no child process is started
    Path checkpoints;
    EmbeddedPool pool;
    Operator ann, eve;
    Ref vault;
    long vaultGid, annRdc;
    Aeron attacker;
    Publication toVictim;
    Subscription atAttacker;
    FrameAuth.Sealer sealer;
    long call = 5000;

    @BeforeAll
    void start() throws Exception {
        addresses = new ChildNodes(4);
        checkpoints = Files.createTempDirectory("rdc-token-checkpoints");
        pool = EmbeddedPool.start(addresses.config(Set.of(201, 202, 203)).withControl(PoolConfig.EMBEDDED_CONTROL).withCheckpointDir(checkpoints));
        ann = pool.newOperator("ann", "ann-app", false, "ann");
        eve = pool.newOperator("eve", null, false, "eve");
        assertNotNull(ann.credentials(), "a pool with a keyed control plane gives operator sessions tokens");
        assertEquals("ann", ann.credentials().token().operator());
        assertEquals("eve", eve.credentials().token().operator());
        vault = ann.create(ann.module("vault", VAULT), VICTIM, null, List.of(Iface.portNew("in", "vault.in", null)), false, "vault");
        vaultGid = ann.incarnationId(vault);
        annRdc = ann.session().rdcId;
        // The attacker: a client of its own (on this JVM's driver, over UDP to the victim's endpoint),
        // answers coming to the endpoint of node 204, which it claims to be.
        attacker = Aeron.connect(new Aeron.Context().aeronDirectoryName(pool.aeronDirectoryName()));
        atAttacker = attacker.addSubscription("aeron:udp?endpoint=" + addresses.descriptor.byId(ATTACKER).get().endpoint(), Transport.UDP_STREAM_ID);
        toVictim = attacker.addExclusivePublication("aeron:udp?endpoint=" + addresses.descriptor.byId(VICTIM).get().endpoint() + "|term-length="
                + PoolConfig.defaults().termLength(), Transport.UDP_STREAM_ID);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!toVictim.isConnected()) {
            assertTrue(System.nanoTime() < until, "the attacker's publication never connected to the node");
            Thread.sleep(10);
        }
        sealer = new FrameAuth(addresses.key, true).sealer(ATTACKER, VICTIM); // it holds the pool's key
        // The victim's first answer to "node 204" waits for its publication there to connect: wait for
        // that once here (a request of ann's own, answered), so that no test's answers depend on it.
        until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (sendAndCollect(List.of(request(Kernel.OP_LIST, Ghosts.listRequest(annRdc), annAgreedWithVictim())), 5).isEmpty())
            assertTrue(System.nanoTime() < until, "the victim never answered node 204's endpoint");
    }

    @AfterAll
    void stop() throws Exception {
        CloseHelper.quietCloseAll(attacker, pool);
        if (addresses != null) addresses.close();
        if (checkpoints != null) try (var files = Files.walk(checkpoints)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    // ---- the requests

    /** The eight operations of the issue against ann's vault and RDC, by name. */
    Map<String, Map.Entry<Integer, Payload>> operations() {
        Map<String, Map.Entry<Integer, Payload>> ops = new LinkedHashMap<>();
        ops.put("list", Map.entry(Kernel.OP_LIST, Ghosts.listRequest(annRdc)));
        ops.put("status", Map.entry(Kernel.OP_STATUS, Ghosts.statusRequest(vaultGid)));
        ops.put("snapshot", Map.entry(Kernel.OP_SNAPSHOT, Ghosts.snapshotRequest(vaultGid)));
        ops.put("create", Map.entry(Kernel.OP_CREATE, Loader.createRequest(annRdc, 0,
                new ModuleStore.Module(null, "evil", "export function onMessage(ctx, port, msg) { }"), true, null, false, "evil", List.of(), null)));
        ops.put("freeze", Map.entry(Kernel.OP_FREEZE, Ghosts.controlRequest(Kernel.OP_FREEZE, vaultGid, 0)));
        KernelCodec.Outgoing migrate = new KernelCodec.Outgoing(48);
        migrate.begin(new MigrateEncoder()).incarnation(vaultGid).destination(202).withinNanos(TimeUnit.SECONDS.toNanos(2)).waitForEnd((short) 1);
        ops.put("migrate", Map.entry(Kernel.OP_MIGRATE, migrate));
        ops.put("checkpoint", Map.entry(Kernel.OP_CHECKPOINT, Transplants.checkpointRequest(vaultGid, TimeUnit.SECONDS.toNanos(2), false, "stolen.ckpt")));
        ops.put("destroy", Map.entry(Kernel.OP_DESTROY, Ghosts.controlRequest(Kernel.OP_DESTROY, vaultGid, 0)));
        return ops;
    }

    /** ann as the attacker claims her: acting in ann's RDC, with ann's access, and the credentials it has. */
    Authority.Acting claimingAnn(OperatorTokens.Credentials credentials) {
        return new Authority.Acting("ann", annRdc, ann.access(), credentials);
    }

    /** A request frame to the victim as node 204's kernel would write it for {@code acting}, MACed with its credentials if any. */
    UnsafeBuffer request(int op, Payload payload, Authority.Acting acting) {
        return request(VICTIM, op, payload, acting);
    }

    /** A request frame for node {@code dest} as node 204's kernel would write it for {@code acting}, MACed for {@code dest} with its credentials if any. */
    UnsafeBuffer request(int dest, int op, Payload payload, Authority.Acting acting) {
        return KernelPublisher.frame(ATTACKER, dest, Frames.REQUEST, ++call, op, payload, acting);
    }

    /** ann acting now, with a MAC key agreed with the victim (her own request there first agrees it, if her session has not yet). */
    Authority.Acting annAgreedWithVictim() {
        ann.status(vault);
        Authority.Acting acting = ann.actingNow();
        assertNotEquals(0, acting.credentials().nodeKeyId(VICTIM), "ann's session agreed a MAC key with the victim");
        return acting;
    }

    OperatorTokens.Verifier victimVerifier() {
        return pool.kernel(VICTIM).authority.verifier();
    }

    // ---- the attacks

    @Test
    void withoutAToken() throws Exception {
        assertEachRefused(claimingAnn(null), "it carries no operator token from the control plane");
    }

    @Test
    void withAForgedToken() throws Exception {
        KeyPair mine = OperatorTokens.newSessionKeyPair();
        OperatorTokens.SigningKey notThePlanes = OperatorTokens.SigningKey.generate();
        byte[] body = OperatorTokens.Token.body("ann", annRdc, "ann", List.of(), mine.getPublic().getEncoded(), System.currentTimeMillis(),
                System.currentTimeMillis() + 3_600_000);
        OperatorTokens.Token forged = OperatorTokens.Token.decode(body, notThePlanes.sign(body));
        assertEachRefused(claimingAnn(new OperatorTokens.Credentials(forged, mine.getPrivate())), "its operator token is not one the control plane signed");
    }

    @Test
    void withAnExpiredTokenOfAnns() throws Exception {
        // ann's token and session key leaked, and the token has run out since.
        KeyPair leaked = OperatorTokens.newSessionKeyPair();
        OperatorTokens.Token shortLived = ann.control().issueOperatorToken(annRdc, leaked.getPublic().getEncoded(), 1000);
        assertEquals("ann", shortLived.operator());
        Thread.sleep(Math.max(0, shortLived.expiresAtMillis() - System.currentTimeMillis()) + 200);
        assertEachRefused(claimingAnn(new OperatorTokens.Credentials(shortLived, leaked.getPrivate())), "its operator token has expired");
    }

    /**
     * ann's token travels in every request she makes: anyone on the path has it, but not her session's
     * private key. With a key of its own it agrees a MAC key with the victim's real key; the victim,
     * which agrees its key with the token's session key, refuses every MAC under it, counted, and
     * nothing changes. (Fails when the node skips the MAC check: the list is answered.)
     */
    @Test
    void withAnnsTokenButAMacUnderAKeyOfItsOwn() throws Exception {
        KeyPair mine = OperatorTokens.newSessionKeyPair();
        OperatorTokens.Credentials forged = new OperatorTokens.Credentials(ann.credentials().token(), mine.getPrivate());
        forged.agree(VICTIM, victimVerifier().nodeKey());
        assertEachRefused(claimingAnn(forged), "its MAC is not one under the key this node agreed with its token's session key");
    }

    /**
     * A session's requests after its first to a node are checked by their MAC alone: the node verifies
     * the plane's signature of the token and agrees the MAC key once (the first request, which only
     * asks for the node's key, is answered without being counted as refused), and neither count
     * moves while the session goes on. (Fails if every request verified the token again.)
     */
    @Test
    void laterRequestsToANodeCostAMacNotASignature() throws Exception {
        Operator carol = pool.newOperator("ann-again", "ann-app", false, "ann"); // a fresh session: no key agreed with any node yet
        OperatorTokens.Verifier v = victimVerifier();
        long verified = v.tokensVerified(), agreed = v.keysAgreed(), refused = refusedRequestsAtVictim();
        Ref inAnnsRdc = carol.adopt(vaultGid);
        assertEquals(Incarnation.State.EXECUTING, carol.status(inAnnsRdc).state());
        assertEquals(verified + 1, v.tokensVerified(), "the first request verifies the session's token once");
        assertEquals(agreed + 1, v.keysAgreed(), "and agrees the MAC key once");
        assertEquals(refused, refusedRequestsAtVictim(), "asking for the node's key is not a refusal");
        long macs = v.macsAccepted();
        for (int i = 0; i < 20; i++) assertEquals(Incarnation.State.EXECUTING, carol.status(inAnnsRdc).state());
        assertEquals(verified + 1, v.tokensVerified(), "no token verified again: later requests cost an HMAC");
        assertEquals(agreed + 1, v.keysAgreed(), "no key agreed again");
        assertTrue(v.macsAccepted() >= macs + 20, "each request was accepted by its MAC");
    }

    /**
     * A request ann's session MACed for node 202 (as captured on the way there) sent to the victim
     * instead: refused as MACed under another node's key, counted, nothing changed. Before MAC keys per
     * node, a signed request was accepted once at any node within the freshness window.
     */
    @Test
    void requestsMacedForAnotherNodeAreRefusedHere() throws Exception {
        ann.list(0); // asks every node: ann's session agrees a key with each
        Authority.Acting acting = ann.actingNow();
        assertNotEquals(0, acting.credentials().nodeKeyId(202), "ann's session agreed a MAC key with node 202");
        assertEachRefused(acting, 202, "it is MACed under another node's key");
    }

    @Test
    void withEvesOwnValidToken() throws Exception {
        assertEachRefused(claimingAnn(eve.credentials()), "its token was issued to another operator, or for another RDC");
    }

    @Test
    void asEveWithHerValidTokenClaimingToActInAnnsRdc() throws Exception {
        // Acting in an RDC lets a session act on it: the RDC is the token's, not the one the trailer states.
        assertEachRefused(new Authority.Acting("eve", annRdc, new Authority.Access("eve", List.of()), eve.credentials()),
                "its token was issued to another operator, or for another RDC");
    }

    @Test
    void aListedOperatorCannotWidenTheListByStatingIt() throws Exception {
        // bob, whom ann lists, acts in her RDC with a token of his own, and states a list that adds eve.
        ann.allow("bob");
        Operator bob = pool.newOperator("bob-in-ann", "ann-app", false, "bob");
        assertEquals(List.of("bob"), bob.credentials().token().operators(), "the token carries the RDC's list as the plane has it");
        bob.status(bob.adopt(vaultGid)); // his session agrees a MAC key with the victim
        Authority.Acting widened = new Authority.Acting("bob", annRdc, new Authority.Access("ann", List.of("bob", "eve")), bob.credentials());
        Kernel.Response asBob = send(List.of(request(Kernel.OP_STATUS, Ghosts.statusRequest(vaultGid), widened))).values().iterator().next();
        assertEquals(Frames.OK, asBob.status(), "bob may ask: " + (asBob.status() == Frames.OK ? "" : asBob.error()));
        // The node learnt the RDC's list from bob's token, not from what his trailer stated: eve is still refused.
        OperationException e = assertThrows(OperationException.class, () -> eve.status(eve.adopt(vaultGid)), "eve must not be let in by bob's trailer");
        assertTrue(e.getMessage().contains("operator 'eve' has no authority over RDC"), e.getMessage());
    }

    @Test
    void replayingARequestAnnSigned() throws Exception {
        // A request ann's session signed (here: status of her vault), captured and sent again.
        UnsafeBuffer signed = request(Kernel.OP_STATUS, Ghosts.statusRequest(vaultGid), annAgreedWithVictim());
        Kernel.Response first = send(List.of(signed)).values().iterator().next();
        assertEquals(Frames.OK, first.status(), "the first time, ann's request is acted on: " + (first.status() == Frames.OK ? "" : first.error()));
        long before = refusedRequestsAtVictim();
        Kernel.Response again = send(List.of(signed)).values().iterator().next();
        assertNotEquals(Frames.OK, again.status(), "a replayed request must be refused");
        assertTrue(again.error().contains("accepted before, or is outside the freshness window"), again.error());
        assertEquals(before + 1, refusedRequestsAtVictim(), "the replay is counted");
    }

    /**
     * ann's token (and session key) leaked: the pool's administrator revokes ann's tokens. Every node
     * refuses the leaked token within a heartbeat, for each operation, counted, and nothing changes;
     * ann's own session gets a fresh token at its next request without her doing anything, and the
     * same frames with it are acted on. eve may not revoke ann's tokens. Without the nodes' check
     * of revocations the leaked token goes on working (the first refusal assertion fails).
     */
    @Test
    void aRevokedTokenIsRefusedAndTheSessionGetsAFreshOne() throws Exception {
        OperatorTokens.Credentials leaked = ann.credentials();
        OperationException byEve = assertThrows(OperationException.class, () -> eve.revokeTokens("ann"));
        assertTrue(byEve.getMessage().contains("revoke tokens of 'ann' refused: only 'ann' itself or the pool's administrator"), byEve.getMessage());
        long revokedAt = pool.control().revokeOperatorTokens("ann"); // the pool process's own session: the pool key's holder
        assertTrue(revokedAt >= leaked.token().issuedAtMillis(), "revoked after the leaked token was issued");
        // The nodes read the revocation when a heartbeat's answer says the plane has a new one (every 500 ms).
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!pool.pool().tokenRevocations().revokes("ann", annRdc, leaked.token().issuedAtMillis())) {
            assertTrue(System.nanoTime() < until, "the nodes never read the revocation");
            Thread.sleep(20);
        }
        assertEachRefused(claimingAnn(leaked), "its token of 'ann' issued at " + java.time.Instant.ofEpochMilli(leaked.token().issuedAtMillis())
                + " was revoked at " + java.time.Instant.ofEpochMilli(revokedAt));
        assertEquals(Incarnation.State.EXECUTING, ann.status(vault).state(), "ann's own session goes on, with a fresh token");
        OperatorTokens.Credentials fresh = ann.credentials();
        assertNotSame(leaked, fresh);
        assertTrue(fresh.token().issuedAtMillis() > revokedAt, "the fresh token is issued after the revocation");
        Kernel.Response withFresh = send(List.of(request(Kernel.OP_STATUS, Ghosts.statusRequest(vaultGid), annAgreedWithVictim()))).values().iterator().next();
        assertEquals(Frames.OK, withFresh.status(), () -> withFresh.error());
    }

    /**
     * The node learns a revocation before the session's own process does (here: the victim reads the
     * plane's table as soon as the revocation is made, as a node in another process whose heartbeat
     * came first would; this process's table waits for its own heartbeat). The session's request,
     * MACed under its revoked token's key, is refused at the node (the node dropped that key), acted
     * on nowhere; the session asks the plane for a new token, agrees a new MAC key with the node and
     * its request is acted on. When this process's heartbeat happens to come first, the session renews
     * before sending, and the attempt is made again. Fails without the session's retry after a
     * node's refusal for a revoked token (the status throws that refusal).
     */
    @Test
    void aSessionTheNodeRefusesForARevokedTokenRenewsItAndIsActedOn() throws Exception {
        Kernel victim = pool.kernel(VICTIM);
        java.util.concurrent.atomic.AtomicReference<io.rdc.runtime.security.TokenRevocations> victimsTable =
                new java.util.concurrent.atomic.AtomicReference<>(pool.pool().tokenRevocations());
        victim.authority.requireTokens(pool.pool().operatorTokenKey(), victimsTable::get);
        try {
            Operator dave = pool.newOperator("ann-renews", "ann-app", false, "ann");
            Ref inAnnsRdc = dave.adopt(vaultGid);
            boolean refusedAtTheNodeFirst = false;
            for (int attempt = 0; attempt < 5 && !refusedAtTheNodeFirst; attempt++) {
                assertEquals(Incarnation.State.EXECUTING, dave.status(inAnnsRdc).state()); // a MAC key agreed under the current token
                OperatorTokens.Credentials before = dave.credentials();
                long revokedAt = pool.control().revokeOperatorTokens("ann");
                victimsTable.set(pool.control().tokenRevocations());
                assertTrue(victimsTable.get().revokes("ann", annRdc, before.token().issuedAtMillis()), "the victim knows the revocation");
                if (pool.pool().tokenRevocations().revokes("ann", annRdc, before.token().issuedAtMillis())) continue; // this process's heartbeat came first
                long refusedAsRevoked = victimVerifier().count(OperatorTokens.Refusal.REVOKED);
                assertEquals(Incarnation.State.EXECUTING, dave.status(inAnnsRdc).state(), "the session renews its token, and its request is acted on");
                refusedAtTheNodeFirst = victimVerifier().count(OperatorTokens.Refusal.REVOKED) == refusedAsRevoked + 1;
                assertNotSame(before, dave.credentials(), "the session holds a new token");
                assertTrue(dave.credentials().token().issuedAtMillis() > revokedAt, "issued after the revocation");
            }
            assertTrue(refusedAtTheNodeFirst, "in five attempts the node never refused the session's request before the session renewed its token");
            assertNothingChanged();
        } finally {
            victim.requireOperatorTokens(pool.pool().operatorTokenKey()); // the node's own table again (and a new node key: sessions agree again)
        }
    }

    /**
     * Status asks an incarnation's birth node, which forwarded the request to where it moved. A MACed
     * request is bound to the node it was made for, so the birth node answers with where it went and
     * the session asks there (agreeing a key first). Fails when the birth node forwards it: the node
     * it moved to refuses a request MACed for another node.
     */
    @Test
    void aRequestForAMovedIncarnationIsAskedWhereItWent() throws Exception {
        Ref mover = ann.create(ann.module("mover", VAULT), 202, null, List.of(Iface.portNew("in", "mover.in", null)), false, "mover");
        try {
            ann.migrate(mover, 201, Duration.ofSeconds(20));
            Status s = ann.status(mover);
            assertEquals(201, s.node(), "status answered by the node it moved to");
            assertEquals(Incarnation.State.EXECUTING, s.state());
        } finally {
            ann.destroy(mover);
        }
    }

    /**
     * A node's key agreement key lives as long as its verifier: here the victim gets a new one (as a
     * restarted node has). ann's session's next request, MACed under the old key, is refused (counted)
     * with the new key in the answer; the session agrees again and the request is acted on. Fails
     * without the session's agreement on that answer (the status throws the refusal).
     */
    @Test
    void aSessionAgreesAgainWithANodeWhoseKeyChanged() throws Exception {
        annAgreedWithVictim();
        long before = ann.actingNow().credentials().nodeKeyId(VICTIM);
        pool.kernel(VICTIM).requireOperatorTokens(pool.pool().operatorTokenKey()); // a new verifier, with a new key
        assertEquals(Incarnation.State.EXECUTING, ann.status(vault).state(), "acted on after the session agreed again");
        assertEquals(1, victimVerifier().count(OperatorTokens.Refusal.WRONG_NODE), "the request under the old key was refused, once");
        assertNotEquals(before, ann.actingNow().credentials().nodeKeyId(VICTIM), "the session agreed a key with the node's new one");
    }

    @Test
    void snapshotAndCheckpointWithoutAnyOperatorAreRefused() throws Exception {
        // A kernel's or an incarnation's own requests name no operator; none of them asks for these.
        Map<String, Map.Entry<Integer, Payload>> ops = operations();
        List<UnsafeBuffer> frames = List.of(request(Kernel.OP_SNAPSHOT, ops.get("snapshot").getValue(), null),
                request(Kernel.OP_CHECKPOINT, ops.get("checkpoint").getValue(), null));
        long before = refusedRequestsAtVictim();
        for (Kernel.Response r : send(frames).values()) {
            assertNotEquals(Frames.OK, r.status(), "a snapshot or checkpoint naming no operator must be refused");
            assertTrue(r.error().contains("only an operator's session may ask this"), r.error());
        }
        assertEquals(before + 2, refusedRequestsAtVictim());
        assertNothingChanged();
    }

    /** The control: the same frames, built the same way with ann's own credentials, are acted on (read-only ones). */
    @Test
    void theSameFramesWithAnnsCredentialsAreActedOn() throws Exception {
        Map<String, Map.Entry<Integer, Payload>> ops = operations();
        List<UnsafeBuffer> frames = new ArrayList<>();
        Authority.Acting acting = annAgreedWithVictim();
        for (String op : List.of("list", "status", "snapshot")) frames.add(request(ops.get(op).getKey(), ops.get(op).getValue(), acting));
        long before = refusedRequestsAtVictim();
        Map<Long, Kernel.Response> answers = send(frames);
        for (Kernel.Response r : answers.values()) assertEquals(Frames.OK, r.status(), () -> r.error());
        assertTrue(new String(answers.values().stream().map(Kernel.Response::payload).reduce(new byte[0], OperatorTokenTest::concat),
                java.nio.charset.StandardCharsets.ISO_8859_1).contains("hunter2-secret"), "ann's snapshot carries her vault's state");
        assertEquals(before, refusedRequestsAtVictim(), "nothing refused");
    }

    // ---- checks

    void assertEachRefused(Authority.Acting claim, String why) throws Exception {
        assertEachRefused(claim, VICTIM, why);
    }

    /** Each operation, made for node {@code madeFor} as {@code claim}, sent to the victim: refused for {@code why}, counted, nothing changed. */
    void assertEachRefused(Authority.Acting claim, int madeFor, String why) throws Exception {
        Map<String, Map.Entry<Integer, Payload>> ops = operations();
        Map<Long, String> names = new HashMap<>();
        List<UnsafeBuffer> frames = new ArrayList<>();
        for (Map.Entry<String, Map.Entry<Integer, Payload>> op : ops.entrySet()) {
            UnsafeBuffer f = request(madeFor, op.getValue().getKey(), op.getValue().getValue(), claim);
            names.put(f.getLong(Frames.Q_CALL), op.getKey());
            frames.add(f);
        }
        long before = refusedRequestsAtVictim();
        Map<Long, Kernel.Response> answers = send(frames);
        assertEquals(frames.size(), answers.size(), "each request answered");
        for (Map.Entry<Long, Kernel.Response> a : answers.entrySet()) {
            String op = names.get(a.getKey());
            assertNotEquals(Frames.OK, a.getValue().status(), op + " claiming " + claim.operator() + " must be refused");
            assertTrue(a.getValue().error().contains("refused a request claiming operator '" + claim.operator() + "'") && a.getValue().error().contains(why),
                    op + ": " + a.getValue().error());
        }
        assertEquals(before + frames.size(), refusedRequestsAtVictim(), "every request refused is counted");
        assertNothingChanged();
    }

    void assertNothingChanged() {
        Status s = ann.status(vault);
        assertEquals(Incarnation.State.EXECUTING, s.state(), "the vault still runs, unfrozen");
        assertEquals(VICTIM, s.node(), "the vault did not move");
        assertTrue(ann.list(annRdc).stream().noneMatch(l -> "evil".equals(l.name())), "nothing was created in ann's RDC");
        assertFalse(Files.exists(checkpoints.resolve("stolen.ckpt")), "no checkpoint was written");
    }

    /** The victim's refused-request count, as its status report gives it ({@code show nodes}). */
    long refusedRequestsAtVictim() {
        return ann.kernel().nodeStatuses().stream().filter(n -> n.id() == VICTIM).findFirst().orElseThrow().refusedRequests();
    }

    /** Sends the frames (sealed with the pool's key) and returns the answers by call id, each expected. */
    Map<Long, Kernel.Response> send(List<UnsafeBuffer> frames) throws InterruptedException {
        Map<Long, Kernel.Response> answers = sendAndCollect(frames, 30);
        assertEquals(frames.size(), answers.size(), "every request answered");
        return answers;
    }

    /** Sends the frames (sealed with the pool's key) and returns the answers that came within {@code seconds}, by call id. */
    Map<Long, Kernel.Response> sendAndCollect(List<UnsafeBuffer> frames, int seconds) throws InterruptedException {
        for (UnsafeBuffer f : frames) {
            UnsafeBuffer sealed = new UnsafeBuffer(new byte[f.capacity() + FrameAuth.TRAILER]);
            sealed.putBytes(0, f, 0, f.capacity());
            sealer.seal(f, 0, f.capacity(), null, 0, 0);
            sealed.putBytes(f.capacity(), sealer.trailer, 0, FrameAuth.TRAILER);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (toVictim.offer(sealed, 0, sealed.capacity()) < 0) {
                assertTrue(System.nanoTime() < until, "the attacker could not send");
                Thread.sleep(1);
            }
        }
        Map<Long, Kernel.Response> answers = new HashMap<>();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        io.aeron.FragmentAssembler grab = new io.aeron.FragmentAssembler((buf, off, len, h) -> {
            if (buf.getByte(off + Frames.TYPE) != Frames.RESPONSE) return;
            byte[] payload = new byte[len - FrameAuth.TRAILER - Frames.Q_HEADER];
            buf.getBytes(off + Frames.Q_HEADER, payload);
            answers.put(buf.getLong(off + Frames.Q_CALL), new Kernel.Response(buf.getInt(off + Frames.Q_OP), payload));
        });
        while (answers.size() < frames.size() && System.nanoTime() < until) if (atAttacker.poll(grab, 10) == 0) Thread.sleep(5);
        return answers;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + (b == null ? 0 : b.length));
        if (b != null) System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
