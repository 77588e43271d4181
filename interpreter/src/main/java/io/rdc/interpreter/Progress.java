package io.rdc.interpreter;

/**
 * Progress of long statements, for front ends that show it (the shell's status line): a
 * {@code forall} over many elements, a {@code wait until … within}. Called on the script's thread.
 */
public interface Progress {
    /** {@code done} of {@code total} (elements, or milliseconds for a wait). */
    void update(String task, long done, long total);

    /** The task ended (normally or not). */
    void finish(String task);

    Progress NONE = new Progress() {
        @Override
        public void update(String task, long done, long total) {}

        @Override
        public void finish(String task) {}
    };
}
