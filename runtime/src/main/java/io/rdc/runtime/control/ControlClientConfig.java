package io.rdc.runtime.control;

import java.time.Duration;
import java.util.List;

/**
 * How a {@link ControlClient} reaches the control plane.
 *
 * @param ingressEndpoints each member's client-facing "host:port", in member order (member 0 first)
 * @param timeout every call's bound (connect included); a get waits as long as its own timeout says
 * @param poolKey the pool's key, or null when the plane runs without authentication
 * @param principal who this client is (an operator's or a node's identity), sent with the credentials
 * @param aeronDirectoryName a running media driver to use, or null: the client starts its own
 * @param egressHost the address the members answer to (this host as they can reach it)
 * @param idle how a caller waits for its answer, and the client's threads for work (default: {@link ControlIdle#fromSystemProperty()})
 * @param ownKey true when {@code poolKey} is the principal's own key (the pool users file's), not the pool's: only errors read it
 * @param threads as the member's (default {@link ControlThreads#DEDICATED}): whether the background poller backs off, and
 *     whether a client on the member's driver ({@code aeronDirectoryName}) uses IPC ingress and egress
 */
public record ControlClientConfig(List<String> ingressEndpoints, Duration timeout, byte[] poolKey, String principal,
        String aeronDirectoryName, String egressHost, ControlIdle idle, boolean ownKey, ControlThreads threads) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public ControlClientConfig {
        if (ingressEndpoints == null || ingressEndpoints.isEmpty()) throw new IllegalArgumentException("control plane: no member endpoint given");
        ingressEndpoints = List.copyOf(ingressEndpoints);
        if (timeout == null || timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("control plane: the timeout must be positive");
        if (principal == null) principal = "";
        if (egressHost == null) egressHost = "localhost";
        if (idle == null) idle = ControlIdle.fromSystemProperty();
        if (threads == null) threads = ControlThreads.DEDICATED;
        if (threads.ipc() && aeronDirectoryName == null)
            throw new IllegalArgumentException("control plane: IPC ingress and egress (threads " + threads.jsonName()
                    + ") need the member's media driver (aeronDirectoryName)");
    }

    public ControlClientConfig(List<String> ingressEndpoints, Duration timeout, byte[] poolKey, String principal, String aeronDirectoryName,
            String egressHost, ControlIdle idle, boolean ownKey) {
        this(ingressEndpoints, timeout, poolKey, principal, aeronDirectoryName, egressHost, idle, ownKey, null);
    }

    public ControlClientConfig(List<String> ingressEndpoints, Duration timeout, byte[] poolKey, String principal, String aeronDirectoryName,
            String egressHost, ControlIdle idle) {
        this(ingressEndpoints, timeout, poolKey, principal, aeronDirectoryName, egressHost, idle, false);
    }

    public ControlClientConfig(List<String> ingressEndpoints, Duration timeout, byte[] poolKey, String principal, String aeronDirectoryName,
            String egressHost) {
        this(ingressEndpoints, timeout, poolKey, principal, aeronDirectoryName, egressHost, null);
    }

    /**
     * The principal of a pool process's own session (its nodes', a starter's): a node principal,
     * which proves the pool key only and opens no RDC for an operator (operators' sessions are made
     * by {@link ControlClient#as}).
     */
    public static String processPrincipal() {
        return PoolKeyAuth.NODE_PRINCIPAL + "process-" + ProcessHandle.current().pid();
    }

    /** A config for members at "host:port,host:port,..." (an rdc pool address), with the default timeout and no key. */
    public static ControlClientConfig of(String endpoints) {
        return new ControlClientConfig(List.of(endpoints.split(",")), DEFAULT_TIMEOUT, null, processPrincipal(), null, null);
    }

    public ControlClientConfig withTimeout(Duration t) {
        return new ControlClientConfig(ingressEndpoints, t, poolKey, principal, aeronDirectoryName, egressHost, idle, ownKey, threads);
    }

    public ControlClientConfig withPoolKey(byte[] key) {
        return new ControlClientConfig(ingressEndpoints, timeout, key, principal, aeronDirectoryName, egressHost, idle, ownKey, threads);
    }

    public ControlClientConfig withPrincipal(String p) {
        return new ControlClientConfig(ingressEndpoints, timeout, poolKey, p, aeronDirectoryName, egressHost, idle, ownKey, threads);
    }

    public ControlClientConfig withAeronDirectory(String dir) {
        return new ControlClientConfig(ingressEndpoints, timeout, poolKey, principal, dir, egressHost, idle, ownKey, threads);
    }

    public ControlClientConfig withEgressHost(String host) {
        return new ControlClientConfig(ingressEndpoints, timeout, poolKey, principal, aeronDirectoryName, host, idle, ownKey, threads);
    }

    /** Says that the key is the principal's own (the users file's), for the error when it is refused. */
    public ControlClientConfig withOwnKey(boolean own) {
        return new ControlClientConfig(ingressEndpoints, timeout, poolKey, principal, aeronDirectoryName, egressHost, idle, own, threads);
    }

    public ControlClientConfig withIdle(ControlIdle i) {
        return new ControlClientConfig(ingressEndpoints, timeout, poolKey, principal, aeronDirectoryName, egressHost, i, ownKey, threads);
    }

    public ControlClientConfig withThreads(ControlThreads t) {
        return new ControlClientConfig(ingressEndpoints, timeout, poolKey, principal, aeronDirectoryName, egressHost, idle, ownKey, t);
    }

    /** The members as written in errors: "localhost:9010,localhost:9110". */
    public String where() {
        return String.join(",", ingressEndpoints);
    }

    /** Aeron Cluster's form: "0=host:port,1=host:port". */
    String clusterIngressEndpoints() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ingressEndpoints.size(); i++) sb.append(i == 0 ? "" : ",").append(i).append('=').append(ingressEndpoints.get(i).trim());
        return sb.toString();
    }
}
