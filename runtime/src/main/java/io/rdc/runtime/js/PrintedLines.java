package io.rdc.runtime.js;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A context's standard output and error ({@code print}, {@code console.log}, {@code console.error}):
 * cut into lines, each handed to the incarnation that owns the context, which sends it to its node's
 * log and its watchers (never raw to the node's standard output). A line longer than
 * {@link #MAX_LINE_BYTES} is passed on in pieces, so a print without line ends cannot grow a buffer
 * without bound.
 */
final class PrintedLines extends OutputStream {
    static final int MAX_LINE_BYTES = 8192;

    private final JsHost.HostCalls owner;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(128);

    PrintedLines(JsHost.HostCalls owner) {
        this.owner = owner;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            endLine();
            return;
        }
        line.write(b);
        if (line.size() >= MAX_LINE_BYTES) endLine();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) write(b[i]);
    }

    private void endLine() {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.endsWith("\r")) text = text.substring(0, text.length() - 1);
        JsIncarnation target = owner.target;
        if (target != null) target.printed(text); // a spare's prelude prints nothing: no owner yet is no loss
    }
}
