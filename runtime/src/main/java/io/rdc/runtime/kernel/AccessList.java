package io.rdc.runtime.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's access list (dissertation §7.2's per-kernel access control list, docs/pool.md): who may
 * create incarnations at this node (or migrate them here), and of which modules. One rule a line,
 * the first rule that matches decides, and when none matches the create is refused:
 *
 * <pre>
 * # node 204
 * deny module miner
 * allow user ann,bob
 * allow user * module worker,sorter
 * </pre>
 *
 * A rule is {@code allow} or {@code deny}, then optionally {@code user NAMES} and {@code module
 * NAMES} (comma-separated, {@code *} for any; a clause left out matches any). The user is the
 * owner of the RDC the incarnation belongs to (as Equus's incarnations bore their launcher's
 * user id, §3.4). Refusals name the file and line of the rule, or the file when no rule matched.
 */
public final class AccessList {

    record Rule(boolean allow, List<String> users, List<String> modules, int line, String text) {
        boolean matches(String user, String module) {
            return (users.isEmpty() || users.contains("*") || users.contains(user)) && (modules.isEmpty() || modules.contains("*") || modules.contains(module));
        }
    }

    private final String source;
    private final List<Rule> rules;

    private AccessList(String source, List<Rule> rules) {
        this.source = source;
        this.rules = List.copyOf(rules);
    }

    public static AccessList read(Path file) {
        try {
            return parse(file.toString(), Files.readString(file));
        } catch (IOException e) {
            throw new OperationException("access list " + file + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    public static AccessList parse(String source, String text) {
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] words = line.split("\\s+");
            String where = source + ":" + (i + 1);
            if (!words[0].equals("allow") && !words[0].equals("deny"))
                throw new OperationException(where + ": a rule starts with allow or deny, not '" + words[0] + "'");
            List<String> users = List.of(), modules = List.of();
            for (int w = 1; w < words.length; w += 2) {
                if (w + 1 >= words.length) throw new OperationException(where + ": '" + words[w] + "' needs a name, a list of names or *");
                List<String> names = List.of(words[w + 1].split(","));
                switch (words[w]) {
                    case "user" -> users = names;
                    case "module" -> modules = names;
                    default -> throw new OperationException(where + ": expected user or module, not '" + words[w] + "'");
                }
            }
            rules.add(new Rule(words[0].equals("allow"), users, modules, i + 1, line));
        }
        return new AccessList(source, rules);
    }

    public String source() {
        return source;
    }

    /** Why {@code user} may not place module {@code module} here, naming the rule; null when allowed. */
    public String refusal(String user, String module) {
        for (Rule r : rules)
            if (r.matches(user, module))
                return r.allow() ? null : "refused by " + source + ":" + r.line() + " '" + r.text() + "'";
        return "no rule of " + source + " allows it";
    }
}
