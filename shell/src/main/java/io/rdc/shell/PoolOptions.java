package io.rdc.shell;

import io.rdc.interpreter.runtime.RuntimeOperations;
import io.rdc.runtime.node.NodeDescriptor;
import io.rdc.runtime.pool.PoolConfig;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Chooses the pool a command acts on: a standing pool (--pool, or the address `rdc pool start`
 * left in .rdc/pool here, in a parent folder or in ~/.rdc/pool), or an embedded pool of its own
 * (--embedded, or when no standing pool is found) shaped by the global --nodes / --descriptor.
 */
final class PoolOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--idle", defaultValue = "backoff", description = "kernel idle strategy: backoff (default), yielding, busyspin")
    String idle;

    @Option(names = "--pool", paramLabel = "ADDR", description = "act on the standing pool whose control plane is at ADDR (host:port[,host:port...]); default: the one named in .rdc/pool")
    String poolAddress;

    @Option(names = "--embedded", description = "run on an embedded pool of this process's own, even where a standing pool is found")
    boolean embedded;

    @Option(names = "--rdc", paramLabel = "NAME", description = "the RDC to act in: created by the first session of that name, attached to by later ones")
    String rdc;

    @Option(names = "--attached", description = "the RDC depends on this session and is terminated when it ends (the dissertation's launch semantics)")
    boolean attached;

    @Option(names = "--user", paramLabel = "NAME", description = "the operator this session acts as (default: $RDC_USER, else the OS user); nodes check its authority over each RDC")
    String user;

    @Option(names = "--user-key", paramLabel = "FILE", description = "the operator's own key file, when the pool users file gives them one (default: $RDC_USER_KEY); else the pool's key proves the operator")
    Path userKey;

    PoolConfig config() throws IOException {
        Main main = Main.of(mixee);
        if (main.verbose) System.setProperty("rdc.verbose", "true");
        if (user != null) {
            if (user.isBlank() || user.contains("\n")) throw new IllegalArgumentException("--user needs a name (one line)");
            System.setProperty("rdc.user", user); // Operator.defaultIdentity: --user, else $RDC_USER, else the OS user
        }
        if (userKey != null) {
            io.rdc.runtime.security.PoolKey.read(userKey); // refused now, with the reason, rather than at the first session
            System.setProperty("rdc.userKey", userKey.toString()); // Operator.defaultOwnKey: --user-key, else $RDC_USER_KEY
        }
        PoolConfig c = PoolConfig.defaults().withIdle(idle);
        java.util.Optional<PoolFile> found = embedded ? java.util.Optional.empty() : PoolFile.find(Path.of("").toAbsolutePath());
        String standing = embedded ? null : standingAddress(found);
        if (standing != null) {
            if (main.descriptor != null || main.nodes != null)
                throw new IllegalArgumentException("--nodes and --descriptor shape an embedded pool; a standing pool (" + standing + ") has its own nodes (use --embedded to run on one of your own)");
            // The pool's key: from its pool file when it names this pool, else $RDC_POOL_KEY or ~/.rdc/pool.key.
            io.rdc.runtime.security.PoolKey key = found.isPresent() && found.get().control().equals(standing) ? found.get().poolKey()
                    : io.rdc.runtime.security.PoolKey.read(io.rdc.runtime.security.PoolKey.defaultFile());
            return c.withControl(standing).withKey(key).asOperatorOnly();
        }
        c = c.withControl(PoolConfig.EMBEDDED_CONTROL);
        if (main.descriptor != null) return c.withDescriptor(NodeDescriptor.read(main.descriptor));
        if (main.nodes != null) {
            if (main.nodes < 1 || main.nodes > 64) throw new IllegalArgumentException("--nodes must be between 1 and 64");
            return c.withDescriptor(main.nodes == 4 ? NodeDescriptor.defaultPool() : NodeDescriptor.ofSize(main.nodes));
        }
        return c;
    }

    /** The standing pool's control-plane address this command acts on, or null (an embedded pool of its own). */
    String standingAddress() {
        return embedded ? null : standingAddress(PoolFile.find(Path.of("").toAbsolutePath()));
    }

    private String standingAddress(java.util.Optional<PoolFile> found) {
        return poolAddress != null ? poolAddress : found.map(PoolFile::control).orElse(null);
    }

    /** The operator session this command acts through, on the pool chosen above. */
    RuntimeOperations operations() throws IOException {
        return RuntimeOperations.start(config(), rdc, attached);
    }
}
