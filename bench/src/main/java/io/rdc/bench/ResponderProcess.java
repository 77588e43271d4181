package io.rdc.bench;

import io.aeron.driver.ThreadingMode;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Parent-side handle of the child JVM running {@link AeronBaselineResponder}: same java binary, JVM flags and
 * class path as this JVM. The child is always terminated: by closing its stdin on {@link #close()}, then SIGTERM,
 * then SIGKILL; by a shutdown hook if this JVM exits first; and by its own lifetime guard.
 */
final class ResponderProcess implements AutoCloseable
{
    private static final int LOG_LINES = 40;
    private static final long MAX_LIFETIME_SECONDS = 900;

    private final Process process;
    private final Thread shutdownHook;
    private final ArrayDeque<String> log = new ArrayDeque<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final String aeronDir;

    private ResponderProcess(final List<String> command, final String aeronDir) throws IOException
    {
        this.aeronDir = aeronDir;
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        process = builder.start();
        shutdownHook = new Thread(this::kill, "rdc-bench-kill-responder-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        final Thread reader = new Thread(this::readOutput, "rdc-bench-responder-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Start a child JVM and wait until its responder is subscribed and publishing.
     *
     * @param role       echo (pong) or sink (throughput subscriber).
     * @param listenPort UDP port the child subscribes on.
     * @param replyPort  UDP port the child publishes to.
     * @param idle       application idle strategy.
     * @param driverIdle media driver idle strategy.
     * @param options    threading mode, fragment limit, publication kind, timeout.
     * @return the running child.
     */
    static ResponderProcess start(
        final Responder.Role role,
        final int listenPort,
        final int replyPort,
        final Idle idle,
        final Idle driverIdle,
        final BaselineOptions options)
    {
        final String aeronDir = Drivers.newAeronDir("child");
        final List<String> command = command(role, aeronDir, listenPort, replyPort, idle, driverIdle,
            options.threadingMode(), options.fragmentLimit(), options.exclusivePublications());
        final ResponderProcess child;
        try
        {
            child = new ResponderProcess(command, aeronDir);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("could not start responder JVM: " + command, ex);
        }
        try
        {
            child.awaitReady(options.timeout().toNanos());
            return child;
        }
        catch (final RuntimeException ex)
        {
            child.close();
            throw ex;
        }
    }

    long pid()
    {
        return process.pid();
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * @return the last lines the child printed (stdout and stderr), for diagnostics.
     */
    String recentOutput()
    {
        synchronized (log)
        {
            return String.join("\n", log);
        }
    }

    public void close()
    {
        try
        {
            process.getOutputStream().close();
        }
        catch (final IOException ignore)
        {
            // the child may be gone already
        }
        try
        {
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS))
                {
                    kill();
                }
            }
        }
        catch (final InterruptedException ex)
        {
            kill();
            Thread.currentThread().interrupt();
        }
        finally
        {
            try
            {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            }
            catch (final IllegalStateException ignore)
            {
                // already shutting down: the hook runs anyway
            }
            org.agrona.IoUtil.delete(new File(aeronDir), true);
        }
    }

    private void kill()
    {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try
        {
            process.waitFor(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        org.agrona.IoUtil.delete(new File(aeronDir), true);
    }

    private void awaitReady(final long timeoutNs)
    {
        final long deadline = System.nanoTime() + timeoutNs;
        try
        {
            while (!ready.await(50, TimeUnit.MILLISECONDS))
            {
                if (!process.isAlive())
                {
                    ready.await(200, TimeUnit.MILLISECONDS); // let the reader drain the last output
                    throw new IllegalStateException("responder JVM exited with " + process.exitValue() +
                        " before it was ready; output:\n" + recentOutput());
                }
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("responder JVM not ready within " +
                        TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms; output:\n" + recentOutput());
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting responder JVM", ex);
        }
    }

    private void readOutput()
    {
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while (null != (line = reader.readLine()))
            {
                if (line.equals(Protocol.READY))
                {
                    ready.countDown();
                }
                else
                {
                    synchronized (log)
                    {
                        if (log.size() == LOG_LINES)
                        {
                            log.removeFirst();
                        }
                        log.addLast(line);
                    }
                }
            }
        }
        catch (final IOException ignore)
        {
            // stream closed when the child exits
        }
    }

    static List<String> command(
        final Responder.Role role,
        final String aeronDir,
        final int listenPort,
        final int replyPort,
        final Idle idle,
        final Idle driverIdle,
        final ThreadingMode mode,
        final int fragmentLimit,
        final boolean exclusive)
    {
        final List<String> command = new ArrayList<>();
        command.add(javaBinary());
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (!arg.startsWith("-agentlib:jdwp") && !arg.startsWith("-Xrunjdwp") && !arg.startsWith("-Xdebug"))
            {
                command.add(arg);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(AeronBaselineResponder.class.getName());
        command.add(role.name());
        command.add(aeronDir);
        command.add(Integer.toString(listenPort));
        command.add(Integer.toString(replyPort));
        command.add(idle.jsonName());
        command.add(driverIdle.jsonName());
        command.add(mode.name());
        command.add(Integer.toString(fragmentLimit));
        command.add(Boolean.toString(exclusive));
        command.add(Long.toString(MAX_LIFETIME_SECONDS));
        return command;
    }

    static String javaBinary()
    {
        return ProcessHandle.current().info().command()
            .orElseGet(() -> System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }
}
