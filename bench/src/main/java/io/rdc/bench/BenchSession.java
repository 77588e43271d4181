package io.rdc.bench;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.AgentRunner;

import java.io.File;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The resources of one baseline measurement: an embedded media driver and client for the measuring side, its
 * publication to and subscription from the responder, and the responder itself (agent thread in this JVM, or a
 * child JVM for {@link Transport#UDP}). Everything is closed, and driver directories deleted, on {@link #close()}.
 */
final class BenchSession implements AutoCloseable
{
    final Transport transport;
    final Idle idle;
    final Idle driverIdle;
    final BaselineOptions options;

    private final String aeronDir;
    private final Thread dirCleanupHook;
    private final AtomicReference<Throwable> responderError = new AtomicReference<>();
    private MediaDriver driver;
    private Aeron aeron;
    private Publication publication;
    private Subscription subscription;
    private Subscription responderSubscription;
    private Publication responderPublication;
    private Responder localResponder;
    private AgentRunner responderRunner;
    private ResponderProcess child;

    private BenchSession(
        final Transport transport, final Idle idle, final BaselineOptions options)
    {
        this.transport = transport;
        this.idle = idle;
        this.options = options;
        this.driverIdle = options.effectiveDriverIdle(idle);
        this.aeronDir = Drivers.newAeronDir("main");
        this.dirCleanupHook = new Thread(() -> IoUtil.delete(new File(aeronDir), true), "rdc-bench-dir-cleanup");
        Runtime.getRuntime().addShutdownHook(dirCleanupHook);
    }

    /**
     * Start driver, client and responder and wait until both directions are connected.
     *
     * @param transport channel type.
     * @param role      what the responder does.
     * @param idle      application idle strategy, also used by the responder.
     * @param options   threading mode, timeouts and so on.
     * @return a connected session.
     */
    static BenchSession open(
        final Transport transport, final Responder.Role role, final Idle idle, final BaselineOptions options)
    {
        final BenchSession session = new BenchSession(transport, idle, options);
        try
        {
            session.start(role);
            return session;
        }
        catch (final RuntimeException | Error ex)
        {
            session.close();
            throw ex;
        }
    }

    Publication publication()
    {
        return publication;
    }

    Subscription subscription()
    {
        return subscription;
    }

    /**
     * Throw if the responder has failed: its agent threw, or the child JVM exited. Call on slow paths only.
     */
    void checkResponder()
    {
        final Throwable error = responderError.get();
        if (null != error)
        {
            throw new IllegalStateException("responder failed on " + transport.jsonName(), error);
        }
        if (null != child && !child.isAlive())
        {
            throw new IllegalStateException("responder JVM " + child.pid() + " exited; output:\n" +
                child.recentOutput());
        }
    }

    /**
     * @return a one-paragraph description of the session's connection state and, for a child JVM, its recent
     * output; appended to timeout errors.
     */
    String diagnostics()
    {
        final StringBuilder sb = new StringBuilder()
            .append("publication connected=").append(publication.isConnected())
            .append(" position=").append(publication.position())
            .append(" limit=").append(publication.positionLimit())
            .append("; subscription images=").append(subscription.imageCount());
        subscription.forEachImage(image -> sb.append(" [image closed=").append(image.isClosed())
            .append(" eos=").append(image.isEndOfStream()).append(" position=").append(image.position()).append(']'));
        if (null != localResponder)
        {
            sb.append("; responder dropped replies=").append(localResponder.dropped())
                .append(", its publication connected=").append(responderPublication.isConnected());
        }
        if (null != child)
        {
            sb.append("; responder JVM alive=").append(child.isAlive()).append(", output:\n")
                .append(child.recentOutput());
        }
        return sb.toString();
    }

    private void start(final Responder.Role role)
    {
        driver = MediaDriver.launch(Drivers.context(aeronDir, options.threadingMode(), driverIdle));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir));

        final String toResponder;
        final String fromResponder;
        if (transport == Transport.IPC)
        {
            toResponder = "aeron:ipc";
            fromResponder = "aeron:ipc";
        }
        else
        {
            final int responderPort = Drivers.freeUdpPort();
            int replyPort = Drivers.freeUdpPort();
            while (replyPort == responderPort)
            {
                replyPort = Drivers.freeUdpPort();
            }
            toResponder = Drivers.udpChannel(responderPort);
            fromResponder = Drivers.udpChannel(replyPort);
            if (transport == Transport.UDP)
            {
                child = ResponderProcess.start(role, responderPort, replyPort, idle, driverIdle, options);
            }
        }

        if (null == child)
        {
            responderSubscription = aeron.addSubscription(toResponder, Protocol.TO_RESPONDER_STREAM_ID);
            responderPublication = addPublication(fromResponder, Protocol.FROM_RESPONDER_STREAM_ID);
            localResponder = new Responder(
                role, responderSubscription, responderPublication, idle.newStrategy(), options.fragmentLimit());
            responderRunner = new AgentRunner(idle.newStrategy(), responderError::set, null, localResponder);
            AgentRunner.startOnThread(responderRunner);
        }

        subscription = aeron.addSubscription(fromResponder, Protocol.FROM_RESPONDER_STREAM_ID);
        publication = addPublication(toResponder, Protocol.TO_RESPONDER_STREAM_ID);
        awaitConnected();
    }

    private Publication addPublication(final String channel, final int streamId)
    {
        return options.exclusivePublications() ?
            aeron.addExclusivePublication(channel, streamId) : aeron.addPublication(channel, streamId);
    }

    private void awaitConnected()
    {
        final long deadline = System.nanoTime() + options.timeout().toNanos();
        while (!publication.isConnected() || !subscription.isConnected())
        {
            checkResponder();
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException(transport.jsonName() + " not connected within " +
                    options.timeout().toMillis() + " ms (publication connected=" + publication.isConnected() +
                    ", subscription connected=" + subscription.isConnected() + ")" +
                    (null == child ? "" : "; responder output:\n" + child.recentOutput()));
            }
            sleepMillis(1);
        }
    }

    private static void sleepMillis(final long millis)
    {
        try
        {
            TimeUnit.MILLISECONDS.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    public void close()
    {
        if (null != localResponder)
        {
            localResponder.stop();
        }
        try
        {
            CloseHelper.closeAll(
                responderRunner, child, publication, subscription, responderPublication, responderSubscription,
                aeron, driver);
        }
        finally
        {
            IoUtil.delete(new File(aeronDir), true);
            try
            {
                Runtime.getRuntime().removeShutdownHook(dirCleanupHook);
            }
            catch (final IllegalStateException ignore)
            {
                // already shutting down: the hook runs anyway
            }
        }
    }
}
