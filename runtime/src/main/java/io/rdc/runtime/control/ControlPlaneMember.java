package io.rdc.runtime.control;

import io.aeron.CommonContext;
import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusteredMediaDriver;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;

/**
 * One member of the control plane: a ClusteredMediaDriver (media driver, archive, consensus module)
 * and a ClusteredServiceContainer running {@link ControlService}. (As a bench option, {@link
 * ControlThreads}, the first three run on one thread instead: {@link SharedClusterAgents}.) Its cluster and archive
 * directories live under {@code dir/member-I} and persist, so a member (or the whole plane)
 * restarted on the same directory recovers its state from snapshot and log. Its Aeron directory is
 * private to this process and removed on close.
 *
 * <p>Ports of member I, from a base port B (or given explicitly): ingress B+10I, consensus B+10I+1,
 * log B+10I+2, catch-up B+10I+3, archive control B+10I+4. One member replicates its log over IPC.
 */
public final class ControlPlaneMember implements AutoCloseable {

    /** Where one member listens. */
    public record Endpoints(String host, int ingress, int consensus, int log, int catchup, int archive) {
        public String ingressEndpoint() {
            return host + ":" + ingress;
        }
    }

    /**
     * @param memberId this member's index in {@code members}
     * @param members every member's endpoints, in member order
     * @param dir the plane's directory (this member uses dir/member-I)
     * @param poolKey the pool's key (clients must prove they hold it), or null for none
     * @param unreachableAfterMs a node silent this long is shown unreachable
     * @param idle how the member's agents wait for work (default: {@link ControlIdle#fromSystemProperty()})
     * @param snapshots when the member snapshots on its own (default: {@link SnapshotPolicy#DEFAULT})
     */
    /**
     * @param tokenKey the key this plane signs operator tokens with (docs/security.md, "Operator tokens"); null: it signs none
     * @param threads which parts share a thread (default {@link ControlThreads#DEDICATED}; the others are bench options)
     */
    public record Config(int memberId, List<Endpoints> members, File dir, byte[] poolKey, long unreachableAfterMs, ControlIdle idle,
            SnapshotPolicy snapshots, io.rdc.runtime.security.OperatorTokens.SigningKey tokenKey, ControlThreads threads) {
        public Config {
            members = List.copyOf(members);
            if (idle == null) idle = ControlIdle.fromSystemProperty();
            if (snapshots == null) snapshots = SnapshotPolicy.DEFAULT;
            if (threads == null) threads = ControlThreads.DEDICATED;
            if (memberId < 0 || memberId >= members.size())
                throw new IllegalArgumentException("control member " + memberId + ": there are " + members.size() + " members (0.." + (members.size() - 1) + ")");
        }

        public Config(int memberId, List<Endpoints> members, File dir, byte[] poolKey, long unreachableAfterMs, ControlIdle idle,
                SnapshotPolicy snapshots, io.rdc.runtime.security.OperatorTokens.SigningKey tokenKey) {
            this(memberId, members, dir, poolKey, unreachableAfterMs, idle, snapshots, tokenKey, null);
        }

        public Config(int memberId, List<Endpoints> members, File dir, byte[] poolKey, long unreachableAfterMs, ControlIdle idle,
                SnapshotPolicy snapshots) {
            this(memberId, members, dir, poolKey, unreachableAfterMs, idle, snapshots, null);
        }

        public Config(int memberId, List<Endpoints> members, File dir, byte[] poolKey, long unreachableAfterMs) {
            this(memberId, members, dir, poolKey, unreachableAfterMs, null, null);
        }

        public Config(int memberId, List<Endpoints> members, File dir) {
            this(memberId, members, dir, null, ControlService.DEFAULT_UNREACHABLE_AFTER_MS);
        }

        public Config withIdle(ControlIdle i) {
            return new Config(memberId, members, dir, poolKey, unreachableAfterMs, i, snapshots, tokenKey, threads);
        }

        public Config withSnapshots(SnapshotPolicy p) {
            return new Config(memberId, members, dir, poolKey, unreachableAfterMs, idle, p, tokenKey, threads);
        }

        public Config withTokenKey(io.rdc.runtime.security.OperatorTokens.SigningKey k) {
            return new Config(memberId, members, dir, poolKey, unreachableAfterMs, idle, snapshots, k, threads);
        }

        public Config withThreads(ControlThreads t) {
            return new Config(memberId, members, dir, poolKey, unreachableAfterMs, idle, snapshots, tokenKey, t);
        }

        /** The members' "host:port" ingress endpoints, for {@link ControlClientConfig}. */
        public List<String> ingressEndpoints() {
            return members.stream().map(Endpoints::ingressEndpoint).toList();
        }
    }

