package io.rdc.shell;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code help} and {@code help TOPIC}, cut from the language reference ({@code docs/language.md},
 * read from the rdc home folder or, failing that, the copy packaged with the shell), so the shell
 * never says something the reference does not.
 */
final class Help {
    private Help() {}

    record Section(String title, List<String> lines) {}

    private static List<Section> sections;

    static final String SHELL_COMMANDS = """
            Shell commands (everything else is a statement of the language):
              help [TOPIC]                   this text, or the reference for a statement or section
              graph                          incarnations by node, and stream → channel → port edges
              graph --dot FILE               the same as a Graphviz digraph (dot -Tsvg FILE)
              graph --mermaid FILE           the same as a Mermaid flowchart
              graph --json [FILE]            the same as JSON: nodes, incarnations, ports, streams, channels, edges
              watch VIEW [every 2s] [--count N]  redraw show VIEW (nodes, incarnations, channels, space, allocation) until Ctrl-C,
                                             or N frames; piped input: until the next input or its end
              watch inspect X [every 2s] [--count N]  the same for inspect X
              watch events [--count N]       print each event as it comes (incarnations' output too), N of them
              web [PORT]                     the live web view of the pool on http://127.0.0.1:PORT/ (default 7070; a statement)
              exit                           leave (also Ctrl-D); the pool shuts down
            Keys: Tab completes (statements, names, w[2], x.<interface>, labels, nodes, modules, paths);
              Up/Down and Ctrl-R search history (~/.rdc_history); an open { ( [ continues on the next line;
              Ctrl-C stops the running statement (wait, sleep, loops) and keeps the session.""";

    static synchronized List<Section> sections() {
        if (sections == null) sections = parse(load());
        return sections;
    }

    static String load() {
        String home = System.getProperty("rdc.home");
        if (home != null) {
            Path p = Path.of(home, "docs", "language.md");
            try {
                if (Files.isRegularFile(p)) return Files.readString(p);
            } catch (IOException ignored) {
                // fall back to the packaged copy
            }
        }
        try (InputStream in = Help.class.getResourceAsStream("language.md")) {
            if (in != null) return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException ignored) {
            // no reference available
        }
        return "";
    }

    static List<Section> parse(String markdown) {
        List<Section> out = new ArrayList<>();
        String title = "Overview";
        List<String> lines = new ArrayList<>();
        for (String line : markdown.split("\n", -1)) {
            if (line.startsWith("## ") || line.startsWith("### ")) {
                if (!lines.isEmpty()) out.add(new Section(title, trim(lines)));
                title = line.replaceFirst("^#+ ", "");
                lines = new ArrayList<>();
            } else if (!line.startsWith("# ")) {
                lines.add(line);
            }
        }
        if (!lines.isEmpty()) out.add(new Section(title, trim(lines)));
        return out;
    }

    private static List<String> trim(List<String> lines) {
        int a = 0, b = lines.size();
        while (a < b && lines.get(a).isBlank()) a++;
        while (b > a && lines.get(b - 1).isBlank()) b--;
        return List.copyOf(lines.subList(a, b));
    }

    /** Statement keywords: the first words of the reference's example lines. */
    static Set<String> statementKeywords() {
        Set<String> out = new LinkedHashSet<>();
        for (Section s : sections()) {
            boolean code = false;
            for (String l : s.lines()) {
                if (l.startsWith("```")) {
                    code = !code;
                    continue;
                }
                if (!code) continue;
                String w = l.strip().split("[\\s(\\[]", 2)[0];
                if (w.matches("[a-z]+") && ShellCompleter.KEYWORDS.contains(w)) out.add(w);
            }
        }
        return out;
    }

    static String text(String topic) {
        if (topic == null) {
            StringBuilder sb = new StringBuilder("rdc shell: statements of the rdc configuration language, one session.\n\n");
            sb.append("Statements: ").append(String.join(" ", statementKeywords())).append('\n');
            sb.append("Sections:   ");
            List<String> titles = new ArrayList<>();
            for (Section s : sections()) titles.add(s.title().toLowerCase(Locale.ROOT).split("[ (]")[0]);
            sb.append(String.join(" ", new LinkedHashSet<>(titles))).append("\n\n");
            sb.append("help STATEMENT (e.g. help create) or help SECTION (e.g. help errors) shows the reference.\n\n");
            return sb.append(SHELL_COMMANDS).toString();
        }
        String t = topic.toLowerCase(Locale.ROOT);
        if (ShellCommands.NAMES.contains(t)) return SHELL_COMMANDS;
        for (Section s : sections()) {
            String title = s.title().toLowerCase(Locale.ROOT);
            if (title.equals(t) || title.split("[ (]")[0].equals(t)) return "## " + s.title() + "\n\n" + String.join("\n", s.lines());
        }
        StringBuilder sb = new StringBuilder();
        String template = ShellCompleter.TEMPLATES.get(t);
        if (template != null) sb.append("usage: ").append(template).append("\n\n");
        for (Section s : sections()) {
            List<String> examples = new ArrayList<>(), prose = new ArrayList<>();
            boolean code = false;
            int open = 0;
            for (String l : s.lines()) {
                if (l.startsWith("```")) {
                    code = !code;
                    open = 0;
                    continue;
                }
                String stripped = l.strip();
                if (code && open > 0) { // the rest of a multi-line example
                    examples.add(l);
                    open += ShellParser.openBrackets(l);
                } else if (code && (stripped.equals(t) || stripped.startsWith(t + " ") || stripped.startsWith(t + "(")
                        || stripped.matches("(let \\w+ = )?" + java.util.regex.Pattern.quote(t) + "\\b.*"))) {
                    examples.add(l);
                    open = Math.max(0, ShellParser.openBrackets(l));
                } else if (!code && l.contains("`" + t)) prose.add(l);
            }
            if (examples.isEmpty() && prose.isEmpty()) continue;
            sb.append("## ").append(s.title()).append('\n');
            for (String e : examples) sb.append("  ").append(e).append('\n');
            if (!prose.isEmpty()) {
                if (!examples.isEmpty()) sb.append('\n');
                for (String p : prose) sb.append(p).append('\n');
            }
            sb.append('\n');
        }
        if (sb.isEmpty()) return "no help for " + topic + "; try help (the list of statements and sections)";
        return sb.toString().stripTrailing();
    }
}
