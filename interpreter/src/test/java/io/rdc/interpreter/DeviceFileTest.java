package io.rdc.interpreter;

import static io.rdc.interpreter.ScriptHarness.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdc.runtime.util.BoundedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 21: devices report size 0, so a size check before reading let /dev/zero exhaust memory. */
class DeviceFileTest {

    @Test
    void readOfADeviceIsRefusedClearly() {
        RdcError e = error("print read(\"/dev/zero\")");
        assertTrue(e.getMessage().startsWith("t.rdc:1:7: read: cannot read /dev/zero"), e.getMessage());
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void useOfADeviceIsRefusedClearly() {
        RdcError e = error("use \"/dev/urandom\"");
        assertTrue(e.getMessage().startsWith("t.rdc:1:1: cannot read \"/dev/urandom\""), e.getMessage());
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void theBoundIsOnTheBytesActuallyRead(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("f.txt");
        Files.writeString(f, "abcdef");
        assertEquals("abcdef", BoundedFiles.readString(f, 6));
        IOException tooLarge = assertThrows(IOException.class, () -> BoundedFiles.readString(f, 5));
        assertTrue(tooLarge.getMessage().contains("larger than 5 bytes"), tooLarge.getMessage());
    }
}
