package io.rdc.shell;

import io.javalin.Javalin;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.HttpStatus;
import io.javalin.http.sse.SseClient;
import io.javalin.http.staticfiles.Location;
import io.rdc.interpreter.runtime.RuntimeOperations;
import io.rdc.runtime.kernel.Event;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Status;
import io.rdc.runtime.util.Json;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Lock;

/**
 * {@code rdc web} and the shell's {@code web}: an HTTP server (Javalin) whose page shows the pool
 * live. While a page is open, a poller looks at the pool through the operator's views every
 * {@link #POLL_MILLIS} ms and, when anything changed, pushes the whole snapshot and the log lines
 * for what changed to every page by Server-Sent Events; the page never polls (docs/web.md).
 * Read-only: nothing here changes the pool. Loopback unless told otherwise, and requests naming
 * another host are refused (a web page elsewhere cannot reach the view by DNS rebinding).
 */
final class WebServer implements AutoCloseable {
    static final long POLL_MILLIS = 200;
    private static final int LOG_LINES = 500;
    /** Every this many looks, every incarnation's interfaces and the channel labels are read again (rewiring shows within 2 s). */
    private static final int FULL_LOOK_EVERY = 10;
    /** Every this many looks, the nodes (load, reachability) are read again (1 s). */
    private static final int NODES_LOOK_EVERY = 5;

    private final RuntimeOperations ops;
    /** The shell's operator lock, held while a statement runs: events are read only without one running. */
    private final Lock eventsLock;
    private final long rdc;
    private final List<SseClient> clients = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Map<String, Object>> log = new ArrayDeque<>();
    private volatile WebModel.Snapshot latest = WebModel.EMPTY;
    private volatile boolean stopped;
    private final Object looking = new Object();
    private int eventsSeen;
    private long looks;
    private Javalin app;
    private Thread poller;
    private String url;

    /** @param rdc the RDC shown (0: every RDC of the pool) */
    WebServer(RuntimeOperations ops, Lock eventsLock, long rdc) {
        this.ops = ops;
        this.eventsLock = eventsLock;
        this.rdc = rdc;
    }

