package io.rdc.shell;

import io.rdc.interpreter.Operations.InterfaceSpec;
import io.rdc.interpreter.runtime.RuntimeOperations;
import io.rdc.runtime.kernel.NodeStatus;
import io.rdc.runtime.kernel.Status;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.antlr.v4.runtime.Token;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * Context-aware completion: statement keywords (with their templates as descriptions) at the start
 * of a statement; incarnation names of the session ({@code w[2]} included) in expressions; the
 * interfaces of an incarnation after {@code x.}; node ids after {@code node}; modules after
 * {@code create x :}; channel and stream-space labels in strings; file paths after {@code use}
 * and {@code module}; views after {@code show} and {@code watch}.
 */
final class ShellCompleter implements Completer {
    static final Map<String, String> TEMPLATES = new LinkedHashMap<>();

    static {
        t("module", "module NAME = \"file.js\"");
        t("create", "create NAME[i] : MODULE(args) [inchoate] at node ID { port P on new \"label\"; stream S to \"label\" }");
        t("channel", "channel \"label\" unicast|multicast");
        t("link", "link X.stream to Y.port");
        t("unlink", "unlink X.stream from Y.port");
        t("destroy", "destroy X");
        t("freeze", "freeze X   |  freeze stream X.s");
        t("unfreeze", "unfreeze X [priority N]");
        t("put", "put \"label\" = X [copies N|unlimited|dontcache]");
        t("return", "return \"label\"");
        t("delete", "delete \"label\"");
        t("register", "register \"name\" X.port [for \"rdc\", …]");
        t("unregister", "unregister \"name\"");
        t("allow", "allow NAME   (another operator acts in this session's RDC; its owner only: docs/security.md)");
        t("disallow", "disallow NAME   (it no longer does: the nodes refuse it, its tokens for this RDC are revoked)");
        t("revoke", "revoke tokens of NAME   (the operator itself or the pool's administrator: nodes refuse its tokens issued until now)");
        t("show", "show nodes|incarnations|channels|space|events|rdcs|allocation");
        t("allocate", "allocate N from \"group\" [within 10s]   (nodes for this session's RDC: docs/pool.md)");
        t("release", "release node ID   (gives an allocated node back to the pool)");
        t("replace", "replace X with MODULE [within 10s]   (new code, same incarnation: docs/replacement.md)");
        t("inspect", "inspect X");
        t("web", "web [PORT]   (the live web view of the pool, default port 7070: docs/web.md)");
        t("let", "let NAME = EXPR");
        t("if", "if COND { … } else { … }");
        t("forall", "forall i in 1..n { … }");
        t("proc", "proc NAME(args) { … }");
        t("fn", "fn NAME(args) { … yield EXPR }  |  fn NAME(args) = EXPR");
        t("yield", "yield EXPR   (the value of the enclosing fn)");
        t("use", "use \"file.rdc\"");
        t("wait", "wait until COND within 10s");
        t("when", "when COND { … }");
        t("sleep", "sleep 200ms");
        t("print", "print EXPR, …");
        t("send", "send X.stream {head} [body EXPR]");
        t("invoke", "invoke X.stream {head} [body EXPR]");
        t("call", "call PROC(args)");
        t("test", "test \"name\" { … }");
        t("assert", "assert COND [, \"message\"]");
        t("expect", "expect error \"text\" { … }");
        t("propagate", "propagate X   (reserved)");
        t("attach", "attach X.port to \"label\" [detach Y.port] [moving queue]   (ports, channels: also references from get)");
        t("rebind", "rebind \"handle\" to \"label\" [moving from \"h\" | under failure]   (each: a label, X.iface or a reference)");
        t("quiesce", "quiesce X [for \"client\"] [to Y] [within D]");
        t("migrate", "migrate X to node ID [within 5s]   (reserved)");
        t("fork", "fork X at node ID ports [p]   (reserved)");
        t("checkpoint", "checkpoint X to \"file\" [and destroy]   (reserved)");
        t("restore", "restore \"file\" as NAME at node ID   (reserved)");
    }

    static final Set<String> KEYWORDS = TEMPLATES.keySet();
    static final List<String> FUNCTIONS = List.of("len", "min", "max", "str", "type", "range", "nodes", "pick", "status", "queue", "lookup");

    private static void t(String k, String template) {
        TEMPLATES.put(k, template);
    }

    private final Shell shell;

    ShellCompleter(Shell shell) {
        this.shell = shell;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        shell.operatorLock.lock();
        try {
            candidates.addAll(candidates(line));
        } catch (RuntimeException e) {
            // completion never breaks the line being typed
        } finally {
            shell.operatorLock.unlock();
        }
    }

