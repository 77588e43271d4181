package io.rdc.bench;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.IoUtil;
import org.agrona.concurrent.AgentRunner;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;

/**
 * Entry point of the child JVM for {@link Transport#UDP}: its own embedded media driver in its own directory, a
 * {@link Responder} on an agent thread, and a lifetime tied to its parent. The child stops when its stdin reaches
 * end-of-file (the parent closed it, or the parent died), and exits regardless after a maximum lifetime.
 * <p>
 * Arguments: {@code role aeronDir listenPort replyPort idle driverIdle threadingMode fragmentLimit exclusive
 * maxLifetimeSeconds}. Prints {@value Protocol#READY} on stdout once its subscription and publication exist.
 */
public final class AeronBaselineResponder
{
    private AeronBaselineResponder()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        if (args.length != 10)
        {
            System.err.println("usage: role aeronDir listenPort replyPort idle driverIdle threadingMode " +
                "fragmentLimit exclusive maxLifetimeSeconds");
            System.exit(64);
        }
        final Responder.Role role = Responder.Role.parse(args[0]);
        final String aeronDir = args[1];
        final int listenPort = Integer.parseInt(args[2]);
        final int replyPort = Integer.parseInt(args[3]);
        final Idle idle = Idle.parse(args[4]);
        final Idle driverIdle = Idle.parse(args[5]);
        final ThreadingMode mode = ThreadingMode.valueOf(args[6]);
        final int fragmentLimit = Integer.parseInt(args[7]);
        final boolean exclusive = Boolean.parseBoolean(args[8]);
        final long maxLifetimeSeconds = Long.parseLong(args[9]);

        // Whatever happens (System.exit from the lifetime guard, SIGTERM from the parent), remove the driver dir.
        Runtime.getRuntime().addShutdownHook(new Thread(
            () -> IoUtil.delete(new File(aeronDir), true), "rdc-bench-responder-cleanup"));
        final Thread lifetimeGuard = new Thread(() ->
        {
            try
            {
                Thread.sleep(maxLifetimeSeconds * 1000L);
                System.err.println("rdc-bench responder: max lifetime of " + maxLifetimeSeconds + "s exceeded");
                System.exit(3);
            }
            catch (final InterruptedException ignore)
            {
                Thread.currentThread().interrupt();
            }
        }, "rdc-bench-responder-lifetime");
        lifetimeGuard.setDaemon(true);
        lifetimeGuard.start();

        try (MediaDriver ignore = MediaDriver.launch(Drivers.context(aeronDir, mode, driverIdle));
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir));
            Subscription subscription = aeron.addSubscription(
                Drivers.udpChannel(listenPort), Protocol.TO_RESPONDER_STREAM_ID);
            Publication publication = exclusive ?
                aeron.addExclusivePublication(Drivers.udpChannel(replyPort), Protocol.FROM_RESPONDER_STREAM_ID) :
                aeron.addPublication(Drivers.udpChannel(replyPort), Protocol.FROM_RESPONDER_STREAM_ID))
        {
            final Responder responder = new Responder(role, subscription, publication, idle.newStrategy(),
                fragmentLimit);
            try (AgentRunner runner = new AgentRunner(idle.newStrategy(), Throwable::printStackTrace, null, responder))
            {
                AgentRunner.startOnThread(runner);
                System.out.println(Protocol.READY);
                System.out.flush();
                awaitEndOfInput(System.in);
                responder.stop();
            }
        }
        System.exit(0);
    }

    private static void awaitEndOfInput(final InputStream in)
    {
        final byte[] sink = new byte[64];
        try
        {
            while (in.read(sink) != -1)
            {
                Thread.onSpinWait();
            }
        }
        catch (final IOException ignore)
        {
            // parent gone: treat like end of input
        }
    }
}
