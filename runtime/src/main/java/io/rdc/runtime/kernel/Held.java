package io.rdc.runtime.kernel;

import java.util.Set;

/**
 * Selective reception for the handler loop (§6.3.3: "receive only messages deriving from a
 * specified stream"): messages from held source streams stay queued at their port instead of
 * being given to onMessage, so testPort still counts them, {@code ctx.receive(port, {from})} can
 * still take them, and queue movement (rebind "moving from", attach "moving queue", propagation)
 * moves them. Either a set of held sources, or everything held except a set of sources.
 *
 * <p>Changed only by the incarnation's own thread (through ctx); read by its handler loop on the
 * same thread, and by views. Immutable snapshots behind a volatile field keep the readers simple.
 */
public final class Held {
    private record Rule(boolean all, Set<Long> sources) {}

    private static final Rule NONE = new Rule(false, Set.of());
    private volatile Rule rule = NONE;

    /** Holds the messages of one source stream. */
    public void hold(long source) {
        Rule r = rule;
        if (r.all) rule = new Rule(true, without(r.sources, source));
        else rule = new Rule(false, with(r.sources, source));
    }

    /** Releases one source stream (under "all except", it becomes an exception). */
    public void release(long source) {
        Rule r = rule;
        if (r.all) rule = new Rule(true, with(r.sources, source));
        else rule = new Rule(false, without(r.sources, source));
    }

    /** Holds every source except those given. */
    public void holdAllExcept(Set<Long> except) {
        rule = new Rule(true, Set.copyOf(except));
    }

    public void releaseAll() {
        rule = NONE;
    }

    public boolean holds(long source) {
        Rule r = rule;
        return r.all != r.sources.contains(source);
    }

    /** The handler loop's filter: events, timers and messages from sources not held. */
    boolean dispatchable(Object item) {
        Rule r = rule;
        if (r == NONE || !(item instanceof Message m)) return true;
        return r.all == r.sources.contains(m.streamGid);
    }

    /** Written into a migration's record: what is held travels with the incarnation. */
    void write(io.rdc.runtime.transport.Wire.Writer w) {
        Rule r = rule;
        w.bool(r.all).i32(r.sources.size());
        for (long s : r.sources) w.i64(s);
    }

    void read(io.rdc.runtime.transport.Wire.Reader rd) {
        boolean all = rd.bool();
        java.util.HashSet<Long> s = new java.util.HashSet<>();
        for (int i = rd.i32(); i > 0; i--) s.add(rd.i64());
        rule = !all && s.isEmpty() ? NONE : new Rule(all, Set.copyOf(s));
    }

    /** For views: "none", "sources [..]" or "all except [..]". */
    public String describe() {
        Rule r = rule;
        if (r == NONE) return "none";
        java.util.List<String> ids = r.sources.stream().sorted().map(Ids::show).toList();
        return r.all ? "all except " + ids : "sources " + ids;
    }

    private static Set<Long> with(Set<Long> s, long x) {
        if (s.contains(x)) return s;
        java.util.HashSet<Long> out = new java.util.HashSet<>(s);
        out.add(x);
        return Set.copyOf(out);
    }

    private static Set<Long> without(Set<Long> s, long x) {
        if (!s.contains(x)) return s;
        java.util.HashSet<Long> out = new java.util.HashSet<>(s);
        out.remove(x);
        return Set.copyOf(out);
    }
}
