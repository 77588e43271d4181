package io.rdc.runtime.control;

import io.rdc.runtime.kernel.OperationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool users file (dissertation fig. 3.4, docs/pool.md): one line per user who may launch RDCs,
 * {@code user:group,group,...}, naming the node groups that user's RDCs may be allocated nodes from.
 * {@code #} starts a comment line; blank lines are skipped. Every refusal names the file and line of
 * the rule that refused, or the file when no rule names the user.
 */
public final class PoolUsers {

    /**
     * One line of the file: who, the groups they may use, where it was written, and the file holding
     * the user's own key (null: they prove their identity with the pool's key; docs/security.md).
     */
    public record Rule(String user, List<String> groups, int line, String text, java.nio.file.Path keyFile) {}

    /** A line's optional last word {@code key=FILE}: the user's own key file (PoolKey format). */
    private static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile("\\s+key=(\\S+)$");

    private final String source;
    private final String text;
    private final Map<String, Rule> byUser = new LinkedHashMap<>();

    private PoolUsers(String source, String text) {
        this.source = source;
        this.text = text;
    }

    /** Parses the file's text; {@code source} (its path as given) names it in errors and refusals. */
    public static PoolUsers parse(String source, String text) {
        PoolUsers u = new PoolUsers(source, text);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String raw = lines[i], line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int colon = line.indexOf(':');
            String user = colon < 0 ? "" : line.substring(0, colon).strip();
            if (colon < 0 || user.isEmpty() || user.contains(" "))
                throw new OperationException(source + ":" + (i + 1) + ": expected user:group,group,... (fig. 3.4), not '" + line + "'");
            String rest = line.substring(colon + 1);
            java.nio.file.Path keyFile = null;
            java.util.regex.Matcher key = KEY.matcher(rest);
            if (key.find()) {
                keyFile = keyFileOf(source, key.group(1));
                rest = rest.substring(0, key.start());
            } else if (rest.contains("key=")) {
                throw new OperationException(source + ":" + (i + 1) + ": a user's key is given last on the line, as key=FILE, not '" + line + "'");
            }
            List<String> groups = new ArrayList<>();
            for (String g : rest.split(",")) {
                String group = g.strip();
                if (!group.isEmpty()) groups.add(group);
            }
            if (groups.isEmpty()) throw new OperationException(source + ":" + (i + 1) + ": user '" + user + "' is given no node group");
            Rule before = u.byUser.putIfAbsent(user, new Rule(user, List.copyOf(groups), i + 1, line, keyFile));
            if (before != null)
                throw new OperationException(source + ":" + (i + 1) + ": user '" + user + "' is already given groups at line " + before.line());
        }
        return u;
    }

    /**
     * A relative key file is read from the users file's directory: the starters give the plane the
     * file's absolute path, so a control-plane member finds the key whatever its working directory.
     */
    private static java.nio.file.Path keyFileOf(String source, String given) {
        java.nio.file.Path p = java.nio.file.Path.of(given);
        if (p.isAbsolute()) return p;
        java.nio.file.Path dir = java.nio.file.Path.of(source).toAbsolutePath().getParent();
        return dir == null ? p.toAbsolutePath() : dir.resolve(p);
    }

    /** The file of {@code user}'s own key, or null when the file gives them none (they use the pool's key). */
    public java.nio.file.Path keyFileOf(String user) {
        Rule r = byUser.get(user);
        return r == null ? null : r.keyFile();
    }

    public String source() {
        return source;
    }

    public String text() {
        return text;
    }

    public Map<String, Rule> rules() {
        return byUser;
    }

    /** The user's rule; refused, naming the file, when the file does not name them. */
    public Rule ruleOf(String user, String what) {
        Rule r = byUser.get(user);
        if (r == null)
            throw new OperationException("user '" + user + "' is not in the pool users file " + source + " (its users: "
                    + String.join(", ", byUser.keySet()) + "): " + what + " refused");
        return r;
    }

    /** True when the user's rule gives them {@code group}. */
    public boolean mayUse(String user, String group) {
        Rule r = byUser.get(user);
        return r != null && r.groups().contains(group);
    }

    /** Refused, naming the rule, when {@code user} may not use {@code group}. */
    public void checkGroup(String user, String group, String what) {
        Rule r = ruleOf(user, what);
        if (!r.groups().contains(group))
            throw new OperationException("user '" + user + "' may not use node group '" + group + "': " + source + ":" + r.line()
                    + " gives them only " + String.join(", ", r.groups()) + " ('" + r.text() + "'): " + what + " refused");
    }
}
