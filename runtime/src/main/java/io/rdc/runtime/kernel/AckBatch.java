package io.rdc.runtime.kernel;

import io.rdc.runtime.transport.Frames;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * Acknowledgement batching (kernel thread): one cumulative ACK per stream and sender per duty
 * cycle, flushed at its end; a refusal, or a new port, is sent after the acknowledgements before it.
 * "No member here" answers to multicast messages are cumulative too, so a node outside a group costs
 * its senders one small frame per duty cycle, not one per message.
 */
final class AckBatch {
    private final Kernel k;

    AckBatch(Kernel k) {
        this.k = k;
    }

    // ---- acknowledgement batch: one cumulative ACK per stream per duty cycle
    int ackCount;
    long[] ackStream = new long[64], ackSeq = new long[64], ackPort = new long[64], ackChannel = new long[64];
    int[] ackNode = new int[64], ackStatus = new int[64];

    void queueAck(int node, long stream, long seq, long port, long channel, int status) {
        if (stream == 0) return;
        for (int i = 0; i < ackCount; i++) {
            if (ackStream[i] == stream && ackNode[i] == node) {
                if (status != ackStatus[i] || !cumulative(status) || ackPort[i] != port) {
                    flushAcks(); // a refusal, or a new port, is sent after the acknowledgements before it
                    break;
                }
                if (seq > ackSeq[i]) ackSeq[i] = seq;
                return;
            }
        }
        if (!cumulative(status)) {
            k.publisher.sendAck(node, stream, seq, port, channel, status);
            return;
        }
        if (ackCount == ackStream.length) flushAcks();
        ackStream[ackCount] = stream;
        ackSeq[ackCount] = seq;
        ackPort[ackCount] = port;
        ackChannel[ackCount] = channel;
        ackNode[ackCount] = node;
        ackStatus[ackCount] = status;
        ackCount++;
    }

    private static boolean cumulative(int status) {
        return status == Frames.OK || status == Frames.NO_MEMBER;
    }

    int flushAcks() {
        int n = ackCount;
        for (int i = 0; i < n; i++) k.publisher.sendAck(ackNode[i], ackStream[i], ackSeq[i], ackPort[i], ackChannel[i], ackStatus[i]);
        ackCount = 0;
        return n;
    }
}
