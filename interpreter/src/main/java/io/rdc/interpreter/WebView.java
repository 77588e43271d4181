package io.rdc.interpreter;

/**
 * What the {@code web [PORT]} statement asks of its host: serve the live web view of the pool.
 * The shell provides one (the HTTP server lives in the shell module, so the interpreter needs no
 * web library); without one the statement fails saying where it works.
 */
public interface WebView {
    /** The default port of {@code web} and {@code rdc web}. */
    int DEFAULT_PORT = 7070;

    /**
     * Starts serving on {@code port} (0: a free one), or says where it already serves.
     *
     * @return a line for the user naming the page's address
     */
    String start(int port);
}
