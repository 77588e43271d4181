package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** rdc commands as processes of their own, as operators run them against a standing pool (tests' harness). */
final class PoolProcesses {
    private PoolProcesses() {}

    record Result(int code, String out) {}

    /** Runs {@code rdc args} in {@code dir} and waits for it (failing the test after {@code seconds}). */
    static Result rdc(Path dir, int seconds, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = start(dir, List.of(args), out);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("rdc " + String.join(" ", args) + " did not finish within " + seconds + " s:\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }

    /** An rdc command as its own process (as an operator runs it), in {@code dir}, its output in {@code out}. */
    static Process start(Path dir, List<String> args, Path out) throws IOException {
        List<String> cmd = new ArrayList<>(PoolCommand.java("io.rdc.shell.Main"));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    /**
     * {@code rdc pool start ARGS --dir HOME} in {@code dir}, as a user runs it; fails the test unless
     * the pool is ready, and gives its pool file (end it with {@link #endPool}).
     */
    static PoolFile startPool(Path dir, Path home, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("pool", "start"));
        all.addAll(List.of(args));
        all.addAll(List.of("--dir", home.toString()));
        Result started = rdc(dir, 180, all.toArray(String[]::new));
        if (started.code() != 0 || !started.out().contains("pool ready")) fail("rdc pool start failed:\n" + started.out());
        return PoolFile.read(home.resolve("pool"));
    }

    /** Ends what a test's pool left running: SIGTERM first (a member's shutdown hook removes its media-driver directory), SIGKILL after 15 s. */
    static void endPool(PoolFile pool) {
        if (pool == null) return;
        for (Long pid : pool.pids()) ProcessHandle.of(pid).ifPresent(PoolCommand::stop);
    }

    /** The last lines of each of the pool's logs, for a failure's message. */
    static String logs(Path home) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(home.resolve("logs"))) {
            for (Path f : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                sb.append("\n--- ").append(f.getFileName()).append('\n');
                for (String l : lines.subList(Math.max(0, lines.size() - 15), lines.size())) sb.append(l, 0, Math.min(l.length(), 300)).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * Removes the media-driver directory (in /dev/shm) of a control-plane member killed with kill -9,
     * which had no chance to: its log's first line names it.
     */
    static void removeKilledMembersDriverDir(Path home, int member) throws IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("control member " + member + " aeron dir (\\S+)")
                .matcher(Files.readString(home.resolve("logs").resolve("control-" + member + ".log")));
        if (m.find()) org.agrona.IoUtil.delete(new File(m.group(1)), true);
    }

    /** A base port with {@code n} free UDP ports above it (a probe: another process may still take one). */
    static int freeBasePort(int n) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = 30000 + (int) (Math.random() * 20000);
            List<DatagramSocket> held = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) held.add(new DatagramSocket(base + i, InetAddress.getLoopbackAddress()));
                return base;
            } catch (IOException taken) {
                // try another range
            } finally {
                for (DatagramSocket s : held) s.close();
            }
        }
        throw new IOException("no free range of " + n + " UDP ports");
    }
}
