package io.rdc.runtime.kernel;

import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.kernel.codec.DependDecoder;
import io.rdc.runtime.kernel.codec.DependEncoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * Termination dependency (§7.3.1, {@code inc_makeDependent}): a parent makes a child depend on it.
 * An absolutely dependent child is terminated when its parent terminates or its kernel, probing
 * periodically, finds the parent unreachable; a group-dependent child only when every parent of its
 * group is gone. The dependency is kept at the child's node, with the child (it moves and is
 * checkpointed with it), and probed from there every {@link #PROBE_NS} by a control thread, so a
 * slow or dead parent's node never holds up the kernel's duty cycle.
 */
final class Dependencies {
    static final int NONE = 0, ABSOLUTE = 1, GROUP = 2;
    static final long PROBE_NS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("rdc.depend.probeMs", 1_000));

    /** A child's dependency on one parent. */
    record Dependency(long parent, int mode) {}

    private final Kernel k;
    /** Kernel thread: whether the next probe is scheduled. */
    private boolean armed;
    /** Whether a probe runs on a control thread now (one at a time per node). */
    private final AtomicBoolean probing = new AtomicBoolean();

    Dependencies(Kernel k) {
        this.k = k;
    }

    static int mode(String name) {
        return switch (name == null ? "" : name.toLowerCase(java.util.Locale.ROOT)) {
            case "absolute" -> ABSOLUTE;
            case "group" -> GROUP;
            case "none" -> NONE;
            default -> throw new OperationException("dependency mode '" + name + "' is not one of absolute, group, none");
        };
    }

    static String modeName(int mode) {
        return mode == ABSOLUTE ? "absolute" : mode == GROUP ? "group" : "none";
    }

    /** makeDependent: {@code child} depends on {@code parent} as {@code mode} says (NONE removes the dependency). */
    void makeDependent(long child, long parent, int mode) {
        if (child == parent) throw new OperationException("makeDependent: an incarnation cannot depend on itself");
        KernelCodec.Outgoing q = new KernelCodec.Outgoing(32);
        q.begin(new DependEncoder()).child(child).parent(parent).mode(mode);
        Response r = k.requests.request(Ids.node(child), OP_DEPEND, q, REQUEST_TIMEOUT_NS);
        if (r.status() != Frames.OK) throw new OperationException("makeDependent: " + r.error());
    }

    /** At the child's node. */
    void onDepend(int src, long call, DependDecoder r) {
        Incarnation inc = k.local(r.child());
        long parent = r.parent();
        int mode = r.mode();
        if (inc.pseudo) throw new OperationException("an operator session does not depend on anything");
        if (mode < NONE || mode > GROUP) throw new OperationException("unknown dependency mode " + mode);
        set(inc, parent, mode);
        k.publisher.respond(src, call, Frames.OK, null);
    }

    /** Kernel thread (or an arriving incarnation's install): records a dependency and makes sure it is probed. */
    void set(Incarnation inc, long parent, int mode) {
        inc.dependsOn.removeIf(d -> d.parent() == parent);
        if (mode != NONE) inc.dependsOn.add(new Dependency(parent, mode));
        if (!inc.dependsOn.isEmpty()) k.onKernel(this::arm);
    }

    /** An incarnation arrived (migrated or restored) with its dependencies: probe them here from now on. */
    void arrived(Incarnation inc) {
        if (!inc.dependsOn.isEmpty()) k.onKernel(this::arm);
    }

    private void arm() {
        if (armed) return;
        armed = true;
        k.ghosts.schedule(PROBE_NS, this::tick);
    }

    /** Kernel thread, every {@link #PROBE_NS} while some incarnation here depends on another. */
    private void tick() {
        armed = false;
        List<Incarnation> dependents = new ArrayList<>();
        for (Incarnation inc : k.incarnations.values()) if (!inc.destroyed && !inc.migrating && !inc.dependsOn.isEmpty()) dependents.add(inc);
        if (dependents.isEmpty()) return; // armed again by the next dependency made or arriving
        arm();
        if (!probing.compareAndSet(false, true)) return;
        ControlThreads.run(() -> {
            try {
                probe(dependents);
            } finally {
                probing.set(false);
            }
        });
    }

    /** Control thread: asks after each parent once, then terminates the children whose dependency says so. */
    private void probe(List<Incarnation> dependents) {
        Map<Long, String> gone = new HashMap<>();
        for (Incarnation inc : dependents)
            for (Dependency d : inc.dependsOn) if (!gone.containsKey(d.parent())) gone.put(d.parent(), whyGone(d.parent()));
        for (Incarnation inc : dependents) {
            String why = null;
            boolean group = false, groupAlive = false;
            String groupWhy = null;
            for (Dependency d : inc.dependsOn) {
                String g = gone.get(d.parent());
                if (d.mode() == ABSOLUTE && g != null && why == null) why = "its parent " + Ids.show(d.parent()) + " " + g + " (absolute dependency)";
                if (d.mode() == GROUP) {
                    group = true;
                    if (g == null) groupAlive = true;
                    else groupWhy = "every parent of its group is gone, the last " + Ids.show(d.parent()) + " " + g + " (group dependency)";
                }
            }
            if (why == null && group && !groupAlive) why = groupWhy;
            if (why != null) {
                String reason = "terminated: " + why;
                k.onKernel(() -> {
                    if (!inc.destroyed && !inc.migrating) k.ghosts.destroyLocal(inc, reason);
                });
            }
        }
    }

    /** Null while the parent lives; else "terminated" or "is unreachable (…)". Any other failure counts as alive: only certainty kills. */
    private String whyGone(long parent) {
        try {
            Status s = k.ghosts.status(parent);
            return s.state() == Incarnation.State.DEAD ? "terminated" : null;
        } catch (OperationException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("does not exist")) return "terminated";
            if (m.contains("UNREACHABLE") || m.contains("unreachable") || m.contains("did not answer")) return "is unreachable (" + m + ")";
            return null;
        }
    }
}
