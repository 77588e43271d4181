package io.rdc.interpreter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * An in-memory stand-in for the runtime: records every call in {@link #log}, keeps a stream space and
 * name service in maps, runs on a virtual clock, and fails any operation on request.
 */
class FakeOperations implements Operations, AutoCloseable {
    /** The opaque reference create returns; the language must never look inside it. */
    record FakeIncarnation(long id, String name) {
        @Override
        public String toString() {
            return name;
        }
    }

    final List<String> log = new ArrayList<>();
    final Map<String, Object> space = new LinkedHashMap<>();
    final Map<String, Object> names = new HashMap<>();
    final Map<String, Long> queues = new HashMap<>();
    final Map<FakeIncarnation, String> status = new LinkedHashMap<>();
    final List<Long> nodeIds = new ArrayList<>(List.of(201L, 202L, 203L, 204L));
    private final Map<String, String> failures = new HashMap<>();
    private final List<Trigger> triggers = new ArrayList<>();
    private long nextId = 1;
    private boolean firing;
    long nowMillis;
    boolean closed;
    /** Invoked with each invoke's head; its result is the reply. */
    java.util.function.Function<Map<String, Object>, Object> replier = head -> Map.of("ok", true);

    private record Trigger(BooleanSupplier condition, Runnable action, boolean[] wasTrue) {}

    /** Makes the named operation (as logged, e.g. "create", "link") throw with this message. */
    FakeOperations failOn(String operation, String message) {
        failures.put(operation, message);
        return this;
    }

    private void record(String operation, String details) {
        log.add(details.isEmpty() ? operation : operation + " " + details);
        String failure = failures.get(operation);
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    @Override
    public void defineModule(String name, String path) {
        record("module", name + "=" + path);
    }

    @Override
    public Object create(String name, String module, List<Object> arguments, boolean inchoate, Object node,
                         List<InterfaceSpec> interfaces) {
        record("create", name + ":" + module + arguments + (inchoate ? " inchoate" : "") + " at " + node + " " + interfaces);
        if (node instanceof Long id && !nodeIds.contains(id)) {
            throw new IllegalStateException("node " + id + " is not allocated");
        }
        FakeIncarnation incarnation = new FakeIncarnation(nextId++, name);
        status.put(incarnation, inchoate ? "INCHOATE" : "EXECUTING");
        return incarnation;
    }

    @Override
    public void defineChannel(String label, boolean multicast) {
        record("channel", label + (multicast ? " multicast" : " unicast"));
    }

    @Override
    public void link(Object fromIncarnation, String fromStream, Object toIncarnation, String toPort) {
        record("link", fromIncarnation + "." + fromStream + " -> " + toIncarnation + "." + toPort);
    }

    @Override
    public void unlink(Object fromIncarnation, String fromStream, Object toIncarnation, String toPort) {
        record("unlink", fromIncarnation + "." + fromStream + " -> " + toIncarnation + "." + toPort);
    }

    @Override
    public void rebind(Object stream, Object channel, Object movingFrom, boolean underFailure) {
        record("rebind", place(stream) + " -> " + place(channel) + (underFailure ? " under failure" : " moving from " + place(movingFrom)));
    }

    /** A label as "label" (quoted), an interface or reference as itself. */
    private static String place(Object place) {
        return place instanceof String label ? "\"" + label + "\"" : String.valueOf(place);
    }

    @Override
    public String withdraw(Object node, long noticeMillis, boolean destroyRest) {
        record("withdraw", node + " notice " + noticeMillis + (destroyRest ? " and destroy" : ""));
        return null;
    }

    @Override
    public void makeDependent(Object child, Object parent, String mode) {
        record("depend", child + " on " + parent + " " + mode);
    }

    @Override
    public void destroy(Object incarnation) {
        record("destroy", String.valueOf(incarnation));
        status.put((FakeIncarnation) incarnation, "DEAD");
    }

    @Override
    public void freeze(Object incarnation) {
        record("freeze", String.valueOf(incarnation));
        status.put((FakeIncarnation) incarnation, "FROZEN");
    }

    @Override
    public void unfreeze(Object incarnation, Long priority) {
        record("unfreeze", incarnation + (priority == null ? "" : " priority " + priority));
        status.put((FakeIncarnation) incarnation, "EXECUTING");
    }

    @Override
    public void put(String label, Object value, long copies, boolean dontCache) {
        record("put", label + "=" + value + " copies " + copies + (dontCache ? " dontcache" : ""));
        space.put(label, value);
    }

    @Override
    public Object get(String label) {
        record("get", label);
        if (!space.containsKey(label)) {
            throw new IllegalStateException("no reference labelled \"" + label + "\"");
        }
        return space.get(label);
    }

    @Override
    public void returnReference(String label) {
        record("return", label);
    }

    @Override
    public void delete(String label) {
        record("delete", label);
        space.remove(label);
    }

    @Override
    public void register(String name, Object value, List<String> readers) {
        record("register", name + "=" + value + (readers.isEmpty() ? "" : " for " + readers));
        names.put(name, value);
    }

    @Override
    public void unregister(String name) {
        record("unregister", name);
        names.remove(name);
    }

    @Override
    public String operatorAccess(io.rdc.interpreter.ast.Statement.AccessChange change, String operator) {
        record(change.name().toLowerCase(java.util.Locale.ROOT), operator);
        return null;
    }

    @Override
    public Object lookup(String name) {
        record("lookup", name);
        if (!names.containsKey(name)) {
            throw new IllegalStateException("no service named \"" + name + "\"");
        }
        return names.get(name);
    }

    @Override
    public Object invoke(Object incarnation, String stream, Map<String, Object> head, Object body) {
        record("invoke", incarnation + "." + stream + " " + head + (body == null ? "" : " body " + body));
        return replier.apply(head);
    }

    @Override
    public void send(Object incarnation, String stream, Map<String, Object> head, Object body) {
        record("send", incarnation + "." + stream + " " + head + (body == null ? "" : " body " + body));
    }

    @Override
    public String show(String what) {
        record("show", what);
        return switch (what) {
            case "nodes" -> "nodes: " + nodeIds;
            case "incarnations" -> "incarnations: " + status;
            default -> what + ": (empty)";
        };
    }

    @Override
    public String inspect(Object target) {
        record("inspect", String.valueOf(target));
        return "inspect " + target + ": " + status.get(target);
    }

    @Override
    public List<Object> nodes() {
        record("nodes", "");
        return new ArrayList<>(nodeIds);
    }

    @Override
    public Object pick(List<Object> arguments) {
        record("pick", arguments.toString());
        return nodeIds.get(0);
    }

    @Override
    public Object status(Object incarnation) {
        record("status", String.valueOf(incarnation));
        return status.get(incarnation);
    }

    @Override
    public long queue(Object incarnation, String port) {
        record("queue", incarnation + "." + port);
        return queues.getOrDefault(incarnation + "." + port, 0L);
    }

    /** Polls every virtual 100 ms; time passes instantly. */
    @Override
    public boolean waitUntil(BooleanSupplier condition, long timeoutMillis) {
        record("wait", timeoutMillis + "ms");
        long deadline = nowMillis + timeoutMillis;
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (nowMillis >= deadline) {
                return false;
            }
            tick(Math.min(100, deadline - nowMillis));
        }
    }

    @Override
    public void when(BooleanSupplier condition, Runnable action) {
        record("when", "");
        triggers.add(new Trigger(condition, action, new boolean[1]));
    }

    @Override
    public void sleep(long millis) {
        record("sleep", millis + "ms");
        long end = nowMillis + millis;
        if (triggers.isEmpty()) {
            nowMillis = end; // nothing to re-check, so no need to walk through the time
            return;
        }
        do {
            tick(Math.min(100, end - nowMillis));
        } while (nowMillis < end);
    }

    /** Advances the clock and fires `when` triggers whose condition turned true, on this (the script's) thread. */
    private void tick(long millis) {
        nowMillis += millis;
        if (firing) {
            return;
        }
        firing = true;
        try {
            for (Trigger trigger : List.copyOf(triggers)) {
                boolean now = trigger.condition().getAsBoolean();
                if (now && !trigger.wasTrue()[0]) {
                    trigger.action().run();
                }
                trigger.wasTrue()[0] = now;
            }
        } finally {
            firing = false;
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
