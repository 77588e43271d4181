package io.rdc.runtime.control;

import io.rdc.runtime.control.codecs.*;
import io.rdc.runtime.kernel.OperationException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * The control service's part of SR's srx coordinator (docs/pool-ondemand.md): which nodes RDCs
 * asked for, and what became of each. It is replicated state only, applied from the log like the
 * rest of {@link ControlService}; it never starts a process. A {@link NodeCoordinator} in a
 * member's process reads the {@link #view() view} this publishes, starts or stops processes, and
 * tells the service what happened through ordinary requests ({@code NodeReport}), so the outcome
 * is in the log as well.
 *
 * <p>A node goes WANTED (an RDC asked) → STARTING (a coordinator claimed it, then gave its pid) →
 * UP (the node's own hello, as SR's new VM says hello to srx) → STOPPING (destroy, stop, or its
 * RDC terminated) → STOPPED; or FAILED (its process could not start, exited, or never said hello).
 */
final class OnDemandNodes {
    /** Node ids the plane hands out start here, above the default pools' (201–204) and below operators' (over 100,000). */
    static final int FIRST_NODE = 1001;
    static final int MAX_NODE = 65_535;
    /** Most nodes one create may ask for. */
    static final int MAX_PER_CREATE = 64;

    enum State {
        WANTED, STARTING, UP, FAILED, STOPPING, STOPPED;

        static State of(int code) {
            if (code < 0 || code >= values().length) throw new IllegalArgumentException("unknown on-demand node state " + code);
            return values()[code];
        }

        boolean live() {
            return this == WANTED || this == STARTING || this == UP;
        }
    }

    /** One node an RDC asked for: where it was (to be) started, by which member's coordinator, and its process there. */
    record Node(int node, long rdc, String group, String host, String wantedHost, State state, int member, long pid, long since, String error) {
        Node with(State s, long at, String why) {
            return new Node(node, rdc, group, host, wantedHost, s, member, pid, at, why);
        }
    }

    /** How the service answers a request with a plain acknowledgement. */
    interface Acks {
        int ack(long seq, long value);
    }

    final TreeMap<Integer, Node> nodes = new TreeMap<>();
    int nextNode = FIRST_NODE;
    /** What coordinators read (another thread): replaced whole after every change, never mutated. */
    private volatile List<Node> view = List.of();

    List<Node> view() {
        return view;
    }

    void publish() {
        view = List.copyOf(nodes.values());
    }

