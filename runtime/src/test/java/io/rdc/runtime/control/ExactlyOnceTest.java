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
            try (AeronCluster raw = AeronCluster.connect(new AeronCluster.Context().aeronDirectoryName(plane.clientConfig().aeronDirectoryName())
                    .ingressChannel("aeron:udp").ingressEndpoints(plane.clientConfig().clusterIngressEndpoints())
                    .egressChannel("aeron:udp?endpoint=localhost:0").egressListener((s, t, b, o, l, h) -> {
                        byte[] a = new byte[l];
                        b.getBytes(o, a);
                        answers.add(a);
                    }))) {
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
                AckDecoder ack = new AckDecoder().wrapAndApplyHeader(new org.agrona.concurrent.UnsafeBuffer(answers.get(4)), 0, new MessageHeaderDecoder());
                assertEquals(Status.OK, ack.status(), ack.text());
                assertEquals(List.of("entry\ttok\tstream\t201.3\t2 left"), c.spacePrint(rdc));
            }
        }
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