    List<Candidate> candidates(ParsedLine line) {
        String prefix = line.word().substring(0, line.wordCursor());
        int wordStart = line instanceof ShellParser.ArgsLine a ? a.wordStart() : line.cursor() - line.wordCursor();
        String before = line.line().substring(0, wordStart);
        List<Token> all = ShellParser.tokens(before);
        int depth = 0, cut = 0;
        boolean inCreate = false;
        for (int i = 0; i < all.size(); i++) {
            String x = all.get(i).getText();
            if (x.equals("{") || x.equals("(") || x.equals("[")) depth++;
            if (x.equals("}") || x.equals(")") || x.equals("]")) depth--;
            if (x.equals(";") || x.equals("{") || x.equals("}") || all.get(i).getType() == io.rdc.grammar.RdcLexer.NL) cut = i + 1;
        }
        for (Token tk : all) if (tk.getText().equals("create")) inCreate = depth > 0;
        List<String> stmt = new ArrayList<>();
        for (Token tk : all.subList(cut, all.size())) stmt.add(tk.getText());
        String first = stmt.isEmpty() ? null : stmt.get(0);
        String prev = stmt.isEmpty() ? null : stmt.get(stmt.size() - 1);

        List<Candidate> out = new ArrayList<>();
        if (prefix.startsWith("\"")) {
            if ("use".equals(first) || ("module".equals(first) && "=".equals(prev))) return paths(prefix);
            return labels();
        }
        int dot = prefix.lastIndexOf('.');
        if (dot > 0 && !prefix.substring(0, dot).matches("[0-9.]+")) {
            String base = prefix.substring(0, dot);
            RuntimeOperations.IncarnationHandle h = shell.incarnations().get(base);
            if (h != null) for (String i : interfaces(h)) out.add(new Candidate(base + "." + i, i, "interfaces", null, null, null, true));
            return out;
        }
        // `(` and `[` keep the statement going: a call's or list's element is an expression
        if (prev != null && (prev.equals("(") || prev.equals("[") || prev.equals(",")) && !"create".equals(first)) {
            return expressions();
        }
        if (prev == null) {
            for (Map.Entry<String, String> e : TEMPLATES.entrySet())
                out.add(new Candidate(e.getKey(), e.getKey(), "statements", e.getValue(), null, null, true));
            if (inCreate) {
                out.add(new Candidate("port", "port", "interfaces", "port P on new|existing \"label\" [handle \"h\"]", null, null, true));
                out.add(new Candidate("stream", "stream", "interfaces", "stream S to \"label\" [handle \"h\"]", null, null, true));
            }
            if (depth == 0) for (String c : ShellCommands.NAMES)
                out.add(new Candidate(c, c, "shell", "shell command (help " + c + ")", null, null, true));
            out.addAll(names());
            return out;
        }
        if ("watch".equals(first) && !List.of("watch", "inspect", "every", "--count").contains(prev)) {
            out.add(new Candidate("every", "every", null, "every 2s", null, null, true));
            out.add(new Candidate("--count", "--count", null, "--count N: stop after N frames (events)", null, null, true));
            return out;
        }
        switch (prev) {
            case "show" -> {
                for (String v : ShellCommands.VIEWS) out.add(new Candidate(v, v, "views", null, null, null, true));
                return out;
            }
            case "watch" -> {
                for (String v : ShellCommands.VIEWS) out.add(new Candidate(v, v, "views", null, null, null, true));
                out.add(new Candidate("inspect", "inspect", "views", "watch inspect X", null, null, true));
                return out;
            }
            case "help" -> {
                for (String k : TEMPLATES.keySet()) out.add(new Candidate(k, k, "statements", null, null, null, true));
                for (Help.Section s : Help.sections()) {
                    String w = s.title().toLowerCase(java.util.Locale.ROOT).split("[ (]")[0];
                    out.add(new Candidate(w, w, "sections", null, null, null, true));
                }
                for (String c : ShellCommands.NAMES) out.add(new Candidate(c, c, "shell", null, null, null, true));
                return out;
            }
            case "graph" -> {
                out.add(new Candidate("--dot", "--dot", null, "graph --dot FILE", null, null, true));
                out.add(new Candidate("--mermaid", "--mermaid", null, "graph --mermaid FILE", null, null, true));
                out.add(new Candidate("--json", "--json", null, "graph --json [FILE]", null, null, true));
                return out;
            }
            case "node" -> {
                for (NodeStatus n : shell.ops().operator().nodes())
                    out.add(new Candidate(String.valueOf(n.id()), String.valueOf(n.id()), "nodes",
                            n.name() + " " + String.join(",", n.groups()) + (n.reachable() ? "" : " unreachable"), null, null, true));
                return out;
            }
            case "at" -> {
                out.add(new Candidate("node", "node", null, "at node ID", null, null, true));
                out.add(new Candidate("pick(", "pick(", null, "pick(\"group\")", null, null, false));
                for (NodeStatus n : shell.ops().operator().nodes())
                    out.add(new Candidate("\"" + n.name() + "\"", "\"" + n.name() + "\"", "nodes", "node " + n.id(), null, null, true));
                return out;
            }
            case "on" -> {
                out.add(new Candidate("new", "new", null, "a new channel", null, null, true));
                out.add(new Candidate("existing", "existing", null, "an existing channel", null, null, true));
                return out;
            }
            case "new", "existing", "channel", "get", "delete", "return", "handle" -> {
                return labels();
            }
            case "to" -> {
                if ("stream".equals(first) || "rebind".equals(first) || "attach".equals(first)) return labels();
                if ("migrate".equals(first)) return List.of(new Candidate("node", "node", null, null, null, null, true));
            }
            case ":" -> {
                if ("create".equals(first)) {
                    for (String m : shell.evaluator().moduleNames()) out.add(new Candidate(m, m, "modules", null, null, null, true));
                    return out;
                }
            }
            case "use" -> {
                return paths("\"");
            }
            case "create", "let", "proc", "fn", "module", "test", "register", "put" -> {
                return out; // a new name or a label comes next
            }
            case "until" -> {
                return expressions();
            }
            default -> {}
        }
        if (stmt.size() == 1 && ("wait".equals(first))) return List.of(new Candidate("until", "until", null, null, null, null, true));
        return expressions();
    }

