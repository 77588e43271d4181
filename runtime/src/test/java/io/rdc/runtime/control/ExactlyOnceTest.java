package io.rdc.runtime.control;

import static org.junit.jupiter.api.Assertions.*;

import io.aeron.cluster.client.AeronCluster;
import io.rdc.runtime.control.codecs.*;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

/**
 * The service applies a request (clientId, seq) once: the same bytes sent again, as a client does
 * after a leader change, are answered again with the remembered answer and change nothing.
 */
class ExactlyOnceTest {

    @Test
    void aRetriedRequestIsAnsweredAgainNotAppliedTwice() {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(); ControlClient c = plane.connect()) {
            long rdc = c.openRdc("once", "ann", false).rdc().id();
            RefDescriptor ref = new RefDescriptor(RefKind.STREAM, 0, Ids.channel(201, 3, false), Ids.make(201, 1), 0, false, 0);
            c.spacePut(rdc, "tok", ref, 2);
            List<byte[]> answers = new ArrayList<>();
            try (AeronCluster raw = raw(plane, answers)) {
                ExpandableArrayBuffer get = new ExpandableArrayBuffer();
                int len = MessageHeaderEncoder.ENCODED_LENGTH + new SpaceGetEncoder().wrapAndApplyHeader(get, 0, new MessageHeaderEncoder())
                        .clientId(4242).seq(7).rdc(rdc).holder(1).label("tok").encodedLength();
                ExpandableArrayBuffer ret = new ExpandableArrayBuffer();
                int rlen = MessageHeaderEncoder.ENCODED_LENGTH + new SpaceReturnEncoder().wrapAndApplyHeader(ret, 0, new MessageHeaderEncoder())
                        .clientId(4242).seq(8).rdc(rdc).holder(1).hasPort((short) 0).label("tok").encodedLength();
                for (int i = 0; i < 3; i++) offer(raw, get, len); // one get, sent three times
                awaitAnswers(raw, answers, 3);
                assertEquals(List.of("entry\ttok\tstream\t201.3\t1 left"), c.spacePrint(rdc), "one copy out, not three");
                assertArrayEquals(answers.get(0), answers.get(1), "the retry gets the same answer");
                assertArrayEquals(answers.get(0), answers.get(2));
                offer(raw, ret, rlen);
                offer(raw, ret, rlen); // one return, sent twice: no "nothing to return" error, no third copy
                awaitAnswers(raw, answers, 5);
                assertArrayEquals(answers.get(3), answers.get(4));
                AckDecoder ack = ack(answers.get(4));
                assertEquals(Status.OK, ack.status(), ack.text());
                assertEquals(List.of("entry\ttok\tstream\t201.3\t2 left"), c.spacePrint(rdc));
            }
        }
    }

    @Test
    void aCancelRemovesAWaitingGetOrHandsBackWhatWasAlreadyHandedOut() {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(); ControlClient c = plane.connect()) {
            long rdc = c.openRdc("cancel", "ann", false).rdc().id();
            RefDescriptor ref = new RefDescriptor(RefKind.STREAM, 0, Ids.channel(201, 4, false), Ids.make(201, 1), 0, false, 0);
            List<byte[]> answers = new ArrayList<>();
            try (AeronCluster raw = raw(plane, answers)) {
                ExpandableArrayBuffer b = new ExpandableArrayBuffer();
                MessageHeaderEncoder h = new MessageHeaderEncoder();
                int get = MessageHeaderEncoder.ENCODED_LENGTH + new SpaceGetEncoder().wrapAndApplyHeader(b, 0, h).clientId(99).seq(1).rdc(rdc).holder(1).label("t").encodedLength();
                offer(raw, b, get); // waits: nothing labelled "t" yet
                awaitWaiting(c, rdc, "waiting\tt\t1 getter(s)");
                int cancel = MessageHeaderEncoder.ENCODED_LENGTH + new CancelGetEncoder().wrapAndApplyHeader(b, 0, h).clientId(99).seq(2).getSeq(1).encodedLength();
                offer(raw, b, cancel);
                awaitAnswers(raw, answers, 1);
                assertEquals(Status.CANCELLED, ack(answers.get(0)).status());
                assertEquals(List.of(), c.spacePrint(rdc), "the getter is gone");
                get = MessageHeaderEncoder.ENCODED_LENGTH + new SpaceGetEncoder().wrapAndApplyHeader(b, 0, h).clientId(99).seq(1).rdc(rdc).holder(1).label("t").encodedLength();
                offer(raw, b, get); // a late retry of the cancelled get is told, not queued
                awaitAnswers(raw, answers, 2);
                assertEquals(Status.CANCELLED, ack(answers.get(1)).status());
                c.spacePut(rdc, "t", ref, 1);
                assertEquals(List.of("entry\tt\tstream\t201.4\t1 left"), c.spacePrint(rdc));

                get = MessageHeaderEncoder.ENCODED_LENGTH + new SpaceGetEncoder().wrapAndApplyHeader(b, 0, h).clientId(99).seq(3).rdc(rdc).holder(1).label("t").encodedLength();
                offer(raw, b, get); // handed out at once
                awaitAnswers(raw, answers, 3);
                cancel = MessageHeaderEncoder.ENCODED_LENGTH + new CancelGetEncoder().wrapAndApplyHeader(b, 0, h).clientId(99).seq(4).getSeq(3).encodedLength();
                offer(raw, b, cancel); // too late: the answer says what was handed out, so it can go back
                awaitAnswers(raw, answers, 4);
                org.agrona.concurrent.UnsafeBuffer a = new org.agrona.concurrent.UnsafeBuffer(answers.get(3));
                GotDecoder got = new GotDecoder().wrapAndApplyHeader(a, 0, new MessageHeaderDecoder());
                assertEquals(4, got.seq());
                assertEquals(1, got.limited());
                assertEquals(ref, ControlCodec.get(got.desc()));
            }
        }
    }

    @Test
    void aClosedSessionsGettersGoAndItsAttachedRdcIsTerminated() throws Exception {
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(); ControlClient c = plane.connect()) {
            long shared = c.openRdc("shared", "ann", false).rdc().id();
            ControlClient other = plane.connect();
            long att = other.openRdc("mine", "bob", true).rdc().id();
            Thread getter = Thread.ofPlatform().start(() -> {
                try {
                    other.spaceGet(shared, "never", 1, TimeUnit.SECONDS.toNanos(30));
                } catch (RuntimeException expected) {
                    // the client closes under it
                }
            });
            awaitWaiting(c, shared, "waiting\tnever\t1 getter(s)");
            other.close();
            getter.join(10_000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!c.spacePrint(shared).isEmpty() || !"TERMINATED".equals(state(c, att))) {
                assertTrue(System.nanoTime() < deadline, "after the session closed: " + c.spacePrint(shared) + " " + state(c, att));
                Thread.sleep(20);
            }
            assertEquals("RUNNING", state(c, shared), "an RDC not launched attached outlives its opener");
        }
    }

    private static String state(ControlClient c, long rdc) {
        return c.rdcs().stream().filter(r -> r.id() == rdc).findFirst().orElseThrow().state();
    }

    private static void awaitWaiting(ControlClient c, long rdc, String line) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.spacePrint(rdc).contains(line)) {
            assertTrue(System.nanoTime() < deadline, "no waiting getter: " + c.spacePrint(rdc));
            Thread.onSpinWait();
        }
    }

    private static AckDecoder ack(byte[] answer) {
        return new AckDecoder().wrapAndApplyHeader(new org.agrona.concurrent.UnsafeBuffer(answer), 0, new MessageHeaderDecoder());
    }

    private static AeronCluster raw(EmbeddedControlPlane plane, List<byte[]> answers) {
        return AeronCluster.connect(new AeronCluster.Context().aeronDirectoryName(plane.clientConfig().aeronDirectoryName())
                .ingressChannel("aeron:udp").ingressEndpoints(plane.clientConfig().clusterIngressEndpoints())
                .egressChannel("aeron:udp?endpoint=localhost:0").egressListener((s, t, b, o, l, h) -> {
                    byte[] a = new byte[l];
                    b.getBytes(o, a);
                    answers.add(a);
                }));
    }

    private static void offer(AeronCluster raw, ExpandableArrayBuffer b, int len) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (raw.offer(b, 0, len) < 0) {
            assertTrue(System.nanoTime() < deadline, "ingress did not take the request");
            raw.pollEgress();
            Thread.onSpinWait();
        }
    }

    private static void awaitAnswers(AeronCluster raw, List<byte[]> answers, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (answers.size() < n) {
            assertTrue(System.nanoTime() < deadline, "only " + answers.size() + " of " + n + " answers came");
            if (raw.pollEgress() == 0) Thread.yield();
        }
    }
}
