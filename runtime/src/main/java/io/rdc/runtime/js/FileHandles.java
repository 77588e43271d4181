package io.rdc.runtime.js;

import io.rdc.runtime.files.OpenFile;
import io.rdc.runtime.security.ConfinedDir;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.graalvm.polyglot.Value;

/**
 * The file service as one incarnation sees it (docs/files.md): {@code ctx.files.open} and the
 * methods of the files it opened, on its own thread. It keeps the files it has open, so that they
 * are written out and closed when the incarnation ends — or closed without writing their buffers
 * when it lives on elsewhere, where its moved copy writes them.
 */
final class FileHandles {
    /** Its RDC's directory at this node (looked up when first needed). */
    private final Supplier<ConfinedDir> dir;
    /** Files it opened or brought with it, open or not (its thread only). */
    private final List<JsFile> files = new ArrayList<>();

    FileHandles(Supplier<ConfinedDir> dir) {
        this.dir = dir;
    }

    ConfinedDir dir() {
        return dir.get();
    }

    /** A file brought in with its state (migration, restore, fork). */
    JsFile arrived(OpenFile f) {
        JsFile j = new JsFile(f);
        files.add(j);
        return j;
    }

    /** The ctx calls {@code files.*}; {@code toJs} makes bytes an ArrayBuffer of the calling context. */
    Object call(String op, Value[] a, java.util.function.Function<byte[], Value> toJs) {
        if (op.equals("files.open")) {
            JsFile j = new JsFile(OpenFile.open(dir.get(), a[1].asString(), a[2].asString(), "open '" + a[1].asString() + "'"));
            files.removeIf(f -> f.file.isClosed()); // keeps the list to what is open, not every file ever opened
            files.add(j);
            return j;
        }
        OpenFile f = file(a[1]);
        switch (op) {
            case "files.read":
                return new String(f.read(a[2].asLong()), StandardCharsets.UTF_8);
            case "files.readBytes":
                return toJs.apply(f.read(a[2].asLong()));
            case "files.write": {
                Value v = a[2];
                byte[] data;
                if (v.isString()) {
                    String text = v.asString();
                    // Checked before encoding: a string of more characters has at least as many bytes.
                    if (text.length() > OpenFile.MAX_IO) throw new IllegalArgumentException("a write of " + text.length()
                            + " characters to '" + f.path() + "' is refused: at most " + OpenFile.MAX_IO + " bytes at a time (write it in pieces)");
                    data = text.getBytes(StandardCharsets.UTF_8);
                } else if (v.hasBufferElements()) {
                    long n = v.getBufferSize();
                    if (n > OpenFile.MAX_IO) throw new IllegalArgumentException("a write of " + n + " bytes to '" + f.path()
                            + "' is refused: at most " + OpenFile.MAX_IO + " bytes at a time (write it in pieces)");
                    data = new byte[(int) n];
                    v.readBuffer(0, data, 0, data.length);
                } else {
                    throw new IllegalArgumentException("write takes a string or bytes (a typed array or ArrayBuffer)");
                }
                f.write(data, 0, data.length);
                return data.length;
            }
            case "files.seek":
                f.seek(a[2].asLong());
                return null;
            case "files.flush":
                f.flush();
                return null;
            case "files.close":
                f.close();
                return null;
            case "files.size":
                return f.size();
            default:
                throw new IllegalArgumentException("unknown call " + op);
        }
    }

    private static OpenFile file(Value v) {
        if (v != null && v.isProxyObject() && v.asProxyObject() instanceof JsFile j) return j.file;
        throw new IllegalArgumentException("not a file reference (ctx.files.open gives one)");
    }

    /**
     * When the incarnation ends here: writes out and closes its files, or, if it lives on elsewhere
     * ({@code livesOn}), closes them leaving their buffers to the copy that moved. Writes that fail
     * now have no caller left to throw to: they go to {@code report} (its output: node log, watchers).
     */
    void end(boolean livesOn, java.util.function.Consumer<String> report) {
        for (JsFile j : files) {
            try {
                if (livesOn) j.file.discard();
                else j.file.close();
            } catch (RuntimeException e) {
                report.accept("rdc: " + j.file.unflushed() + " unflushed bytes of file '" + j.file.path() + "' are lost as it ends: " + e.getMessage());
                j.file.discard();
            }
        }
        files.clear();
    }
}