    /** Serves on {@code bind}:{@code port} (0: a free port); returns the page's address. */
    synchronized String start(String bind, int port) {
        if (app != null) return url;
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null)
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"); // Jetty's info lines are not the user's business
        Set<String> hosts = allowedHosts(bind);
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = "/io/rdc/shell/web";
                files.location = Location.CLASSPATH;
            });
            config.staticFiles.enableWebjars(); // the vendored cytoscape and its licence, under /webjars/cytoscape/VERSION/
            config.routes.before(ctx -> {
                String host = ctx.host() == null ? "" : ctx.host().replaceFirst(":\\d+$", "");
                if (hosts != null && !hosts.contains(host)) throw new ForbiddenResponse("this view answers to " + hosts + " only");
            });
            config.routes.get("/api/model", ctx -> ctx.contentType("application/json").result(current().json()));
            config.routes.get("/api/incarnation/{id}", ctx -> {
                String[] answer = inspect(ctx.pathParam("id"));
                ctx.status(HttpStatus.forStatus(Integer.parseInt(answer[0]))).contentType("application/json").result(answer[1]);
            });
            config.routes.sse("/api/events", this::connected);
        });
        app.start(bind, port);
        url = "http://" + (bind.contains(":") ? "[" + bind + "]" : bind) + ":" + app.port() + "/";
        poller = Thread.ofPlatform().daemon().name("rdc-web-poller").start(this::poll);
        return url;
    }

    /** Names a browser may use for this server: loopback names, or anything when bound to every interface. */
    private static Set<String> allowedHosts(String bind) {
        if (bind.equals("0.0.0.0") || bind.equals("::")) return null;
        return new java.util.HashSet<>(List.of("localhost", "127.0.0.1", "[::1]", bind, bind.contains(":") ? "[" + bind + "]" : bind));
    }

    String url() {
        return url;
    }

    private void connected(SseClient client) {
        client.keepAlive();
        client.onClose(() -> clients.remove(client));
        List<Object> backlog;
        synchronized (log) {
            backlog = new ArrayList<>(log);
        }
        client.sendEvent("model", latest.json());
        client.sendEvent("log", Json.write(backlog));
        clients.add(client);
        synchronized (this) {
            notifyAll(); // a first page: look at once
        }
    }

    /** {status, JSON}: what {@code inspect} prints for one incarnation of the current snapshot. */
    private String[] inspect(String id) {
        GraphView.Inc inc = current().incarnation(id);
        if (inc == null) return new String[] {"404", Json.write(Map.of("error", "no incarnation " + id + " in the view"))};
        try {
            Status st = ops.operator().statusOf(inc.gid());
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", Ids.show(inc.gid()));
            o.put("name", inc.name());
            o.put("text", RuntimeOperations.inspectText(inc.name(), st));
            return new String[] {"200", Json.write(o)};
        } catch (RuntimeException e) {
            return new String[] {"502", Json.write(Map.of("error", "inspect " + inc.name() + ": " + e.getMessage()))};
        }
    }

    private void poll() {
        while (!stopped) {
            try {
                synchronized (this) {
                    if (clients.isEmpty()) wait(1000);
                }
                if (!clients.isEmpty()) look();
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                note("the view could not look at the pool: " + e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** The latest look, when the poller is looking (a page is open); else a look now. */
    private WebModel.Snapshot current() {
        if (clients.isEmpty() || latest == WebModel.EMPTY) look();
        return latest;
    }

    /** One look at the pool; what changed goes to every page. One at a time: each compares with the one before. */
    private void look() {
        synchronized (looking) {
            lookOnce();
        }
    }

    private void lookOnce() {
        WebModel.Snapshot before = latest;
        long look = looks++;
        WebModel.Snapshot now = WebModel.take(ops.operator(), rdc, before, look % FULL_LOOK_EVERY == 0, look % NODES_LOOK_EVERY == 0);
        List<String> lines = before == WebModel.EMPTY
                ? List.of("watching " + now.incarnations().size() + " incarnations on " + now.nodes().size() + " nodes")
                : WebModel.changes(before, now);
        lines = new ArrayList<>(lines);
        lines.addAll(newEvents());
        latest = now;
        if (!WebModel.same(before, now)) for (SseClient c : clients) send(c, "model", now.json());
        for (String l : lines) note(l);
    }

    /** Events the operator session registered interest in, read only while no statement uses the session. */
    private List<String> newEvents() {
        if (eventsLock != null && !eventsLock.tryLock()) return List.of();
        try {
            List<Event> all = ops.events();
            List<String> out = new ArrayList<>();
            for (int i = eventsSeen; i < all.size(); i++) {
                Event e = all.get(i);
                out.add("event " + e.type() + " " + e.subjectName() + (e.detail() == null || e.detail().isBlank() ? "" : " — " + e.detail()));
            }
            eventsSeen = all.size();
            return out;
        } finally {
            if (eventsLock != null) eventsLock.unlock();
        }
    }

    private void note(String text) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("at", System.currentTimeMillis());
        entry.put("text", text);
        synchronized (log) {
            log.addLast(entry);
            while (log.size() > LOG_LINES) log.removeFirst();
        }
        String json = Json.write(List.of(entry));
        for (SseClient c : clients) send(c, "log", json);
    }

    private void send(SseClient c, String event, String data) {
        try {
            if (!c.terminated()) c.sendEvent(event, data);
        } catch (RuntimeException gone) {
            clients.remove(c);
        }
    }

    @Override
    public synchronized void close() {
        stopped = true;
        if (poller != null) poller.interrupt();
        for (SseClient c : clients) c.close();
        clients.clear();
        if (app != null) app.stop();
        app = null;
    }
}
