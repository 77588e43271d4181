package io.rdc.runtime.util;

import java.io.File;
import org.agrona.IoUtil;

/**
 * Aeron directories named {@code <prefix><pid>-...} (under /dev/shm, ~47 MB each for a pool): the ones
 * whose process is gone (killed with SIGKILL, so neither the driver's delete-on-shutdown nor a
 * shutdown hook ran) are deleted by the next process that starts one.
 */
public final class ShmDirs {
    private ShmDirs() {}

    /** Deletes the directories under {@code base} named {@code prefix + pid + "-..."} whose pid is not a live process. */
    public static void sweepStale(File base, String prefix) {
        File[] dirs = base.listFiles((dir, name) -> name.startsWith(prefix));
        if (dirs == null) return;
        for (File dir : dirs) {
            String rest = dir.getName().substring(prefix.length());
            int dash = rest.indexOf('-');
            if (dash <= 0) continue;
            try {
                long pid = Long.parseLong(rest.substring(0, dash));
                if (ProcessHandle.of(pid).isEmpty()) IoUtil.delete(dir, true);
            } catch (NumberFormatException ignore) {
                // not one of ours (another prefix that starts the same, e.g. rdc-bench-)
            }
        }
    }
}
