package io.rdc.bench;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.io.File;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Embedded media driver set-up and loopback addressing for the baseline.
 */
final class Drivers
{
    static final String LOOPBACK = "127.0.0.1";
    private static final String DIR_PREFIX = "rdc-bench-";
    private static final AtomicInteger DIR_COUNTER = new AtomicInteger();
    private static final AtomicBoolean SWEPT = new AtomicBoolean();

    private Drivers()
    {
    }

    /**
     * @param tag distinguishes drivers of one process, e.g. {@code main} or {@code child}.
     * @return a fresh aeron directory path under /dev/shm if present, else java.io.tmpdir; not created here.
     */
    static String newAeronDir(final String tag)
    {
        final File shm = new File("/dev/shm");
        final File base = shm.isDirectory() && shm.canWrite() ? shm : new File(System.getProperty("java.io.tmpdir"));
        if (SWEPT.compareAndSet(false, true))
        {
            sweepStaleDirs(base);
        }
        return new File(base, DIR_PREFIX + ProcessHandle.current().pid() + "-" + tag + "-" +
            DIR_COUNTER.incrementAndGet()).getAbsolutePath();
    }

    /**
     * Delete baseline driver directories left by processes that no longer exist (killed with SIGKILL, so neither
     * {@code dirDeleteOnShutdown} nor shutdown hooks ran). Directory names carry the owning pid.
     */
    static void sweepStaleDirs(final File base)
    {
        io.rdc.runtime.util.ShmDirs.sweepStale(base, DIR_PREFIX);
    }

    /**
     * Media driver context for a baseline run: its own directory, deleted on start and on shutdown, with the given
     * threading mode and idle strategy for the data-path agents (the conductor of a non-shared driver backs off).
     */
    static MediaDriver.Context context(final String aeronDir, final ThreadingMode mode, final Idle driverIdle)
    {
        return new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .warnIfDirectoryExists(false)
            .threadingMode(mode)
            .sharedIdleStrategy(driverIdle.newStrategy())
            .sharedNetworkIdleStrategy(driverIdle.newStrategy())
            .senderIdleStrategy(driverIdle.newStrategy())
            .receiverIdleStrategy(driverIdle.newStrategy())
            .conductorIdleStrategy(new BackoffIdleStrategy());
    }

    /**
     * @return a UDP port on loopback that was free a moment ago (the usual bind-to-0 probe; racy by nature).
     */
    static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0)))
        {
            return socket.getLocalPort();
        }
        catch (final SocketException | java.net.UnknownHostException ex)
        {
            throw new IllegalStateException("no free UDP port on loopback", ex);
        }
    }

    static String udpChannel(final int port)
    {
        return "aeron:udp?endpoint=" + LOOPBACK + ":" + port;
    }
}