    public static final int PORTS_PER_MEMBER = 10;
    static final String TERM = "term-length=256k";

    /** Endpoints of {@code hosts.size()} members whose ports derive from {@code basePort}. */
    public static List<Endpoints> derive(List<String> hosts, int basePort) {
        List<Endpoints> out = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            int b = basePort + PORTS_PER_MEMBER * i;
            out.add(new Endpoints(hosts.get(i), b, b + 1, b + 2, b + 3, b + 4));
        }
        return out;
    }

    private final Config config;
    private final AutoCloseable clusterParts; // media driver, archive, consensus module: a ClusteredMediaDriver or SharedClusterAgents
    private final ConsensusModule consensusModule;
    private final ThreadingMode driverThreadingMode;
    private final ClusteredServiceContainer container;
    private final ControlService service;
    private final PeriodicSnapshots snapshots;
    private final String aeronDir;
    private volatile boolean closed;

    private ControlPlaneMember(Config config, String aeronDir) {
        this.config = config;
        this.aeronDir = aeronDir;
        int id = config.memberId();
        Endpoints me = config.members().get(id);
        File base = new File(config.dir(), "member-" + id);
        boolean single = config.members().size() == 1;

        MediaDriver.Context driverCtx = new MediaDriver.Context().aeronDirectoryName(aeronDir).threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true).termBufferSparseFile(true)
                .sharedIdleStrategy(config.idle().newStrategy());
        Archive.Context archiveCtx = new Archive.Context().aeronDirectoryName(aeronDir).archiveDir(new File(base, "archive"))
                .controlChannel("aeron:udp?endpoint=" + me.host() + ":" + me.archive())
                .localControlChannel("aeron:ipc?term-length=64k").replicationChannel("aeron:udp?endpoint=" + me.host() + ":0")
                .recordingEventsEnabled(false).threadingMode(ArchiveThreadingMode.SHARED).idleStrategySupplier(config.idle()::newStrategy)
                .archiveId(id).segmentFileLength(64 * 1024 * 1024);
        AeronArchive.Context localArchive = new AeronArchive.Context().aeronDirectoryName(aeronDir)
                .controlRequestChannel(archiveCtx.localControlChannel()).controlRequestStreamId(archiveCtx.localControlStreamId())
                .controlResponseChannel(archiveCtx.localControlChannel());
        ConsensusModule.Context cmCtx = new ConsensusModule.Context().aeronDirectoryName(aeronDir).clusterMemberId(id)
                .clusterMembers(clusterMembers(config.members())).clusterDir(new File(base, "cluster"))
                .archiveContext(localArchive.clone()).serviceCount(1)
                .ingressChannel("aeron:udp?" + TERM).isIpcIngressAllowed(config.threads().ipc())
                .logChannel(single ? "aeron:ipc?" + TERM : "aeron:udp?" + TERM)
                .replicationChannel("aeron:udp?endpoint=" + me.host() + ":0")
                .idleStrategySupplier(config.idle()::newStrategy)
                // Failover within a few seconds (defaults: 10 s heartbeat timeout, 60 s startup canvass).
                .leaderHeartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(100))
                .leaderHeartbeatTimeoutNs(TimeUnit.MILLISECONDS.toNanos(1500))
                .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(single ? 100 : 500)) // one member nominates itself at once
                .startupCanvassTimeoutNs(TimeUnit.SECONDS.toNanos(single ? 3 : 6))
                .sessionTimeoutNs(TimeUnit.SECONDS.toNanos(10));
        ControlService svc = service = new ControlService(config.unreachableAfterMs());
        svc.signTokensWith(config.tokenKey());
        if (config.poolKey() != null) cmCtx.authenticatorSupplier(() -> new PoolKeyAuth.KeyAuthenticator(config.poolKey(), svc::ownKeyOf));
        ClusteredServiceContainer.Context svcCtx = new ClusteredServiceContainer.Context().aeronDirectoryName(aeronDir)
                .archiveContext(localArchive.clone()).clusterDir(new File(base, "cluster"))
                .clusteredService(service).serviceId(0).idleStrategySupplier(config.idle()::newStrategy);
        AutoCloseable parts = null;
        try {
            if (config.threads().driverArchiveAndConsensusOnOneThread()) {
                SharedClusterAgents shared = SharedClusterAgents.launch(driverCtx, archiveCtx, cmCtx, config.idle()::newStrategy,
                        "rdc-control-" + id + "-driver-archive-consensus", () -> ClusteredServiceContainer.launch(svcCtx));
                parts = shared;
                consensusModule = shared.consensusModule();
                driverThreadingMode = shared.driverThreadingMode();
                container = shared.container();
            } else {
                ClusteredMediaDriver d = ClusteredMediaDriver.launch(driverCtx, archiveCtx, cmCtx);
                parts = d;
                consensusModule = d.consensusModule();
                driverThreadingMode = d.mediaDriver().context().threadingMode();
                container = ClusteredServiceContainer.launch(svcCtx);
            }
        } catch (RuntimeException e) {
            CloseHelper.quietClose(parts);
            IoUtil.delete(new File(aeronDir), true);
            throw new IllegalStateException("control member " + id + " could not start (ports " + me + "): " + e.getMessage(), e);
        }
        clusterParts = parts;
        snapshots = new PeriodicSnapshots(this, config.snapshots(), service::entriesSinceSnapshot);
    }

    public static ControlPlaneMember start(Config config) {
        return start(config, newAeronDir(config.memberId()));
    }

    static ControlPlaneMember start(Config config, String aeronDir) {
        // A member killed (kill -9) leaves its archive's and cluster's mark files looking active until
        // their timeout (about 10 s): a restart within it is refused, so it waits that long, no longer.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(MARK_FILE_WAIT_S);
        while (true) {
            try {
                return new ControlPlaneMember(config, aeronDir);
            } catch (IllegalStateException e) {
                if (!String.valueOf(e.getMessage()).contains("active mark file") || System.nanoTime() > until) throw e;
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** How long a restarting member waits for a killed predecessor's mark files to go stale. */
    static final int MARK_FILE_WAIT_S = 20;

    /** A media-driver directory of this process alone (removed on close). */
    static String newAeronDir(int memberId) {
        return CommonContext.getAeronDirectoryName() + "-rdc-control-" + memberId + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String clusterMembers(List<Endpoints> members) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < members.size(); i++) {
            Endpoints e = members.get(i);
            sb.append(i).append(',').append(e.host()).append(':').append(e.ingress()).append(',').append(e.host()).append(':').append(e.consensus())
                    .append(',').append(e.host()).append(':').append(e.log()).append(',').append(e.host()).append(':').append(e.catchup())
                    .append(',').append(e.host()).append(':').append(e.archive()).append('|');
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    /** True while this member leads the cluster. */
    public boolean isLeader() {
        ConsensusModule.Context c = consensusModule.context();
        return io.aeron.cluster.service.Cluster.Role.get(c.clusterNodeRoleCounter().get()) == io.aeron.cluster.service.Cluster.Role.LEADER;
    }

    /**
     * Asks the cluster for a snapshot (through this member's control toggle, as ClusterTool does)
     * and waits, bounded, until this member has taken it. The leader acts on it; returns false when
     * no snapshot was taken within the timeout.
     */
    public boolean takeSnapshot(java.time.Duration timeout) {
        ConsensusModule.Context c = consensusModule.context();
        long before = c.snapshotCounter().get(), deadline = System.nanoTime() + timeout.toNanos();
        while (!io.aeron.cluster.ClusterControl.ToggleState.SNAPSHOT.toggle(c.controlToggleCounter()))
            if (!pause(deadline)) return false;
        while (c.snapshotCounter().get() == before)
            if (!pause(deadline)) return false;
        return true;
    }

    /**
     * Asks the running plane whose directory is {@code planeDir} (members' processes on this
     * machine) for a snapshot, as ClusterTool does: through the leader's control toggle, waiting
     * (ClusterTool's bound, 10 s) until it is taken. For {@code rdc pool stop}, before it stops the
     * members, so that their next start replays little.
     *
     * @param running the members whose processes run (a dead member's stale files would make the
     *     tool wait for its driver), or null for all
     * @return null when the snapshot was taken, else why not
     */
    public static String snapshotRunning(File planeDir, java.util.Set<Integer> running) {
        File[] dirs = planeDir.listFiles((d, n) -> n.matches("member-\\d+"));
        if (dirs == null || dirs.length == 0) return "no control-plane member in " + planeDir;
        java.util.Arrays.sort(dirs);
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        try (java.io.PrintStream out = new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8)) {
            for (File m : dirs) {
                File cluster = new File(m, "cluster");
                if (running != null && !running.contains(Integer.parseInt(m.getName().substring("member-".length())))) continue;
                try {
                    if (!io.aeron.cluster.ClusterTool.markFileExists(cluster) || io.aeron.cluster.ClusterTool.isLeader(out, cluster) != 0) continue;
                    return io.aeron.cluster.ClusterTool.snapshot(cluster, out) ? null : "the leader (" + m.getName() + ") took no snapshot: " + said.toString().trim();
                } catch (RuntimeException e) {
                    out.println(m.getName() + ": " + e.getMessage()); // not reachable: ask the next
                }
            }
        }
        return "no member of " + planeDir + " leads now" + (said.size() == 0 ? "" : ": " + said.toString().trim());
    }

    /** Snapshots this member has taken since it started. */
    public long snapshotCount() {
        return consensusModule.context().snapshotCounter().get();
    }

    /** Requests this member applied (or replayed, as it started) since its last snapshot, or since the one it started from. */
    public long entriesSinceSnapshot() {
        return service.entriesSinceSnapshot();
    }

    /** What the on-demand nodes are now, as this member's service last applied (for its {@link NodeCoordinator}). */
    List<OnDemandNodes.Node> onDemandView() {
        return service.onDemandView();
    }

    /** True when this member started from a snapshot (then replayed only the log after it). */
    public boolean startedFromSnapshot() {
        return service.startedFromSnapshot();
    }

    private static boolean pause(long deadline) {
        if (System.nanoTime() - deadline >= 0) return false;
        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        return true;
    }

    public Config config() {
        return config;
    }

    /** How this member's media driver runs: SHARED (a thread of its own) or INVOKER (on the thread of {@link SharedClusterAgents}). */
    ThreadingMode driverThreadingMode() {
        return driverThreadingMode;
    }

    /** The aeron directory of this member's media driver (clients in this JVM may share it). */
    public String aeronDirectoryName() {
        return aeronDir;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        CloseHelper.quietClose(snapshots);
        CloseHelper.quietClose(container);
        CloseHelper.quietClose(clusterParts);
        IoUtil.delete(new File(aeronDir), true);
    }

    /**
     * {@code ControlPlaneMember --id I --hosts h0,h1,h2 --base-port P --dir D [--key-file F] [--unreachable-ms N] [--idle backoff|yielding|busyspin]
     * [--snapshot-entries N] [--snapshot-seconds S]}:
     * runs member I until stdin closes or the process is told to stop (SIGTERM).
     */
    public static void main(String[] args) throws Exception {
        int id = -1, basePort = 9010;
        long unreachable = ControlService.DEFAULT_UNREACHABLE_AFTER_MS;
        List<String> hosts = List.of("localhost");
        File dir = null;
        byte[] key = null;
        boolean daemon = false;
        ControlIdle idle = null;
        File nodeHosts = null, nodeLogs = null;
        Path keyFile = null;
        long snapshotEntries = SnapshotPolicy.DEFAULT.entries(), snapshotSeconds = SnapshotPolicy.DEFAULT.interval().toSeconds();
        for (int i = 0; i < args.length; i++) {
            String a = args[i], v = i + 1 < args.length ? args[++i] : null;
            if (v == null) usage("'" + a + "' needs a value");
            switch (a) {
                case "--id" -> id = Integer.parseInt(v);
                case "--hosts" -> hosts = List.of(v.split(","));
                case "--base-port" -> basePort = Integer.parseInt(v);
                case "--dir" -> dir = new File(v);
                case "--key-file" -> {
                    keyFile = Path.of(v);
                    key = readKey(keyFile);
                }
                case "--node-hosts" -> nodeHosts = new File(v);
                case "--node-logs" -> nodeLogs = new File(v);
                case "--unreachable-ms" -> unreachable = Long.parseLong(v);
                case "--daemon" -> daemon = Boolean.parseBoolean(v);
                case "--idle" -> idle = ControlIdle.parse(v);
                case "--snapshot-entries" -> snapshotEntries = Long.parseLong(v);
                case "--snapshot-seconds" -> snapshotSeconds = Long.parseLong(v);
                default -> usage("unknown option '" + a + "'");
            }
        }
        if (id < 0 || dir == null) usage("--id and --dir are required");
        System.setProperty(ControlService.LOG_ROLES, "true");
        NodeHosts hostsForNodes = NodeCoordinator.hostsOrDefault(nodeHosts);
        String aeronDir = newAeronDir(id);
        System.out.println("control member " + id + " aeron dir " + aeronDir); // before it exists: whoever kills -9 cleans it up
        System.out.flush();
        // The key that signs operator tokens lies beside the pool key (rdc pool start makes it before
        // starting the members, so that they never race to make it); without a pool key, none.
        io.rdc.runtime.security.OperatorTokens.SigningKey tokenKey = keyFile == null ? null
                : io.rdc.runtime.security.OperatorTokens.SigningKey.readOrCreate(io.rdc.runtime.security.OperatorTokens.SigningKey.besides(keyFile));
        ControlPlaneMember m = start(new Config(id, derive(hosts, basePort), dir, key, unreachable, idle,
                new SnapshotPolicy(snapshotEntries, java.time.Duration.ofSeconds(snapshotSeconds)), tokenKey), aeronDir);
        // SR's srx: this member's coordinator starts the nodes RDCs ask for (only while it leads) and ends
        // them with this process; it needs the pool's key file to hand to the nodes.
        NodeCoordinator coordinator = keyFile == null ? null : NodeCoordinator.start(m, hostsForNodes, keyFile,
                (nodeLogs != null ? nodeLogs : dir.getAbsoluteFile().getParentFile() != null ? new File(dir.getAbsoluteFile().getParentFile(), "logs") : dir).toPath(),
                io.rdc.runtime.util.JavaCommand.of(NodeCoordinator.CLI_MAIN));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (coordinator != null) coordinator.close(); // its nodes say goodbye to a plane still there
            m.close();
        }));
        if (coordinator != null) System.out.println("control member " + id + ": node coordinator, hosts from " + hostsForNodes.source());
        System.out.println("control member " + id + " ready"); // its own line: starters wait for exactly this
        System.out.flush();
        if (daemon) {
            // A standing pool's member (rdc pool start): it outlives its starter and stops on SIGTERM.
            new java.util.concurrent.CountDownLatch(1).await();
        }
        try {
            while (System.in.read() >= 0) {
                // runs until stdin closes
            }
        } catch (IOException ignored) {
            // stdin gone: stop
        }
        if (coordinator != null) coordinator.close();
        m.close();
        System.exit(0);
    }

    /** The pool's key file, as every node and operator of the pool reads it (security.PoolKey: owner-only, hex). */
    private static byte[] readKey(Path p) {
        return io.rdc.runtime.security.PoolKey.read(p).bytes();
    }

    private static void usage(String why) {
        System.err.println("control member: " + why + "\nusage: ControlPlaneMember --id I --dir D [--hosts h0,h1,h2] [--base-port 9010] [--key-file F] [--unreachable-ms 3000] [--idle backoff|yielding|busyspin] [--snapshot-entries 10000] [--snapshot-seconds 600] [--node-hosts F] [--node-logs D]");
        System.exit(2);
    }
}
