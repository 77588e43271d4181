package io.rdc.bench;

import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.BufferClaim;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;

/**
 * Measuring side of throughput: sends numbered messages as fast as the publication accepts them (tryClaim when a
 * message fits one frame, offer otherwise), idling only on back pressure, then a sync marker whose ack from the
 * sink carries the count received. Allocation-free once constructed.
 */
final class ThroughputPublisher
{
    private static final int CHECK_MASK = 0x3FF;

    private final BenchSession session;
    private final Publication publication;
    private final Subscription subscription;
    private final IdleStrategy idle;
    private final UnsafeBuffer payload;
    private final UnsafeBuffer syncBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 64));
    private final BufferClaim claim = new BufferClaim();
    private final int length;
    private final boolean useClaim;
    private final long timeoutNs;
    private final FragmentHandler ackHandler = this::onAck;

    private long backPressureEvents;
    private long syncToken;
    private long ackToken = -1;
    private long ackReceived;
    private long ackOutOfOrder;
    private long stallCheckPosition;
    private long stallCheckNs;

    ThroughputPublisher(final BenchSession session, final int payloadBytes)
    {
        this.session = session;
        this.publication = session.publication();
        this.subscription = session.subscription();
        this.idle = session.idle.newStrategy();
        this.length = payloadBytes;
        this.useClaim = payloadBytes <= publication.maxPayloadLength();
        this.payload = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            org.agrona.BitUtil.align(Math.max(payloadBytes, 64), 64), 64));
        for (int i = 0; i < payloadBytes; i++)
        {
            payload.putByte(i, (byte)i);
        }
        this.timeoutNs = session.options.timeout().toNanos();
    }

    boolean usesClaim()
    {
        return useClaim;
    }

    long backPressureEvents()
    {
        return backPressureEvents;
    }

    long ackReceived()
    {
        return ackReceived;
    }

    long ackOutOfOrder()
    {
        return ackOutOfOrder;
    }

    /**
     * Send {@code count} messages numbered from 0, then sync and wait until the sink has counted them all.
     *
     * @return nanoseconds from the first send to the sink's ack.
     */
    long run(final long count)
    {
        backPressureEvents = 0;
        stallCheckPosition = publication.position();
        stallCheckNs = System.nanoTime();
        final long startNs = System.nanoTime();
        if (useClaim)
        {
            sendClaimed(count);
        }
        else
        {
            sendOffered(count);
        }
        sync();
        return System.nanoTime() - startNs;
    }

    private void sendClaimed(final long count)
    {
        final BufferClaim claim = this.claim;
        final int length = this.length;
        for (long sequence = 0; sequence < count; sequence++)
        {
            long result;
            if ((result = publication.tryClaim(length, claim)) < 0)
            {
                do
                {
                    onBackPressure(result);
                }
                while ((result = publication.tryClaim(length, claim)) < 0);
                idle.reset();
            }
            final MutableDirectBuffer buffer = claim.buffer();
            final int offset = claim.offset();
            buffer.putBytes(offset, payload, 0, length);
            buffer.putLong(offset, sequence, Protocol.ORDER);
            claim.commit();
        }
    }

    private void sendOffered(final long count)
    {
        final int length = this.length;
        for (long sequence = 0; sequence < count; sequence++)
        {
            payload.putLong(0, sequence, Protocol.ORDER);
            long result;
            if ((result = publication.offer(payload, 0, length)) < 0)
            {
                do
                {
                    onBackPressure(result);
                }
                while ((result = publication.offer(payload, 0, length)) < 0);
                idle.reset();
            }
        }
    }

    private void onBackPressure(final long result)
    {
        if (!Protocol.isRetryable(result))
        {
            throw new IllegalStateException("throughput send failed: " + Protocol.describe(result));
        }
        if ((++backPressureEvents & CHECK_MASK) == 0)
        {
            checkStall();
        }
        idle.idle();
    }

    private void checkStall()
    {
        session.checkResponder();
        final long now = System.nanoTime();
        final long position = publication.position();
        if (position != stallCheckPosition)
        {
            stallCheckPosition = position;
            stallCheckNs = now;
        }
        else if (now - stallCheckNs > timeoutNs)
        {
            throw new IllegalStateException("publication stalled for " +
                TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms on " + session.transport.jsonName() + "; " +
                session.diagnostics());
        }
    }

    private void sync()
    {
        final long token = ++syncToken;
        syncBuffer.putLong(0, Protocol.SYNC, Protocol.ORDER);
        syncBuffer.putLong(Long.BYTES, token, Protocol.ORDER);
        long result;
        while ((result = publication.offer(syncBuffer, 0, Protocol.SYNC_LENGTH)) < 0)
        {
            onBackPressure(result);
        }
        idle.reset();

        final long syncNs = System.nanoTime();
        int spins = 0;
        while (ackToken != token)
        {
            if (subscription.poll(ackHandler, 1) == 0)
            {
                if ((++spins & CHECK_MASK) == 0)
                {
                    session.checkResponder();
                    if (System.nanoTime() - syncNs > timeoutNs)
                    {
                        throw new IllegalStateException("no ack from sink within " +
                            TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms on " + session.transport.jsonName() +
                            "; " + session.diagnostics());
                    }
                }
                idle.idle();
            }
        }
        idle.reset();
    }

    private void onAck(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (length == Protocol.ACK_LENGTH)
        {
            ackReceived = buffer.getLong(offset + Long.BYTES, Protocol.ORDER);
            ackOutOfOrder = buffer.getLong(offset + 2 * Long.BYTES, Protocol.ORDER);
            ackToken = buffer.getLong(offset, Protocol.ORDER);
        }
    }
}
