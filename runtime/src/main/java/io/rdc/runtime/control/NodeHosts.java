package io.rdc.runtime.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a {@link NodeCoordinator} may start nodes, and how (docs/pool-ondemand.md): SR's srx
 * started a new VM on another machine with {@code rsh} and found the executable there through
 * "network pathname" templates. One line per host:
 *
 * <pre>
 * host NAME [via ssh [USER@]ADDRESS] [port P] [identity FILE] [option NAME=VALUE]...
 *           [install TEMPLATE] [work TEMPLATE] [key TEMPLATE]
 * </pre>
 *
 * A host without {@code via ssh} is this machine: the node is a child process of the coordinator.
 * Templates are paths on that host in which {@code {host}} and {@code {node}} are replaced:
 * {@code install} is the rdc launcher there (needed with ssh; locally, default this JVM's own
 * command), {@code work} the node's working folder (made if missing), {@code key} the pool's key
 * file there (default: the same path as here, as on a shared file system).
 */
public record NodeHosts(List<Host> hosts, String source) {

    public record Host(String name, String sshTarget, int port, String identity, List<String> options, String install, String work, String key) {
        public boolean remote() {
            return sshTarget != null;
        }

        /** A template with {host} and {node} replaced: SR's network pathname. */
        public String path(String template, int node) {
            return template == null ? null : template.replace("{host}", name).replace("{node}", Integer.toString(node));
        }

        /**
         * The command that starts {@code nodeArgs} (the arguments after the launcher) as node
         * {@code node} on this host: the launcher itself when local, else ssh running it there in
         * its work folder. Its standard input stays open for the node's life: closing it (or ending
         * ssh) stops the node.
         */
        public List<String> command(int node, List<String> localLaunch, List<String> nodeArgs) {
            List<String> launch = install != null ? List.of(path(install, node)) : localLaunch;
            List<String> cmd = new ArrayList<>();
            if (!remote()) {
                cmd.addAll(launch);
                cmd.addAll(nodeArgs);
                return cmd;
            }
            cmd.addAll(List.of("ssh", "-o", "BatchMode=yes"));
            if (port != 0) cmd.addAll(List.of("-p", Integer.toString(port)));
            if (identity != null) cmd.addAll(List.of("-i", identity));
            for (String o : options) cmd.addAll(List.of("-o", o));
            cmd.add(sshTarget);
            StringBuilder remoteCmd = new StringBuilder();
            if (work != null) {
                String w = quote(path(work, node));
                remoteCmd.append("mkdir -p ").append(w).append(" && cd ").append(w).append(" && ");
            }
            remoteCmd.append("exec");
            for (String a : launch) remoteCmd.append(' ').append(quote(a));
            for (String a : nodeArgs) remoteCmd.append(' ').append(quote(a));
            cmd.add(remoteCmd.toString());
            return cmd;
        }

        /** What {@code find} shows of where a node runs. */
        public String describe() {
            return remote() ? name + " (ssh " + sshTarget + (port == 0 ? "" : " port " + port) + ")" : name + " (local)";
        }
    }

    /** The default: this machine only. */
    public static NodeHosts localOnly() {
        return new NodeHosts(List.of(new Host("local", null, 0, null, List.of(), null, null, null)), "the default (this machine only)");
    }

    public static NodeHosts read(Path file) throws IOException {
        return parse(Files.readAllLines(file), file.toString());
    }

    /** Parses hosts lines; a bad line is an error naming its line and what was expected. */
    public static NodeHosts parse(List<String> lines, String source) {
        Map<String, Host> hosts = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String where = source + ":" + (i + 1) + ": ";
            String[] w = line.split("\\s+");
            if (!w[0].equals("host") || w.length < 2) throw new IllegalArgumentException(where + "expected 'host NAME ...', not '" + line + "'");
            String name = w[1], ssh = null, identity = null, install = null, work = null, key = null;
            int port = 0;
            List<String> options = new ArrayList<>();
            for (int k = 2; k < w.length; k++) {
                String word = w[k];
                if (k + 1 >= w.length) throw new IllegalArgumentException(where + "'" + word + "' needs a value");
                String v = w[++k];
                switch (word) {
                    case "via" -> {
                        if (!v.equals("ssh") || k + 1 >= w.length) throw new IllegalArgumentException(where + "expected 'via ssh [USER@]ADDRESS'");
                        ssh = w[++k];
                    }
                    case "port" -> {
                        try {
                            port = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            port = -1;
                        }
                        if (port < 1 || port > 65_535) throw new IllegalArgumentException(where + "port must be 1 to 65535, not '" + v + "'");
                    }
                    case "identity" -> identity = v;
                    case "option" -> options.add(v);
                    case "install" -> install = v;
                    case "work" -> work = v;
                    case "key" -> key = v;
                    default -> throw new IllegalArgumentException(where + "unknown word '" + word
                            + "' (known: via ssh, port, identity, option, install, work, key)");
                }
            }
            if (ssh != null && install == null)
                throw new IllegalArgumentException(where + "host " + name + " is reached by ssh: give 'install PATH' (the rdc launcher there, e.g. /opt/rdc/{host}/rdc)");
            if (ssh == null && (port != 0 || identity != null || !options.isEmpty()))
                throw new IllegalArgumentException(where + "port, identity and option are for hosts reached 'via ssh'");
            if (hosts.put(name, new Host(name, ssh, port, identity, List.copyOf(options), install, work, key)) != null)
                throw new IllegalArgumentException(where + "host " + name + " is listed twice");
        }
        if (hosts.isEmpty()) throw new IllegalArgumentException(source + ": no 'host' line (a coordinator needs somewhere to start nodes)");
        return new NodeHosts(List.copyOf(hosts.values()), source);
    }

    public Host byName(String name) {
        for (Host h : hosts) if (h.name().equals(name)) return h;
        return null;
    }

    public List<String> names() {
        return hosts.stream().map(Host::name).toList();
    }

    /** A word for a POSIX shell: single-quoted, its own single quotes escaped. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
