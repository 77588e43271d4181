package io.rdc.interpreter;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Long statements report progress to the front end (the shell's status line). */
class ProgressTest {
    record Update(String task, long done, long total) {}

    @Test
    void forallAndWaitReportProgressAndFinish() {
        List<Update> updates = new ArrayList<>();
        List<String> finished = new ArrayList<>();
        Progress p = new Progress() {
            @Override
            public void update(String task, long done, long total) {
                updates.add(new Update(task, done, total));
            }

            @Override
            public void finish(String task) {
                finished.add(task);
            }
        };
        Evaluator.Options options = new Evaluator.Options().out(new PrintStream(new ByteArrayOutputStream())).progress(p);
        new ScriptRunner(new FakeOperations(), options).run("""
                let n = 0
                forall i in 1..25 { n = n + i }
                forall j in [1, 2] { n = n + j }
                wait until n > 0 within 5s
                """, "p.rdc");
        List<Update> forall = updates.stream().filter(u -> u.task().equals("forall i in 1..25")).toList();
        assertEquals(25, forall.size());
        assertEquals(new Update("forall i in 1..25", 25, 25), forall.get(24));
        assertTrue(updates.stream().noneMatch(u -> u.task().startsWith("forall j")), "short loops report nothing");
        assertTrue(updates.stream().anyMatch(u -> u.task().equals("wait until n > 0") && u.total() == 5000));
        assertEquals(List.of("forall i in 1..25", "wait until n > 0"), finished);
    }
}
