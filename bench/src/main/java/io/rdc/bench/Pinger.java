package io.rdc.bench;

import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;

/**
 * Measuring side of ping-pong: one ping in flight, timestamp carried in the message, round trip taken when the
 * echo arrives. Allocation-free once constructed.
 */
final class Pinger
{
    private static final int CHECK_MASK = 0xFFF;

    private final BenchSession session;
    private final Publication publication;
    private final Subscription subscription;
    private final IdleStrategy idle;
    private final UnsafeBuffer buffer;
    private final int length;
    private final long timeoutNs;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onPong);
    private long pongs;
    private long lastRttNs;

    Pinger(final BenchSession session, final int payloadBytes)
    {
        this.session = session;
        this.publication = session.publication();
        this.subscription = session.subscription();
        this.idle = session.idle.newStrategy();
        this.length = payloadBytes;
        this.buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            org.agrona.BitUtil.align(Math.max(payloadBytes, 64), 64), 64));
        this.timeoutNs = session.options.timeout().toNanos();
    }

    /**
     * Do {@code count} round trips; record each in {@code samplesNs[i]} unless it is {@code null} (warm-up).
     */
    void roundTrips(final int count, final long[] samplesNs)
    {
        for (int i = 0; i < count; i++)
        {
            final long sentNs = System.nanoTime();
            buffer.putLong(0, sentNs, Protocol.ORDER);
            send(sentNs);
            awaitPong(sentNs);
            if (null != samplesNs)
            {
                samplesNs[i] = lastRttNs;
            }
        }
    }

    private void send(final long sentNs)
    {
        long result;
        int spins = 0;
        while ((result = publication.offer(buffer, 0, length)) < 0)
        {
            if (!Protocol.isRetryable(result))
            {
                throw new IllegalStateException("ping offer failed: " + Protocol.describe(result));
            }
            if ((++spins & CHECK_MASK) == 0)
            {
                checkTimeout(sentNs, "ping back-pressured");
            }
            idle.idle();
        }
        idle.reset();
    }

    private void awaitPong(final long sentNs)
    {
        final long expected = pongs + 1;
        int spins = 0;
        while (pongs < expected)
        {
            if (subscription.poll(assembler, 1) == 0)
            {
                if ((++spins & CHECK_MASK) == 0)
                {
                    checkTimeout(sentNs, "no pong");
                }
                idle.idle();
            }
        }
        idle.reset();
    }

    private void checkTimeout(final long sinceNs, final String what)
    {
        session.checkResponder();
        if (System.nanoTime() - sinceNs > timeoutNs)
        {
            throw new IllegalStateException(what + " within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) +
                " ms on " + session.transport.jsonName() + " after " + pongs + " pongs; " + session.diagnostics());
        }
    }

    private void onPong(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        lastRttNs = System.nanoTime() - buffer.getLong(offset, Protocol.ORDER);
        pongs++;
    }
}
