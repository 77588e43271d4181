package io.rdc.bench;

import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Locale;

/**
 * The far side of a baseline measurement, run as an Aeron {@link Agent}: either echoes every message back
 * ({@link Role#ECHO}, the pong of ping-pong) or counts messages and acknowledges sync markers
 * ({@link Role#SINK}, the throughput subscriber). Runs on an {@code AgentRunner} thread in this JVM or in the
 * child JVM started by {@link ResponderProcess}.
 */
final class Responder implements Agent
{
    enum Role
    {
        ECHO, SINK;

        static Role parse(final String s)
        {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    private final Role role;
    private final Subscription subscription;
    private final Publication publication;
    private final IdleStrategy offerIdle;
    private final int fragmentLimit;
    private final FragmentAssembler assembler;
    private final UnsafeBuffer ackBuffer =
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 64));

    private volatile boolean running = true;
    private long received;
    private long expectedSequence;
    private long outOfOrder;
    private long dropped;

    /**
     * @param role          echo or sink.
     * @param subscription  messages from the measuring side.
     * @param publication   replies to the measuring side.
     * @param offerIdle     idle strategy while a reply is back-pressured.
     * @param fragmentLimit fragments per poll.
     */
    Responder(
        final Role role,
        final Subscription subscription,
        final Publication publication,
        final IdleStrategy offerIdle,
        final int fragmentLimit)
    {
        this.role = role;
        this.subscription = subscription;
        this.publication = publication;
        this.offerIdle = offerIdle;
        this.fragmentLimit = fragmentLimit;
        final FragmentHandler handler = role == Role.ECHO ? this::onEcho : this::onSink;
        this.assembler = new FragmentAssembler(handler);
    }

    public int doWork()
    {
        return subscription.poll(assembler, fragmentLimit);
    }

    public void onClose()
    {
        running = false;
    }

    /**
     * Ask a reply that is stuck on back pressure to give up; safe from any thread.
     */
    void stop()
    {
        running = false;
    }

    public String roleName()
    {
        return "rdc-bench-" + role.name().toLowerCase(Locale.ROOT);
    }

    /**
     * @return replies that could not be sent because the measuring side went away.
     */
    long dropped()
    {
        return dropped;
    }

    private void onEcho(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        reply(buffer, offset, length);
    }

    private void onSink(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final long sequence = buffer.getLong(offset, Protocol.ORDER);
        if (sequence == Protocol.SYNC && length == Protocol.SYNC_LENGTH)
        {
            final long token = buffer.getLong(offset + Long.BYTES, Protocol.ORDER);
            ackBuffer.putLong(0, token, Protocol.ORDER);
            ackBuffer.putLong(Long.BYTES, received, Protocol.ORDER);
            ackBuffer.putLong(2 * Long.BYTES, outOfOrder, Protocol.ORDER);
            reply(ackBuffer, 0, Protocol.ACK_LENGTH);
            received = 0;
            expectedSequence = 0;
            outOfOrder = 0;
        }
        else
        {
            if (sequence != expectedSequence)
            {
                outOfOrder++;
            }
            expectedSequence = sequence + 1;
            received++;
        }
    }

    private void reply(final DirectBuffer buffer, final int offset, final int length)
    {
        offerIdle.reset();
        long result;
        while ((result = publication.offer(buffer, offset, length)) < 0)
        {
            // NOT_CONNECTED is retried too: the first message can arrive before this publication has seen the
            // measuring side's status message, even though the measuring side already has an image of it.
            if (!running || (!Protocol.isRetryable(result) && result != Publication.NOT_CONNECTED))
            {
                if (++dropped <= 10)
                {
                    System.err.println("rdc-bench " + roleName() + ": reply dropped (" + Protocol.describe(result) +
                        ", running=" + running + "), dropped so far " + dropped);
                }
                return;
            }
            offerIdle.idle();
        }
    }
}
