package io.rdc.shell;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The shell's piped input, read ahead by a thread of its own, so that a running command can tell
 * whether more input is waiting or the input has ended: {@code watch} without a terminal stops then
 * (it ran forever, and every input after it was lost).
 */
final class BatchInput {
    /** What the queue holds after the last line: the input has ended (or failed to read). */
    private static final Object END = new Object();

    private final LinkedBlockingQueue<Object> lines = new LinkedBlockingQueue<>();
    private volatile IOException failure;

    BatchInput(BufferedReader in) {
        Thread.ofPlatform().daemon().name("rdc-shell-input").start(() -> {
            try {
                String line;
                while ((line = in.readLine()) != null) lines.add(line);
            } catch (IOException e) {
                failure = e;
            } finally {
                lines.add(END);
            }
        });
    }

    /** The next line, waiting for it; null at the end of the input. */
    String next() throws IOException {
        Object o;
        try {
            o = lines.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the input", e);
        }
        if (o == END) {
            lines.add(END); // it stays ended
            if (failure != null) throw failure;
            return null;
        }
        return (String) o;
    }

    /** Another line, or the input's end, is there to be taken. */
    boolean waiting() {
        return !lines.isEmpty();
    }
}
