package io.rdc.runtime.containment;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Each attack of issue 21 against a pool in a JVM of its own ({@link AttackMain}): an echo
 * incarnation on the attacked node answers within a second throughout, and every culprit ends
 * FAULTING or DEAD with a reason naming the limit it hit.
 */
class ContainmentTest {

    @Test
    void twoSpinnersDoNotStarveTheNodeAndFaultAtTheirBound() throws Exception {
        contained("spin2", 2, "bound of 2000 ms", "-Drdc.limit.handlerBoundMs=2000");
    }

    @Test
    void fourSpinnersDoNotStarveTheNodeAndFaultAtTheirBound() throws Exception {
        contained("spin4", 4, "bound of 2000 ms", "-Drdc.limit.handlerBoundMs=2000");
    }

    @Test
    void aForkBombStopsAtTheCreationQuotaWithAClearError() throws Exception {
        // Quotas of its own (the defaults leave room for large configurations): the test is of the mechanism.
        Outcome o = contained("forkbomb", 1, "rdc.limit.", "-Drdc.limit.incarnationsPerRdc=1000", "-Drdc.limit.creationsPerSecond=100");
        Matcher m = Pattern.compile("incarnations at node 202: (\\d+)").matcher(o.output);
        assertTrue(m.find(), o.output);
        assertTrue(Integer.parseInt(m.group(1)) <= 1_001 + 10, "the bomb made more than its quota: " + m.group());
    }

    @Test
    void aMillionSendsAtAFrozenIncarnationFailTheSendersAtTheQueueQuota() throws Exception {
        contained("flood", 4, "is full");
    }

    @Test
    void oversizedBuffersAreRefusedAtTheBufferQuota() throws Exception {
        contained("buffer", 1, "rdc.limit.bufferBytes");
    }

    @Test
    void aMillionTimersAreRefusedAtTheTimerQuota() throws Exception {
        contained("timers", 1, "rdc.limit.timers");
    }

    @Test
    void aMemoryBombIsDestroyedBeforeTheHeapRunsOutAndTheNodeCarriesOn() throws Exception {
        // The handler bound is set out of reach: the memory bound, not the CPU bound, must stop it.
        contained("memory", 1, "memory", "-Drdc.limit.handlerBoundMs=600000");
    }

    @Test
    void aHandlerKeepingTenMegabytesAnInvocationIsDestroyedAtTheMemoryBound() throws Exception {
        contained("memory-invokes", 1, "memory", "-Drdc.limit.handlerBoundMs=600000");
    }

    @Test
    void anRdcOverItsOwnMemoryBoundLosesItsLargestAllocatorWhileItsPeerAndOtherRdcsCarryOn() throws Exception {
        // The node's bound (85% of 512 MB) is far off: RDC A's bound of 64 MB is what stops its hog.
        Outcome o = contained("rdc-memory", 1, "over the RDC's bound of 64 MB", "-Drdc.limit.handlerBoundMs=600000");
        assertTrue(o.output.contains("bystander peer EXECUTING peer"), "A's peer did not carry on:\n" + o.output);
        assertTrue(o.output.contains("bystander holder EXECUTING 100"), "B's holder (100 MB) did not carry on:\n" + o.output);
    }

    @Test
    void anRdcThatAllocatesTenTimesItsMemoryBoundInGarbageIsNotAtFault() throws Exception {
        Outcome o = attack("rdc-churn", "-Drdc.limit.handlerBoundMs=600000");
        o.assertEchoAnsweredWithinASecond();
        assertTrue(o.output.contains("bystander churner EXECUTING churned 32768"), "the churner did not carry on:\n" + o.output);
        assertFalse(o.output.contains("destroyed for memory"), o.output);
    }

    // ---------------------------------------------------------------------------------------

    /** Runs an attack: the echo answered throughout and {@code culprits} culprits ended with {@code reason}. */
    private static Outcome contained(String attack, int culprits, String reason, String... props) throws Exception {
        Outcome o = attack(attack, props);
        o.assertEchoAnsweredWithinASecond();
        o.assertCulprits(culprits, reason);
        return o;
    }

    record Outcome(String output, List<String> culprits, long echoMaxMs, long answers, long failures) {
        void assertEchoAnsweredWithinASecond() {
            assertEquals(0, failures, "the echo failed to answer:\n" + output);
            assertTrue(answers >= 10, "the echo answered only " + answers + " times:\n" + output);
            assertTrue(echoMaxMs < 1000, "the echo's slowest answer took " + echoMaxMs + " ms:\n" + output);
        }

        void assertCulprits(int n, String reason) {
            assertEquals(n, culprits.size(), output);
            for (String c : culprits) {
                assertTrue(c.contains(" FAULTING ") || c.contains(" DEAD "), "culprit did not end: " + c + "\n" + output);
                assertTrue(c.contains(reason), "culprit's reason does not name '" + reason + "': " + c + "\n" + output);
            }
        }
    }

    private static final Pattern ECHO = Pattern.compile("echo max_ms=(\\d+) answers=(\\d+) failures=(\\d+)");

    /** Runs AttackMain in a child JVM with this JVM's flags, a 512 MB heap and {@code props}; at most three minutes. */
    static Outcome attack(String name, String... props) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(childJvm(props));
        cmd.add(AttackMain.class.getName());
        cmd.add(name);
        Path out = Files.createTempFile("rdc-attack-" + name, ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            boolean ended = p.waitFor(180, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            String keep = System.getenv("RDC_ATTACK_LOGS"); // a directory: each attack's whole output is kept there (diagnosis)
            if (keep != null) Files.writeString(Path.of(keep).resolve("attack-" + name + "-" + System.currentTimeMillis() + ".txt"), text);
            assertTrue(ended, "attack " + name + " did not end within 3 minutes (the pool is wedged):\n" + tail(text));
            assertTrue(text.contains("\ndone"), "attack " + name + " ended (exit " + p.exitValue() + ") without finishing:\n" + tail(text));
            List<String> culprits = new ArrayList<>();
            long max = -1, answers = 0, failures = -1;
            for (String line : text.split("\n")) {
                if (line.startsWith("culprit ")) culprits.add(line);
                Matcher m = ECHO.matcher(line);
                if (line.startsWith("echo ") && m.find()) {
                    max = Long.parseLong(m.group(1));
                    answers = Long.parseLong(m.group(2));
                    failures = Long.parseLong(m.group(3));
                }
            }
            return new Outcome(tail(text), culprits, max, answers, failures);
        } finally {
            if (p.isAlive()) p.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }

    /** A java command line with this JVM's flags and class path, a 512 MB heap and {@code props}; the main class comes next. */
    static List<String> childJvm(String... props) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!a.startsWith("-Xmx") && !a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Drdc.limit.")) cmd.add(a);
        cmd.add("-Xmx512m");
        cmd.add("-Dattack.dumpStallMs=2500"); // an echo that waits this long prints every thread's stack (how the flood's stall was found)
        cmd.addAll(List.of(props));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        return cmd;
    }

    private static String tail(String text) {
        return text.length() <= 6000 ? text : "..." + text.substring(text.length() - 6000);
    }
}
