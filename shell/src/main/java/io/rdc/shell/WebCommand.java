package io.rdc.shell;

import io.rdc.interpreter.RdcError;
import io.rdc.interpreter.ScriptRunner;
import io.rdc.interpreter.WebView;
import io.rdc.interpreter.runtime.RuntimeOperations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "web", mixinStandardHelpOptions = true,
        description = {"Serve a live, read-only web view of the pool: nodes with load and state, incarnations with state and queues, "
                + "the graph of channels, streams and ports, migrations and reconfigurations as they happen, an event log, "
                + "and what inspect shows for an incarnation you click. Runs until Ctrl-C.",
                "The page is pushed to by Server-Sent Events; see docs/web.md. Inside the shell, `web [PORT]` does the same."},
        footer = {"", "Examples:", "  rdc web                      # the standing pool named in .rdc/pool, at http://127.0.0.1:7070/",
                "  rdc web --rdc textproc --port 8000", "  rdc web --embedded --script scripts/textproc/textproc.rdc"})
final class WebCommand implements Callable<Integer> {
    static final String LOOPBACK = "127.0.0.1";

    @Mixin
    PoolOptions pool;

    @Option(names = "--port", defaultValue = "" + WebView.DEFAULT_PORT, description = "the HTTP port (default: ${DEFAULT-VALUE}; 0: a free one)")
    int port;

    @Option(names = "--bind", defaultValue = LOOPBACK, paramLabel = "ADDR",
            description = "the address to listen on (default: ${DEFAULT-VALUE}, this machine only); the view has no login, so anyone who reaches it sees the pool")
    String bind;

    @Option(names = "--script", paramLabel = "FILE", description = "run FILE in this session while the view serves (an embedded pool has nothing to show otherwise)")
    Path script;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            System.err.println("rdc web: --port must be from 0 to 65535");
            return 2;
        }
        if (script != null && !Files.isRegularFile(script)) {
            System.err.println("rdc web: no such script: " + script);
            return 2;
        }
        CountDownLatch stop = new CountDownLatch(1), stopped = new CountDownLatch(1);
        try (RuntimeOperations ops = pool.operations(); WebServer server = new WebServer(ops, null, pool.rdc == null ? 0 : ops.operator().session().rdcId)) {
            String url;
            try {
                url = server.start(bind, port);
            } catch (RuntimeException e) {
                System.err.println("rdc web: cannot serve on " + bind + ":" + port + ": " + reason(e));
                return 1;
            }
            if (!bind.equals(LOOPBACK) && !bind.equals("localhost") && !bind.equals("::1"))
                System.err.println("rdc web: listening on " + bind + ": anyone who reaches this address sees the pool (read-only, no login)");
            System.out.println("rdc web: " + url + " (read-only; Ctrl-C stops)");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    stopped.await(10, java.util.concurrent.TimeUnit.SECONDS); // let the pool session end cleanly
                } catch (InterruptedException ignored) {
                    // exiting anyway
                }
            }));
            if (script != null) {
                try {
                    new ScriptRunner(ops, Main.evaluatorOptions()).run(script);
                } catch (RdcError e) {
                    System.err.println(e.render());
                }
            }
            stop.await();
            return 0;
        } finally {
            stopped.countDown();
        }
    }

    /** Why a server did not start, the cause the user can act on (a port in use) first. */
    static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
