package io.rdc.runtime.node;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node descriptor file of the dissertation's fig. 3.3: one node per line,
 * {@code id:name:group,group:type:attr,attr}, '#' starts a comment. Ids are decimal integers
 * (Equus used hexadecimal; operators type decimal, see docs/architecture.md).
 */
public final class NodeDescriptor {
    private final List<NodeInfo> nodes;

    private NodeDescriptor(List<NodeInfo> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    public static NodeDescriptor of(List<NodeInfo> nodes) {
        return new NodeDescriptor(nodes);
    }

    public static NodeDescriptor read(Path file) throws IOException {
        return parse(Files.readString(file), file.toString());
    }

    /** The descriptor shipped with rdc: 4 nodes, 201..204. */
    public static NodeDescriptor defaultPool() {
        try (InputStream in = NodeDescriptor.class.getResourceAsStream("/io/rdc/runtime/node/default-nodes.txt")) {
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "default-nodes.txt");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the default node descriptor", e);
        }
    }

    /** A descriptor of n nodes numbered from 201, as the default but sized. */
    public static NodeDescriptor ofSize(int n) {
        List<NodeInfo> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = 201 + i;
            String group = i == 0 ? "systems" : (i % 2 == 1 ? "exclusive" : "balanced");
            list.add(new NodeInfo(id, "node" + (i + 1), List.of(group, "all"), "jvm", Map.of("endpoint", "127.0.0.1:" + (40000 + id))));
        }
        return new NodeDescriptor(list);
    }

    public static NodeDescriptor parse(String text, String fileName) {
        List<NodeInfo> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int ln = 0; ln < lines.length; ln++) {
            String line = lines[ln];
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            for (String entry : line.trim().split("\\s+")) {
                if (entry.isEmpty()) continue;
                out.add(parseEntry(entry, fileName, ln + 1, lines[ln].indexOf(entry) + 1));
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException(fileName + ": no nodes described");
        for (int i = 0; i < out.size(); i++)
            for (int j = i + 1; j < out.size(); j++)
                if (out.get(i).id() == out.get(j).id())
                    throw new IllegalArgumentException(fileName + ": node id " + out.get(i).id() + " is described twice");
        return new NodeDescriptor(out);
    }

    private static NodeInfo parseEntry(String entry, String file, int line, int col) {
        String[] f = entry.split(":", -1);
        String where = file + ":" + line + ":" + col + ": ";
        if (f.length < 4) throw new IllegalArgumentException(where + "expected id:name:groups:type[:attributes], got '" + entry + "'");
        int id;
        try {
            id = Integer.parseInt(f[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + "node id '" + f[0] + "' is not a decimal integer");
        }
        if (id <= 0 || id > 0xFFFF) throw new IllegalArgumentException(where + "node id " + id + " out of range 1..65535");
        List<String> groups = f[2].isEmpty() ? List.of() : List.of(f[2].split(","));
        Map<String, String> attrs = new LinkedHashMap<>();
        // Attributes may contain ':' (endpoint=host:port), so rejoin the tail.
        String tail = f.length > 4 ? String.join(":", java.util.Arrays.copyOfRange(f, 4, f.length)) : "";
        for (String a : tail.split(",")) {
            if (a.isEmpty()) continue;
            int eq = a.indexOf('=');
            if (eq < 0) attrs.put(a, "");
            else attrs.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return new NodeInfo(id, f[1], groups, f[3], attrs);
    }

    public List<NodeInfo> nodes() {
        return nodes;
    }

    public Optional<NodeInfo> byId(int id) {
        return nodes.stream().filter(n -> n.id() == id).findFirst();
    }

    public Optional<NodeInfo> byName(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }
}