    /**
     * Applies one on-demand request; returns the length of its answer in {@code out}.
     *
     * @param inUse node ids the pool's members have (a new node takes none of them)
     */
    int apply(int template, DirectBuffer buf, int at, int blockLength, int version, long seq, long now, IntPredicate inUse,
              ExpandableDirectByteBuffer out, MessageHeaderEncoder header, Acks acks) {
        switch (template) {
            case NodeCreateDecoder.TEMPLATE_ID -> {
                NodeCreateDecoder d = new NodeCreateDecoder().wrap(buf, at, blockLength, version);
                long rdc = d.rdc();
                int count = d.count();
                String group = d.group(), host = d.host();
                if (count < 1 || count > MAX_PER_CREATE)
                    throw new OperationException("create nodes: ask for 1 to " + MAX_PER_CREATE + " nodes, not " + count);
                List<Node> made = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    while (nextNode <= MAX_NODE && (inUse.test(nextNode) || nodes.containsKey(nextNode))) nextNode++;
                    if (nextNode > MAX_NODE) throw new OperationException("create nodes: every node id up to " + MAX_NODE + " is taken");
                    Node n = new Node(nextNode++, rdc, group.isBlank() ? "all" : group, "", host, State.WANTED, -1, 0, now, "");
                    nodes.put(n.node(), n);
                    made.add(n);
                }
                publish();
                return list(out, header, seq, made);
            }
            case NodeFindDecoder.TEMPLATE_ID -> {
                long rdc = new NodeFindDecoder().wrap(buf, at, blockLength, version).rdc();
                return list(out, header, seq, nodes.values().stream().filter(n -> rdc == 0 || n.rdc() == rdc).toList());
            }
            case NodeDestroyDecoder.TEMPLATE_ID -> {
                int node = new NodeDestroyDecoder().wrap(buf, at, blockLength, version).node();
                Node n = nodes.get(node);
                if (n == null) throw new OperationException("destroy node " + node + ": the coordinator did not start it (find lists the nodes it started)");
                boolean ending = end(n, now);
                publish();
                return acks.ack(seq, ending ? 1 : 0);
            }
            case NodeStopDecoder.TEMPLATE_ID -> {
                long rdc = new NodeStopDecoder().wrap(buf, at, blockLength, version).rdc();
                int ended = 0;
                for (Node n : List.copyOf(nodes.values()))
                    if ((rdc == 0 || n.rdc() == rdc) && end(n, now)) ended++;
                publish();
                return acks.ack(seq, ended);
            }
            case NodeReportDecoder.TEMPLATE_ID -> {
                NodeReportDecoder d = new NodeReportDecoder().wrap(buf, at, blockLength, version);
                int node = d.node(), member = d.member();
                State s = State.of(d.state());
                long pid = d.pid();
                String host = d.host(), error = d.reason();
                long granted = report(node, s, member, pid, host, error, now);
                publish();
                return acks.ack(seq, granted);
            }
            default -> throw new OperationException("unknown on-demand node request (template " + template + ")");
        }
    }

    /**
     * A coordinator's report. A claim (STARTING without a pid) is granted (1) only while the node is
     * WANTED, so two coordinators (an old and a new leader's) never both start it; the later
     * reports come only from the member that claimed it.
     */
    private long report(int node, State s, int member, long pid, String host, String error, long now) {
        Node n = nodes.get(node);
        if (n == null) throw new OperationException("node report: node " + node + " was never asked for");
        if (s == State.STARTING && pid == 0) {
            if (n.state() != State.WANTED) return 0;
            nodes.put(node, new Node(node, n.rdc(), n.group(), host, n.wantedHost(), State.STARTING, member, 0, now, ""));
            return 1;
        }
        if (n.member() != member) throw new OperationException("node report: node " + node + " was claimed by member " + n.member() + ", not " + member);
        switch (s) {
            case STARTING -> nodes.put(node, new Node(node, n.rdc(), n.group(), n.host(), n.wantedHost(), n.state(), member, pid, n.since(), n.error()));
            case FAILED, STOPPED -> nodes.put(node, n.with(s, now, error));
            default -> throw new OperationException("node report: a coordinator cannot report " + s);
        }
        return 1;
    }

    /** The node said hello: a node the coordinator is starting is UP (SR: "hello: register a new VM"). */
    void onHello(int node, long now) {
        Node n = nodes.get(node);
        if (n == null || n.state() != State.STARTING) return;
        nodes.put(node, n.with(State.UP, now, ""));
        publish();
    }

    /** Nodes an RDC asked for end with it (dissertation §3.4: exclusively allocated nodes go back when the RDC terminates). */
    void onRdcTerminated(long rdc, long now) {
        boolean changed = false;
        for (Node n : List.copyOf(nodes.values()))
            if (n.rdc() == rdc) changed |= end(n, now);
        if (changed) publish();
    }

    /** A node still wanted or running is to end: never started, it is simply STOPPED; else its coordinator stops it. */
    private boolean end(Node n, long now) {
        if (!n.state().live()) return false;
        nodes.put(n.node(), n.with(n.state() == State.WANTED ? State.STOPPED : State.STOPPING, now, n.error()));
        return true;
    }

    private static int list(ExpandableDirectByteBuffer out, MessageHeaderEncoder header, long seq, List<Node> list) {
        NodeListEncoder e = new NodeListEncoder().wrapAndApplyHeader(out, 0, header);
        e.seq(seq).status(Status.OK);
        NodeListEncoder.NodesEncoder g = e.nodesCount(list.size());
        for (Node n : list)
            g.next().node(n.node()).rdc(n.rdc()).state((short) n.state().ordinal()).member(n.member()).pid(n.pid()).since(n.since())
                    .group(n.group()).host(n.host()).reason(n.error());
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }

    // ------------------------------------------------------------------ snapshot

    /** Writes the records (each through {@code send}, which takes the body's length). */
    void snapshot(ExpandableDirectByteBuffer b, MessageHeaderEncoder h, java.util.function.IntConsumer send) {
        send.accept(new SnapNodeCounterEncoder().wrapAndApplyHeader(b, 0, h).nextNode(nextNode).encodedLength());
        for (Node n : nodes.values())
            send.accept(new SnapOnDemandNodeEncoder().wrapAndApplyHeader(b, 0, h).node(n.node()).rdc(n.rdc()).state((short) n.state().ordinal())
                    .member(n.member()).pid(n.pid()).since(n.since()).group(n.group()).host(n.host()).wantedHost(n.wantedHost())
                    .reason(n.error()).encodedLength());
    }

    void load(int template, DirectBuffer buf, int at, int blockLength, int version) {
        if (template == SnapNodeCounterDecoder.TEMPLATE_ID) {
            nextNode = new SnapNodeCounterDecoder().wrap(buf, at, blockLength, version).nextNode();
        } else {
            SnapOnDemandNodeDecoder d = new SnapOnDemandNodeDecoder().wrap(buf, at, blockLength, version);
            int node = d.node(), member = d.member();
            long rdc = d.rdc(), pid = d.pid(), since = d.since();
            State s = State.of(d.state());
            String group = d.group(), host = d.host(), wanted = d.wantedHost(), error = d.reason();
            nodes.put(node, new Node(node, rdc, group, host, wanted, s, member, pid, since, error));
        }
        publish();
    }
}
