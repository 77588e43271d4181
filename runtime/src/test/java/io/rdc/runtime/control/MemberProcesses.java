package io.rdc.runtime.control;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.IoUtil;

/** Control-plane members as child processes (ControlPlaneMember.main), killed or stopped by the test. */
final class MemberProcesses implements AutoCloseable {
    final int n, basePort;
    final File dir;
    final Process[] procs;
    final String[] aeronDirs;

    MemberProcesses(int n, File dir) {
        this.n = n;
        this.dir = dir;
        this.basePort = freeBase(n);
        this.procs = new Process[n];
        this.aeronDirs = new String[n];
    }

    List<String> ingressEndpoints() {
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < n; i++) hosts.add("localhost");
        return ControlPlaneMember.derive(hosts, basePort).stream().map(ControlPlaneMember.Endpoints::ingressEndpoint).toList();
    }

    /** Starts every member and waits (bounded) until each says it is ready. */
    void startAll() throws Exception {
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        for (int i = 0; i < n; i++) ready.add(start(i));
        for (CompletableFuture<Void> r : ready) r.get(180, TimeUnit.SECONDS); // JVM start on a loaded machine is slow
    }

    CompletableFuture<Void> start(int i) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (a.startsWith("--add-exports") || a.startsWith("--add-opens") || a.startsWith("--enable-native-access") || a.startsWith("--sun-misc"))
                cmd.add(a);
        cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), ControlPlaneMember.class.getName(),
                "--id", Integer.toString(i), "--hosts", String.join(",", java.util.Collections.nCopies(n, "localhost")),
                "--base-port", Integer.toString(basePort), "--dir", dir.getPath()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        procs[i] = p;
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("member-" + i + "-out").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    String dirPrefix = "control member " + i + " aeron dir ";
                    if (line.startsWith(dirPrefix)) aeronDirs[i] = line.substring(dirPrefix.length());
                    else if (line.equals("control member " + i + " ready")) ready.complete(null);
                    else System.err.println("[member " + i + "] " + line);
                }
            } catch (IOException ignored) {
                // the process is gone
            }
            ready.completeExceptionally(new IllegalStateException("member " + i + " ended before it was ready"));
        });
        return ready;
    }

    /** kill -9: nothing of the member runs its shutdown; its Aeron directory is removed for it. */
    void kill(int i) throws InterruptedException {
        procs[i].destroyForcibly();
        procs[i].waitFor(30, TimeUnit.SECONDS);
        if (aeronDirs[i] != null) IoUtil.delete(new File(aeronDirs[i]), true);
    }

    /** Graceful: closes its stdin, as a pool stop does. */
    void stop(int i) throws Exception {
        Process p = procs[i];
        if (p == null || !p.isAlive()) return;
        p.getOutputStream().close();
        if (!p.waitFor(30, TimeUnit.SECONDS)) kill(i);
    }

    void stopAll() throws Exception {
        for (int i = 0; i < n; i++) stop(i);
    }

    @Override
    public void close() throws Exception {
        for (int i = 0; i < n; i++) if (procs[i] != null && procs[i].isAlive()) kill(i);
        for (String d : aeronDirs) if (d != null) IoUtil.delete(new File(d), true);
    }

    /** A base port whose n members' ports are all free now. */
    static int freeBase(int n) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = 20_000 + 10 * ThreadLocalRandom.current().nextInt(2_000);
            if (allFree(base, n * ControlPlaneMember.PORTS_PER_MEMBER)) return base;
        }
        throw new UncheckedIOException(new IOException("no free range of UDP ports"));
    }

    private static boolean allFree(int base, int count) {
        for (int p = base; p < base + count; p++) {
            try (DatagramSocket s = new DatagramSocket(p, InetAddress.getLoopbackAddress())) {
                // free
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }
}