    private List<Candidate> expressions() {
        List<Candidate> out = new ArrayList<>(names());
        for (String f : FUNCTIONS) out.add(new Candidate(f + "(", f + "(", "functions", null, null, null, false));
        for (String k : List.of("get", "invoke", "send", "true", "false", "null"))
            out.add(new Candidate(k, k, "expressions", null, null, null, true));
        return out;
    }

    /** Incarnations ({@code w[2]} included), other variables and procedures of the session. */
    private List<Candidate> names() {
        List<Candidate> out = new ArrayList<>();
        Map<String, RuntimeOperations.IncarnationHandle> incs = shell.incarnations();
        for (Map.Entry<String, RuntimeOperations.IncarnationHandle> e : incs.entrySet())
            out.add(new Candidate(e.getKey(), e.getKey(), "incarnations", e.getValue().module(), null, null, true));
        for (String v : shell.evaluator().globalNames())
            if (!incs.containsKey(v)) out.add(new Candidate(v, v, "variables", null, null, null, true));
        for (String p : shell.evaluator().procedureNames())
            out.add(new Candidate(p + "(", p + "(", "procedures", null, null, null, false));
        return out;
    }

    /** The interfaces an incarnation declared, and those it has now (linked ones included). */
    private Set<String> interfaces(RuntimeOperations.IncarnationHandle h) {
        Set<String> out = new LinkedHashSet<>();
        for (InterfaceSpec s : h.interfaces()) out.add(s.name());
        try {
            Status st = shell.ops().operator().status(h.ref());
            for (Status.PortStatus p : st.ports()) if (p.name() != null) out.add(p.name());
            for (Status.StreamStatus s : st.streams()) if (s.name() != null) out.add(s.name());
        } catch (RuntimeException gone) {
            // destroyed or unreachable: the declared ones will do
        }
        return out;
    }

    /** Channel and stream-space labels, quoted. */
    private List<Candidate> labels() {
        List<Candidate> out = new ArrayList<>();
        for (String l : shell.spaceLabels()) out.add(new Candidate("\"" + l + "\"", "\"" + l + "\"", "labels", null, null, null, true));
        return out;
    }

    /** File names under the folder written so far (relative to the current folder), quoted. */
    static List<Candidate> paths(String prefix) {
        String written = prefix.substring(1);
        int slash = written.lastIndexOf('/');
        String dirPart = slash >= 0 ? written.substring(0, slash + 1) : "";
        Path dir = dirPart.isEmpty() ? Path.of(".") : Path.of(dirPart);
        List<Candidate> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) continue;
                boolean isDir = Files.isDirectory(p);
                String value = "\"" + dirPart + name + (isDir ? "/" : "\"");
                out.add(new Candidate(value, name + (isDir ? "/" : ""), "files", null, null, null, !isDir));
            }
        } catch (IOException e) {
            // nothing to offer
        }
        out.sort(java.util.Comparator.comparing(Candidate::value));
        return out;
    }
}
