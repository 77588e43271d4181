package io.rdc.interpreter;

import io.rdc.interpreter.ast.Expression;
import io.rdc.interpreter.ast.Expression.BinaryOperator;
import io.rdc.interpreter.ast.ExpressionFormatter;
import io.rdc.interpreter.ast.Position;
import io.rdc.interpreter.ast.Script;
import io.rdc.interpreter.ast.ScriptParser;
import io.rdc.interpreter.ast.Statement;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Runs AST against an {@link Operations}. The pure language (values, scopes, procedures, use,
 * print) is evaluated here; everything that touches the running system is one Operations call.
 * Not thread-safe: one evaluator per script or per test.
 *
 * <p>Why one file of this size: it is the one switch over the AST (statements and expressions) that
 * gives the language its meaning; split, each statement's meaning would sit apart from the scope and
 * error-position rules it shares with every other. The built-in functions live in {@link Builtins}.
 */
public final class Evaluator {

    /** Reads a used file; replaceable so tests need no file system. */
    @FunctionalInterface
    public interface SourceReader {
        String read(Path path) throws IOException;
    }

    /** Settings; the defaults suit `rdc run`. */
    public static final class Options {
        private PrintStream out = System.out;
        private Path stdlibRoot;
        private long stepBudget = Long.MAX_VALUE;
        private int maxCallDepth = 200;
        private SourceReader sourceReader = io.rdc.runtime.util.BoundedFiles::readSource;

        public Options out(PrintStream out) {
            this.out = out;
            return this;
        }

        /** Where {@code use "stdlib/x.rdc"} looks for {@code x.rdc}. */
        public Options stdlibRoot(Path stdlibRoot) {
            this.stdlibRoot = stdlibRoot;
            return this;
        }

        /** At most this many statements, loop iterations, calls and condition checks; exceeding it is an RdcError. */
        public Options stepBudget(long stepBudget) {
            this.stepBudget = stepBudget;
            return this;
        }

        public Options maxCallDepth(int maxCallDepth) {
            this.maxCallDepth = maxCallDepth;
            return this;
        }

        public Options sourceReader(SourceReader sourceReader) {
            this.sourceReader = sourceReader;
            return this;
        }

        private Progress progress = Progress.NONE;

        /** Where long statements report their progress (default: nowhere). */
        public Options progress(Progress progress) {
            this.progress = progress;
            return this;
        }

        private WebView webView;

        /** Who serves {@code web} (the shell); none: the statement fails saying where it works. */
        public Options webView(WebView webView) {
            this.webView = webView;
            return this;
        }

        public Options copy() {
            return new Options().out(out).stdlibRoot(stdlibRoot).stepBudget(stepBudget).maxCallDepth(maxCallDepth)
                    .sourceReader(sourceReader).progress(progress).webView(webView);
        }
    }

    private final Operations operations;
    private final Options options;
    private final Scope globals = new Scope(null);
    private final Map<String, String> sources = new HashMap<>();
    private final Set<Path> included = new HashSet<>();
    private final Set<String> modules = new LinkedHashSet<>();
    private final Map<String, Builtins.Builtin> builtins;
    private long steps;
    private int callDepth;

    public Evaluator(Operations operations, Options options) {
        this.operations = operations;
        this.options = options.copy();
        this.builtins = Builtins.standard(operations);
        adopt();
    }

    /** A session attached to an existing RDC starts with the names and modules earlier sessions gave. */
    private void adopt() {
        modules.addAll(operations.adoptedModules());
        for (Map.Entry<String, Object> e : operations.adopted().entrySet()) {
            String name = e.getKey();
            Handle handle = new Handle(e.getValue(), name);
            int bracket = name.indexOf('[');
            if (bracket <= 0 || !name.endsWith("]")) {
                globals.define(name, handle);
                continue;
            }
            String family = name.substring(0, bracket), index = name.substring(bracket + 1, name.length() - 1);
            Object key;
            try {
                key = Long.parseLong(index);
            } catch (NumberFormatException notANumber) {
                key = index.length() >= 2 && index.startsWith("\"") && index.endsWith("\"") ? index.substring(1, index.length() - 1) : index;
            }
            IncarnationFamily f = globals.get(family) instanceof IncarnationFamily existing ? existing : new IncarnationFamily(family);
            f.put(key, handle);
            globals.define(family, f);
        }
    }

    public Evaluator(Operations operations) {
        this(operations, new Options());
    }

    // ------------------------------------------------------------ entry points (errors leave with their source line)

    /** Parses and runs a script; its test blocks are skipped. */
    public void run(String source, String file) {
        execute(parse(source, file));
    }

    public Script parse(String source, String file) {
        registerSource(file, source);
        try {
            return ScriptParser.parseScript(source, file);
        } catch (RdcError error) {
            throw located(error);
        }
    }

    /** Lets errors in {@code file} show the offending line; {@link #parse} does this itself. */
    public void registerSource(String file, String source) {
        sources.put(file, source);
    }

    /** Runs a parsed script's top-level statements except test blocks. */
    public void execute(Script script) {
        guarded(new Position(script.file(), 1, 1), () -> {
            markIncluded(script.file());
            executeTopLevel(script.statements());
            return null;
        });
    }

    /** Runs one test block's body in a scope under the globals (call {@link #execute} first for the setup). */
    public void executeTest(Statement.Test test) {
        guarded(test.position(), () -> {
            executeStatements(test.body().statements(), new Scope(globals));
            return null;
        });
    }

    /** Evaluates a test's name (it may interpolate globals). */
    public String testName(Statement.Test test) {
        return guarded(test.position(), () -> interpolate(test.name(), globals));
    }

    /** Value of a global variable, or null; for tests and the shell. */
    public Object global(String name) {
        return globals.get(name);
    }

    /** Names of the global variables (sorted); for the shell's completion. */
    public java.util.SortedSet<String> globalNames() {
        return new java.util.TreeSet<>(globals.visibleVariables());
    }

    /** Names of the global procedures (sorted); for the shell's completion. */
    public java.util.SortedSet<String> procedureNames() {
        return new java.util.TreeSet<>(globals.visibleProcedures());
    }

    /** Modules declared so far, in declaration order; for the shell's completion. */
    public List<String> moduleNames() {
        return List.copyOf(modules);
    }

    public long stepsTaken() {
        return steps;
    }

    private <T> T guarded(Position start, Supplier<T> body) {
        try {
            return body.get();
        } catch (RdcError error) {
            throw located(error);
        } catch (StackOverflowError tooDeep) {
            throw located(new RdcError(start, "evaluation nested too deeply"));
        }
    }

    private RdcError located(RdcError error) {
        if (error.sourceLine() != null) {
            return error;
        }
        String source = sources.get(error.position().file());
        if (source == null) {
            return error;
        }
        String line = lineOf(source, error.position().line());
        return line == null ? error : error.withSourceLine(line);
    }

    /** The 1-based line of a source text without its line terminator, or null if there is no such line. */
    static String lineOf(String source, int line) {
        int start = 0;
        for (int i = 1; i < line; i++) {
            start = source.indexOf('\n', start) + 1;
            if (start == 0) {
                return null;
            }
        }
        if (line < 1) {
            return null;
        }
        int end = source.indexOf('\n', start);
        String text = end < 0 ? source.substring(start) : source.substring(start, end);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    // ------------------------------------------------------------ statements

    private void executeTopLevel(List<Statement> statements) {
        for (Statement statement : statements) {
            if (!(statement instanceof Statement.Test)) {
                execute(statement, globals);
            }
        }
    }

    private void executeStatements(List<Statement> statements, Scope scope) {
        for (Statement statement : statements) {
            execute(statement, scope);
        }
    }

    private void executeBlock(Statement.Block block, Scope scope) {
        executeStatements(block.statements(), new Scope(scope));
    }

    private void step(Position position) {
        if (++steps > options.stepBudget) {
            steps = options.stepBudget; // stays exceeded: every later step fails too, even inside `expect error`
            throw new RdcError(position, "step budget of " + options.stepBudget
                    + " exceeded (a loop or recursion ran too long)");
        }
        if (Thread.interrupted()) {
            throw new RdcError(position, "interrupted");
        }
    }

    private void execute(Statement statement, Scope scope) {
        step(statement.position());
        switch (statement) {
            case Statement.ModuleDeclaration module -> {
                String path = resolveWithStdlib(module.position(), text(module.path(), scope, "a module's file"), "declare module from").toString();
                operation(module.position(), "module " + module.name(), () -> {
                    operations.defineModule(module.name(), path);
                    return null;
                });
                modules.add(module.name());
            }
            case Statement.Create create -> executeCreate(create, scope);
            case Statement.ChannelDeclaration channel -> {
                String label = text(channel.label(), scope, "a channel's label");
                operation(channel.position(), "channel " + Values.quote(label), () -> {
                    operations.defineChannel(label, channel.multicast());
                    return null;
                });
            }
            case Statement.Link link -> {
                InterfaceRef from = interfaceRef(link.from(), scope, "link");
                InterfaceRef to = interfaceRef(link.to(), scope, "link");
                operation(link.position(), "link " + from + " to " + to, () -> {
                    operations.link(from.incarnation().reference(), from.name(), to.incarnation().reference(), to.name());
                    return null;
                });
            }
            case Statement.Unlink unlink -> {
                InterfaceRef from = interfaceRef(unlink.from(), scope, "unlink");
                InterfaceRef to = interfaceRef(unlink.to(), scope, "unlink");
                operation(unlink.position(), "unlink " + from + " from " + to, () -> {
                    operations.unlink(from.incarnation().reference(), from.name(), to.incarnation().reference(), to.name());
                    return null;
                });
            }
            case Statement.Destroy destroy -> {
                Handle target = incarnation(destroy.target(), scope, "destroy");
                operation(destroy.position(), "destroy " + target.description(), () -> {
                    operations.destroy(target.reference());
                    return null;
                });
            }
            case Statement.Allocate a -> printText(NodeAllocating.allocate(this, a, scope));
            case Statement.Replace r -> CodeReplacing.replace(this, r, scope);
            case Statement.Release r -> {
                Object node = node(r.node(), scope);
                printText(operation(r.position(), "release node " + node, () -> operations.release(node)));
            }
            case Statement.Withdraw w -> {
                Object node = node(w.node(), scope);
                long notice = duration(evaluate(w.notice(), scope), w.notice(), "notice");
                String said = operation(w.position(), "withdraw node " + node, () -> operations.withdraw(node, notice, w.destroyRest()));
                if (said != null) options.out.println(said);
            }
            case Statement.Nodes nodes -> NodesStatement.run(this, operations, options.out, nodes, scope);
            case Statement.Depend depend -> {
                Handle child = incarnation(depend.child(), scope, "depend");
                Handle parent = incarnation(depend.parent(), scope, "depend");
                operation(depend.position(), "depend " + child.description() + " on " + parent.description(), () -> {
                    operations.makeDependent(child.reference(), parent.reference(), depend.mode());
                    return null;
                });
            }
            case Statement.Freeze freeze -> {
                Handle target = incarnation(freeze.target(), scope, "freeze");
                operation(freeze.position(), "freeze " + target.description(), () -> {
                    operations.freeze(target.reference());
                    return null;
                });
            }
            case Statement.Unfreeze unfreeze -> {
                Handle target = incarnation(unfreeze.target(), scope, "unfreeze");
                Long priority = unfreeze.priority() == null ? null
                        : integer(evaluate(unfreeze.priority(), scope), unfreeze.priority(), "priority");
                operation(unfreeze.position(), "unfreeze " + target.description(), () -> {
                    operations.unfreeze(target.reference(), priority);
                    return null;
                });
            }
            case Statement.Put put -> executePut(put, scope);
            case Statement.ReturnReference returned -> {
                String label = text(returned.label(), scope, "a label");
                operation(returned.position(), "return " + Values.quote(label), () -> {
                    operations.returnReference(label);
                    return null;
                });
            }
            case Statement.DeleteReference delete -> {
                String label = text(delete.label(), scope, "a label");
                operation(delete.position(), "delete " + Values.quote(label), () -> {
                    operations.delete(label);
                    return null;
                });
            }
            case Statement.Register register -> {
                String name = text(register.name(), scope, "a registered name");
                Object value = toOperations(register.value(), evaluate(register.value(), scope));
                List<String> readers = new ArrayList<>();
                for (Expression reader : register.readers()) {
                    Object rdcs = evaluate(reader, scope); // a name, or a list of names
                    for (Object rdc : rdcs instanceof List<?> list ? list : List.of(rdcs)) {
                        if (!(rdc instanceof String s))
                            throw new RdcError(reader.position(), "register " + Values.quote(name) + " for: an RDC is named by a string, not a " + Values.typeName(rdc));
                        readers.add(s);
                    }
                }
                operation(register.position(), "register " + Values.quote(name), () -> {
                    operations.register(name, value, readers);
                    return null;
                });
            }
            case Statement.Unregister unregister -> {
                String name = text(unregister.name(), scope, "a registered name");
                operation(unregister.position(), "unregister " + Values.quote(name), () -> {
                    operations.unregister(name);
                    return null;
                });
            }
            case Statement.UseRdc use -> {
                String name = interpolate(use.name(), scope);
                operation(use.position(), "rdc " + Values.quote(name), () -> {
                    operations.useRdc(name);
                    return null;
                });
                adopt();
            }
            case Statement.Limits limits -> {
                long[] bounds = limitsOf(limits, evaluate(limits.record(), scope));
                printText(operation(limits.position(), "limits", () -> operations.limits(bounds[0], bounds[1])));
            }
            case Statement.Detach detach -> operation(detach.position(), "detach", () -> {
                operations.detach();
                return null;
            });
            case Statement.OperatorAccess access -> {
                String who = interpolate(access.operator(), scope);
                String what = switch (access.change()) {
                    case ALLOW -> "allow ";
                    case DISALLOW -> "disallow ";
                    case REVOKE_TOKENS -> "revoke tokens of ";
                };
                printText(operation(access.position(), what + Values.quote(who), () -> operations.operatorAccess(access.change(), who)));
            }
            case Statement.TerminateRdc terminate -> {
                String name = interpolate(terminate.name(), scope);
                printText(operation(terminate.position(), "terminate rdc " + Values.quote(name), () -> operations.terminateRdc(name)));
            }
            case Statement.Show show -> {
                String what = show.target().name().toLowerCase(java.util.Locale.ROOT);
                printText(operation(show.position(), "show " + what, () -> operations.show(what)));
            }
            case Statement.Inspect inspect -> {
                Object target = evaluate(inspect.target(), scope);
                printText(operation(inspect.position(), "inspect " + Values.format(target),
                        () -> operations.inspect(toOperations(inspect.target(), target))));
            }
            case Statement.Web web -> {
                Object port = web.port() == null ? (long) WebView.DEFAULT_PORT : evaluate(web.port(), scope);
                if (!(port instanceof Long p) || p < 0 || p > 65535)
                    throw new RdcError(web.position(), "web needs a port number from 0 to 65535 (0: a free one), not "
                            + (port instanceof String text ? Values.quote(text) : Values.format(port)));
                if (options.webView == null)
                    throw new RdcError(web.position(), "web serves the live view from the shell: use it in `rdc shell`, or run `rdc web`");
                printText(operation(web.position(), "web", () -> options.webView.start(p.intValue())));
            }
            case Statement.Let let -> scope.define(let.name(), evaluate(let.value(), scope));
            case Statement.Assign assign -> {
                Scope owner = scope.owner(assign.name());
                if (owner == null) {
                    throw new RdcError(assign.position(), "unknown name `" + assign.name() + "` (declare it with let)"
                            + Suggestions.didYouMean(assign.name(), scope.visibleVariables()));
                }
                owner.set(assign.name(), evaluate(assign.value(), scope));
            }
            case Statement.If conditional -> {
                if (bool(evaluate(conditional.condition(), scope), conditional.condition(), "if condition")) {
                    executeBlock(conditional.thenBranch(), scope);
                } else if (conditional.elseBranch() != null) {
                    executeBlock(conditional.elseBranch(), scope);
                }
            }
            case Statement.Forall forall -> {
                Object iterable = evaluate(forall.iterable(), scope);
                Iterator<Object> elements = iterate(iterable, forall.iterable());
                long total = switch (iterable) {
                    case List<?> l -> l.size();
                    case RangeValue r -> r.size();
                    case IncarnationFamily f -> f.members().size();
                    default -> -1;
                };
                String task = total >= 10 ? "forall " + forall.variable() + " in " + ExpressionFormatter.format(forall.iterable()) : null;
                long done = 0;
                try {
                    while (elements.hasNext()) {
                        step(forall.position());
                        Scope iteration = new Scope(scope);
                        iteration.define(forall.variable(), elements.next());
                        executeStatements(forall.body().statements(), iteration);
                        if (task != null) options.progress.update(task, ++done, total);
                    }
                } finally {
                    if (task != null) options.progress.finish(task);
                }
            }
            case Statement.ProcDefinition proc -> scope.defineProcedure(proc.name(), new Procedure(proc, scope));
            case Statement.Yield yielded -> throw new Yielded(evaluate(yielded.value(), scope));
            case Statement.Use use -> executeUse(use, scope);
            case Statement.Print print -> {
                List<String> parts = new ArrayList<>();
                for (Expression value : print.values()) {
                    parts.add(Values.format(evaluate(value, scope)));
                }
                options.out.println(String.join(" ", parts));
            }
            case Statement.ExpressionStatement expression -> evaluate(expression.expression(), scope);
            case Statement.WaitUntil wait -> executeWait(wait, scope);
            case Statement.When when -> operation(when.position(), "when", () -> {
                operations.when(() -> condition(when.condition(), scope, "when condition"),
                        () -> executeBlock(when.body(), scope));
                return null;
            });
            case Statement.Sleep sleep -> {
                long millis = duration(evaluate(sleep.duration(), scope), sleep.duration(), "sleep");
                operation(sleep.position(), "sleep", () -> {
                    operations.sleep(millis);
                    return null;
                });
            }
            case Statement.Test test -> throw new RdcError(test.position(), "test blocks belong at the top level of a file");
            case Statement.Assert assertion -> executeAssert(assertion, scope);
            case Statement.ExpectError expect -> executeExpectError(expect, scope);
            case Statement.Propagate s -> throw new RdcError(s.position(), "`propagate` is done by incarnations: they pass a port in a"
                    + " message (ctx.send(stream, {ref: port})) or through stream space (put/get); a script moves ports with `attach`");
            case Statement.Attach s -> {
                InterfaceRef port = interfaceRef(s.target(), scope, "attach");
                Object channel = place(s.channel(), scope, "attach … to", "a channel");
                InterfaceRef detach = s.detach() == null ? null : interfaceRef(s.detach(), scope, "attach … detach");
                operation(s.position(), "attach " + port + " to " + describePlace(channel), () -> {
                    operations.attach(port.incarnation().reference(), port.name(), channel,
                            detach == null ? null : detach.incarnation().reference(), detach == null ? null : detach.name(), s.movingQueue());
                    return null;
                });
            }
            case Statement.Rebind s -> {
                Object stream = place(s.stream(), scope, "rebind", "the stream to rebind");
                Object channel = place(s.channel(), scope, "rebind … to", "the new channel");
                Object from = s.movingFrom() == null ? null : place(s.movingFrom(), scope, "rebind … moving from", "the port to move queued messages from");
                operation(s.position(), "rebind " + describePlace(stream) + " to " + describePlace(channel), () -> {
                    operations.rebind(stream, channel, from, s.underFailure());
                    return null;
                });
            }
            case Statement.FreezeStream s -> {
                InterfaceRef stream = interfaceRef(s.target(), scope, "freeze stream");
                operation(s.position(), "freeze stream " + stream, () -> {
                    operations.freezeStream(stream.incarnation().reference(), stream.name(), true);
                    return null;
                });
            }
            case Statement.UnfreezeStream s -> {
                InterfaceRef stream = interfaceRef(s.target(), scope, "unfreeze stream");
                operation(s.position(), "unfreeze stream " + stream, () -> {
                    operations.freezeStream(stream.incarnation().reference(), stream.name(), false);
                    return null;
                });
            }
            case Statement.Quiesce s -> {
                Handle server = incarnation(s.target(), scope, "quiesce");
                String client = s.client() == null ? null : text(s.client(), scope, "a client");
                Handle peer = s.peer() == null ? null : incarnation(s.peer(), scope, "quiesce … to");
                long timeout = s.timeout() == null ? 30_000 : duration(evaluate(s.timeout(), scope), s.timeout(), "quiesce … within");
                operation(s.position(), "quiesce " + server.description() + (client == null ? "" : " for " + Values.quote(client)), () -> {
                    operations.quiesce(server.reference(), client, peer == null ? null : peer.reference(), timeout);
                    return null;
                });
            }
            case Statement.Migrate s -> {
                Handle target = incarnation(s.target(), scope, "migrate");
                Object node = node(s.node(), scope);
                long within = s.timeout() == null ? 10_000 : duration(evaluate(s.timeout(), scope), s.timeout(), "within");
                String said = operation(s.position(), "migrate " + target.description(), () -> operations.migrate(target.reference(), node, within));
                if (said != null) options.out.println(said);
            }
            case Statement.Fork s -> {
                Handle target = incarnation(s.target(), scope, "fork");
                Object node = node(s.node(), scope);
                String name = s.name() != null ? s.name() : target.description() + "_fork";
                Object child = operation(s.position(), "fork " + target.description(), () -> operations.fork(target.reference(), node, s.ports(), name));
                globals.define(name, new Handle(child, name));
            }
            case Statement.Checkpoint s -> {
                Handle target = incarnation(s.target(), scope, "checkpoint");
                // Not resolved against the script's directory: checkpoint files live in the pool's
                // checkpoint directory, and the node resolves (and confines) the name there.
                String file = text(s.file(), scope, "a checkpoint file");
                operation(s.position(), "checkpoint " + target.description(), () -> operations.checkpoint(target.reference(), file, s.andDestroy()));
            }
            case Statement.Restore s -> {
                String file = text(s.file(), scope, "a checkpoint file"); // in the checkpoint directory, as above
                Object node = node(s.node(), scope);
                Object restored = operation(s.position(), "restore " + Values.quote(file), () -> operations.restore(file, s.name(), node));
                globals.define(s.name(), new Handle(restored, s.name()));
                if (s.module() != null) // under new code: its upgrade sees the checkpoint's state before any message
                    operation(s.position(), "restore " + Values.quote(file) + " with " + s.module() + " (" + s.name() + " was restored and runs its old code)", () -> {
                        operations.replace(restored, s.module(), 10_000);
                        return null;
                    });
            }
        }
    }

    Operations operations() {
        return operations;
    }

    private void printText(String text) {
        if (text == null || text.isEmpty()) {
            return;
        }
        options.out.print(text.endsWith("\n") ? text : text + "\n");
    }

    private void executeCreate(Statement.Create create, Scope scope) {
        if (!modules.contains(create.module())) {
            throw new RdcError(create.modulePosition(), "unknown module `" + create.module() + "`"
                    + Suggestions.didYouMean(create.module(), modules)
                    + (modules.isEmpty() ? " (declare it first: module " + create.module() + " = \"file.js\")" : ""));
        }
        Object index = create.index() == null ? null : familyKey(evaluate(create.index(), scope), create.index());
        String name = index == null ? create.name() : create.name() + "[" + Values.repr(index) + "]";
        Scope owner = scope.owner(create.name());
        Object existing = owner == null ? null : owner.get(create.name());
        if (index != null && owner != null && !(existing instanceof IncarnationFamily)) {
            throw new RdcError(create.position(), "`" + create.name() + "` is already a " + Values.typeName(existing)
                    + ", so it cannot hold " + name);
        }
        List<Object> arguments = new ArrayList<>();
        for (Expression argument : create.arguments()) {
            arguments.add(toOperations(argument, evaluate(argument, scope)));
        }
        Object node = node(create.node(), scope);
        List<Operations.InterfaceSpec> interfaces = new ArrayList<>();
        for (Statement.InterfaceDeclaration declaration : create.interfaces()) {
            Operations.InterfaceSpec.Kind kind = Operations.InterfaceSpec.Kind.valueOf(declaration.kind().name());
            interfaces.add(new Operations.InterfaceSpec(kind, declaration.name(), text(declaration.label(), scope, "an interface's label"),
                    declaration.handle() == null ? null : text(declaration.handle(), scope, "a handle")));
        }
        Object reference = operation(create.position(), "create " + name, () -> operations.create(
                name, create.module(), arguments, create.inchoate(), node, interfaces));
        if (reference == null) {
            throw new RdcError(create.position(), "create " + name + " failed: the runtime returned no reference");
        }
        Handle handle = new Handle(reference, name);
        // Incarnation names are global, like Conic instance names: `create w[i]` inside a loop is visible after it.
        Scope target = owner != null ? owner : globals;
        if (index == null) {
            target.define(create.name(), handle);
        } else {
            IncarnationFamily family = existing instanceof IncarnationFamily f ? f : new IncarnationFamily(create.name());
            family.put(index, handle);
            target.define(create.name(), family);
        }
    }

    private Object node(Statement.NodeTarget target, Scope scope) {
        Object value = evaluate(target.expression(), scope);
        if (target.byId()) {
            return integer(value, target.expression(), "node id");
        }
        return toOperations(target.expression(), value);
    }

    private void executePut(Statement.Put put, Scope scope) {
        String label = text(put.label(), scope, "a label");
        Object value = toOperations(put.value(), evaluate(put.value(), scope));
        long copies = 1;
        boolean dontCache = false;
        if (put.copies() != null) {
            if (put.copies().unlimited()) {
                copies = Operations.UNLIMITED_COPIES;
            } else if (put.copies().dontCache()) {
                dontCache = true;
            } else {
                copies = integer(evaluate(put.copies().count(), scope), put.copies().count(), "copies");
                if (copies < 1) {
                    throw new RdcError(put.copies().count().position(), "copies must be at least 1, got " + copies);
                }
            }
        }
        long finalCopies = copies;
        boolean finalDontCache = dontCache;
        operation(put.position(), "put " + Values.quote(label), () -> {
            operations.put(label, value, finalCopies, finalDontCache);
            return null;
        });
    }

    private void executeUse(Statement.Use use, Scope scope) {
        String written = interpolate(use.path(), scope);
        Path path = resolveWithStdlib(use.position(), written, "use");
        if (!included.add(path.toAbsolutePath().normalize())) {
            return; // each file runs once, however often it is used
        }
        String source;
        try {
            source = options.sourceReader.read(path);
        } catch (IOException | RuntimeException unreadable) {
            throw new RdcError(use.position(), "cannot read " + Values.quote(path.toString()) + ": "
                    + (unreadable instanceof java.nio.file.NoSuchFileException ? "no such file" : unreadable.getMessage()));
        }
        String file = path.toString();
        registerSource(file, source);
        try {
            executeTopLevel(ScriptParser.parseScript(source, file).statements());
        } catch (RdcError error) {
            throw located(error).usedFrom(file, use.position());
        }
    }

    /** A path written in a script is relative to the directory of the file it is written in. */
    /**
     * A path as written in a script: {@code stdlib/x} from rdc's stdlib folder ({@code use
     * "stdlib/waits.rdc"}, {@code module balancer = "stdlib/balancer.js"}), anything else relative to
     * the script's folder.
     */
    private Path resolveWithStdlib(Position position, String written, String what) {
        if (!written.startsWith("stdlib/")) return resolve(position, written);
        if (options.stdlibRoot == null)
            throw new RdcError(position, "cannot " + what + " " + Values.quote(written) + ": no stdlib directory is configured");
        return toPath(position, written.substring("stdlib/".length()), options.stdlibRoot);
    }

    private Path resolve(Position position, String written) {
        Path directory;
        try {
            Path file = Path.of(position.file());
            directory = file.getParent() != null ? file.getParent() : Path.of("");
        } catch (InvalidPathException notAPath) {
            directory = Path.of("");
        }
        return toPath(position, written, directory);
    }

    private static Path toPath(Position position, String written, Path directory) {
        try {
            return directory.resolve(written).normalize();
        } catch (InvalidPathException invalid) {
            throw new RdcError(position, "invalid path " + Values.quote(written) + ": " + invalid.getReason());
        }
    }

    private void markIncluded(String file) {
        try {
            included.add(Path.of(file).toAbsolutePath().normalize());
        } catch (InvalidPathException notAPath) {
            // a script from the shell or a string has no file to include twice
        }
    }

    /** Retries its condition while it reads a value not there yet (a missing field); any other error ends the wait. */
    private void executeWait(Statement.WaitUntil wait, Scope scope) {
        long timeout = duration(evaluate(wait.timeout(), scope), wait.timeout(), "wait timeout");
        String task = "wait until " + ExpressionFormatter.format(wait.condition());
        long start = System.nanoTime();
        RdcError[] lastMissing = {null};
        boolean met;
        try {
            met = operation(wait.position(), "wait until", () -> operations.waitUntil(() -> {
                options.progress.update(task, (System.nanoTime() - start) / 1_000_000, timeout);
                try {
                    boolean holds = condition(wait.condition(), scope, "wait condition");
                    lastMissing[0] = null;
                    return holds;
                } catch (RdcError error) {
                    if (!error.isMissingValue()) {
                        throw error;
                    }
                    lastMissing[0] = error;
                    return false;
                }
            }, timeout));
        } finally {
            options.progress.finish(task);
        }
        if (!met) {
            throw new RdcError(wait.position(), "timed out after " + new DurationValue(timeout) + " waiting until "
                    + ExpressionFormatter.format(wait.condition())
                    + (lastMissing[0] == null ? "" : "; the condition could not be evaluated: " + lastMissing[0].getMessage()));
        }
    }

    private boolean condition(Expression condition, Scope scope, String what) {
        step(condition.position());
        return bool(evaluate(condition, scope), condition, what);
    }

    private void executeAssert(Statement.Assert assertion, Scope scope) {
        Expression condition = assertion.condition();
        String failure;
        if (condition instanceof Expression.Binary binary && binary.operator().isComparison()) {
            // evaluate the operands once, so a failure can show them without re-running side effects
            Object left = evaluate(binary.left(), scope);
            Object right = evaluate(binary.right(), scope);
            if (compareOperands(binary, left, right)) {
                return;
            }
            List<String> shown = new ArrayList<>();
            if (!ExpressionFormatter.isLiteral(binary.left())) {
                shown.add(ExpressionFormatter.format(binary.left()) + " = " + Values.repr(left));
            }
            if (!ExpressionFormatter.isLiteral(binary.right())) {
                shown.add(ExpressionFormatter.format(binary.right()) + " = " + Values.repr(right));
            }
            failure = "expected " + ExpressionFormatter.format(condition) + ", but "
                    + (shown.isEmpty() ? "it is false" : String.join(" and ", shown));
        } else {
            if (bool(evaluate(condition, scope), condition, "assert condition")) {
                return;
            }
            failure = "expected " + ExpressionFormatter.format(condition) + ", but it is false";
        }
        if (assertion.message() != null) {
            failure = Values.format(evaluate(assertion.message(), scope)) + " (" + failure + ")";
        }
        throw new RdcError(assertion.position(), failure);
    }

    private void executeExpectError(Statement.ExpectError expect, Scope scope) {
        String text = interpolate(expect.text(), scope);
        try {
            executeBlock(expect.body(), scope);
        } catch (RdcError error) {
            if (error.bareMessage().contains(text)) {
                return;
            }
            throw new RdcError(expect.position(), "expected an error containing " + Values.quote(text)
                    + ", but got: " + error.getMessage(), error);
        }
        throw new RdcError(expect.position(), "expected an error containing " + Values.quote(text)
                + ", but the block completed without error");
    }

    /** Calls the runtime; any non-RdcError failure becomes "<what> failed: <reason>" at this position. */
    static <T> T operation(Position position, String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (RdcError | Yielded passThrough) {
            throw passThrough;
        } catch (RuntimeException failure) {
            String reason = failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
            throw new RdcError(position, what + " failed: " + reason, failure);
        }
    }

    // ------------------------------------------------------------ expressions

    /** A {@code limits} record's handler bound (ms) and memory bound (bytes): {handler: DURATION, memory: MB}, each optional. */
    private static long[] limitsOf(Statement.Limits limits, Object value) {
        if (!(value instanceof java.util.Map<?, ?> record))
            throw new RdcError(limits.position(), "limits needs a record like {handler: 200ms, memory: 64} (memory in MB), not " + Values.format(value));
        long handler = 0, memory = 0;
        for (var e : record.entrySet()) {
            Object v = e.getValue();
            switch (String.valueOf(e.getKey())) {
                case "handler" -> {
                    if (!(v instanceof DurationValue d) || d.millis() <= 0)
                        throw new RdcError(limits.position(), "limits: handler needs a positive duration such as 200ms, not " + Values.format(v));
                    handler = d.millis();
                }
                case "memory" -> {
                    if (!(v instanceof Long mb) || mb < 0 || mb > (Long.MAX_VALUE >> 20))
                        throw new RdcError(limits.position(), "limits: memory needs a number of megabytes (0: none of the RDC's own), not " + Values.format(v));
                    memory = mb << 20;
                }
                default -> throw new RdcError(limits.position(), "limits: unknown bound '" + e.getKey() + "' (handler, memory)");
            }
        }
        return new long[] {handler, memory};
    }

    Object evaluate(Expression expression, Scope scope) {
        return switch (expression) {
            case Expression.IntegerLiteral literal -> literal.value();
            case Expression.DecimalLiteral literal -> literal.value();
            case Expression.DurationLiteral literal -> new DurationValue(literal.millis());
            case Expression.BooleanLiteral literal -> literal.value();
            case Expression.NullLiteral literal -> null;
            case Expression.StringTemplate template -> interpolate(template, scope);
            case Expression.ListLiteral list -> {
                List<Object> elements = new ArrayList<>(list.elements().size());
                for (Expression element : list.elements()) {
                    elements.add(evaluate(element, scope));
                }
                yield Values.list(elements);
            }
            case Expression.RecordLiteral record -> evaluateRecord(record, scope);
            case Expression.Identifier identifier -> variable(identifier, scope);
            case Expression.Member member -> member(evaluate(member.target(), scope), member);
            case Expression.Index index -> index(evaluate(index.target(), scope), evaluate(index.index(), scope), index);
            case Expression.Call call -> call(call, scope);
            case Expression.Coalesce coalesce -> {
                Object left = optional(coalesce.left(), scope);
                yield left == null || left == MISSING ? evaluate(coalesce.right(), scope) : left;
            }
            case Expression.Range range -> new RangeValue(
                    integer(evaluate(range.from(), scope), range.from(), "range start"),
                    integer(evaluate(range.to(), scope), range.to(), "range end"));
            case Expression.Unary unary -> unary(unary, evaluate(unary.operand(), scope));
            case Expression.Binary binary -> binary(binary, scope);
            case Expression.Get get -> {
                String label = text(get.label(), scope, "a label");
                yield Values.fromOperations(operation(get.position(), "get " + Values.quote(label),
                        () -> operations.get(label)), label);
            }
            case Expression.Invoke invoke -> {
                InterfaceRef target = interfaceRef(invoke.target(), scope, "invoke");
                Map<String, Object> head = messageHead(invoke.head(), scope);
                Object body = invoke.body() == null ? null : toOperations(invoke.body(), evaluate(invoke.body(), scope));
                yield Values.fromOperations(operation(invoke.position(), "invoke " + target,
                        () -> operations.invoke(target.incarnation().reference(), target.name(), head, body)),
                        "reply from " + target);
            }
            case Expression.Send send -> {
                InterfaceRef target = interfaceRef(send.target(), scope, "send");
                Map<String, Object> head = messageHead(send.head(), scope);
                Object body = send.body() == null ? null : toOperations(send.body(), evaluate(send.body(), scope));
                operation(send.position(), "send " + target, () -> {
                    operations.send(target.incarnation().reference(), target.name(), head, body);
                    return null;
                });
                yield null;
            }
        };
    }

    private Map<String, Object> evaluateRecord(Expression.RecordLiteral record, Scope scope) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Expression.RecordLiteral.Field field : record.fields()) {
            fields.put(field.name(), evaluate(field.value(), scope));
        }
        return Values.record(fields);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> messageHead(Expression.RecordLiteral head, Scope scope) {
        return (Map<String, Object>) toOperations(head, evaluateRecord(head, scope));
    }

    /** A label, name or file name: any expression giving a string (a literal is interpolated as usual). */
    private String text(Expression expression, Scope scope, String what) {
        if (expression instanceof Expression.StringTemplate template) {
            return interpolate(template, scope);
        }
        Object value;
        try {
            value = evaluate(expression, scope);
        } catch (RdcError error) {
            if ((expression instanceof Expression.Identifier || expression instanceof Expression.Member)
                    && error.bareMessage().startsWith("unknown name")) {
                // the usual slip: module w = worker.js, put t = ... without quotes
                throw new RdcError(error.position(), error.bareMessage() + " (" + what + " is a string: did you mean \""
                        + ExpressionFormatter.format(expression) + "\"?)");
            }
            throw error;
        }
        if (value instanceof String string) {
            return string;
        }
        throw new RdcError(expression.position(), what + " is a string, not a " + Values.typeName(value));
    }

    private String interpolate(Expression.StringTemplate template, Scope scope) {
        StringBuilder text = new StringBuilder();
        for (Expression.StringTemplate.Part part : template.parts()) {
            if (part instanceof Expression.StringTemplate.Text literal) {
                text.append(literal.text());
            } else if (part instanceof Expression.StringTemplate.Interpolation interpolation) {
                text.append(Values.format(evaluate(interpolation.expression(), scope)));
            }
            if (text.length() > Values.MAX_STRING_LENGTH) {
                throw new RdcError(template.position(), "string longer than " + Values.MAX_STRING_LENGTH + " characters");
            }
        }
        return text.toString();
    }

    private Object variable(Expression.Identifier identifier, Scope scope) {
        Scope owner = scope.owner(identifier.name());
        if (owner != null) {
            return owner.get(identifier.name());
        }
        if (scope.procedure(identifier.name()) != null || builtins.containsKey(identifier.name())) {
            throw new RdcError(identifier.position(), "`" + identifier.name() + "` is a procedure; call it with "
                    + identifier.name() + "(...)");
        }
        throw new RdcError(identifier.position(), "unknown name `" + identifier.name() + "`"
                + Suggestions.didYouMean(identifier.name(), scope.visibleVariables()));
    }

    private Object member(Object target, Expression.Member member) {
        return switch (target) {
            case Handle handle -> new InterfaceRef(handle, member.name());
            case Map<?, ?> record -> {
                if (!record.containsKey(member.name())) {
                    Set<String> fields = new TreeSet<>();
                    record.keySet().forEach(key -> fields.add((String) key));
                    throw RdcError.missing(member.position(), "record has no field `" + member.name() + "`"
                            + Suggestions.didYouMean(member.name(), fields));
                }
                yield record.get(member.name());
            }
            case IncarnationFamily family -> throw new RdcError(member.position(), "`" + family.name()
                    + "` is a family of incarnations; pick one first, e.g. " + family.name() + "[1]." + member.name());
            case null -> throw RdcError.missing(member.position(), "cannot take ." + member.name() + " of null");
            default -> throw new RdcError(member.position(), "cannot take ." + member.name() + " of a "
                    + Values.typeName(target));
        };
    }

    /** Marks a value that is not there, for {@code ??}. */
    private static final Object MISSING = new Object();

    /**
     * The value of {@code expression} for the left of {@code ??}: {@link #MISSING} where a chain of
     * fields and indexes reads a field a record lacks, or a field of null; anything else as usual.
     */
    private Object optional(Expression expression, Scope scope) {
        switch (expression) {
            case Expression.Member member -> {
                Object target = optional(member.target(), scope);
                if (target == MISSING || target == null || target instanceof Map<?, ?> record && !record.containsKey(member.name())) {
                    return MISSING;
                }
                return member(target, member);
            }
            case Expression.Index index -> {
                Object target = optional(index.target(), scope);
                if (target == MISSING || target == null) {
                    return MISSING;
                }
                Object key = evaluate(index.index(), scope);
                if (target instanceof Map<?, ?> record && key instanceof String field && !record.containsKey(field)) {
                    return MISSING;
                }
                return index(target, key, index);
            }
            default -> {
                return evaluate(expression, scope);
            }
        }
    }

    /** How {@code yield} leaves a function's body: caught by the call, never seen by users. */
    private static final class Yielded extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Object value;

        Yielded(Object value) {
            super(null, null, false, false);
            this.value = value;
        }
    }

    private Object index(Object target, Object index, Expression.Index expression) {
        switch (target) {
            case List<?> list -> {
                long i = integer(index, expression.index(), "list index");
                if (i < 0 || i >= list.size()) {
                    throw new RdcError(expression.position(), "index " + i + " is out of range for a list of length "
                            + list.size() + " (lists count from 0)");
                }
                return list.get((int) i);
            }
            case RangeValue range -> {
                long i = integer(index, expression.index(), "range index");
                if (i < 0 || i >= range.size()) {
                    throw new RdcError(expression.position(), "index " + i + " is out of range for " + range);
                }
                return range.from() + i;
            }
            case Map<?, ?> record -> {
                if (!(index instanceof String field)) {
                    throw new RdcError(expression.position(), "a record is indexed by a string, not a " + Values.typeName(index));
                }
                if (!record.containsKey(field)) {
                    Set<String> fields = new TreeSet<>();
                    record.keySet().forEach(key -> fields.add((String) key));
                    throw RdcError.missing(expression.position(), "record has no field `" + field + "`"
                            + Suggestions.didYouMean(field, fields));
                }
                return record.get(field);
            }
            case IncarnationFamily family -> {
                Object key = familyKey(index, expression.index());
                Handle member = family.members().get(key);
                if (member == null) {
                    throw new RdcError(expression.position(), family.name() + "[" + Values.repr(key) + "] does not exist ("
                            + family.name() + " has " + Values.formatKeys(family.members().keySet()) + ")");
                }
                return member;
            }
            case null, default -> throw new RdcError(expression.position(), "cannot index a " + Values.typeName(target));
        }
    }

    /** Family indices are integers or strings; 2.0 and 2 name the same member. */
    static Object familyKey(Object index, Expression expression) {
        if (index instanceof String) {
            return index;
        }
        if (index instanceof Number) {
            return integer(index, expression, "index");
        }
        throw new RdcError(expression.position(), "an incarnation index must be a number or string, not a "
                + Values.typeName(index));
    }

    private Object unary(Expression.Unary unary, Object operand) {
        return switch (unary.operator()) {
            case NOT -> !bool(operand, unary.operand(), "operand of not");
            case NEGATE -> switch (operand) {
                case Long l -> {
                    if (l == Long.MIN_VALUE) {
                        throw new RdcError(unary.position(), "integer overflow in negation");
                    }
                    yield -l;
                }
                case Double d -> -d;
                case null, default -> throw new RdcError(unary.position(), "cannot negate a " + Values.typeName(operand));
            };
        };
    }

    /** A left-deep chain ({@code 1 + 1 + …}) is evaluated along its left spine in a loop: 100,000 terms need no deep stack. */
    private Object binary(Expression.Binary binary, Scope scope) {
        java.util.ArrayDeque<Expression.Binary> spine = new java.util.ArrayDeque<>();
        Expression at = binary;
        while (at instanceof Expression.Binary b) {
            spine.push(b);
            at = b.left();
        }
        Object value = evaluate(at, scope);
        Expression valueOf = at;
        while (!spine.isEmpty()) {
            Expression.Binary b = spine.pop();
            value = binaryStep(b, value, valueOf, scope);
            valueOf = b;
        }
        return value;
    }

    private Object binaryStep(Expression.Binary binary, Object left, Expression leftExpression, Scope scope) {
        BinaryOperator operator = binary.operator();
        if (operator == BinaryOperator.AND || operator == BinaryOperator.OR) {
            boolean l = bool(left, leftExpression, "operand of " + operator.symbol());
            if (operator == BinaryOperator.AND ? !l : l) {
                return l; // short circuit
            }
            return bool(evaluate(binary.right(), scope), binary.right(), "operand of " + operator.symbol());
        }
        Object right = evaluate(binary.right(), scope);
        if (operator.isComparison()) {
            return compareOperands(binary, left, right);
        }
        return Arithmetic.apply(binary, left, right);
    }

    private boolean compareOperands(Expression.Binary binary, Object left, Object right) {
        return switch (binary.operator()) {
            case EQUAL -> Values.equal(left, right);
            case NOT_EQUAL -> !Values.equal(left, right);
            case LESS -> Arithmetic.compare(binary, left, right) < 0;
            case LESS_OR_EQUAL -> Arithmetic.compare(binary, left, right) <= 0;
            case GREATER -> Arithmetic.compare(binary, left, right) > 0;
            case GREATER_OR_EQUAL -> Arithmetic.compare(binary, left, right) >= 0;
            default -> throw new IllegalStateException("not a comparison: " + binary.operator());
        };
    }

    // ------------------------------------------------------------ calls

    private Object call(Expression.Call call, Scope scope) {
        Procedure procedure = scope.procedure(call.name());
        Builtins.Builtin builtin = procedure == null ? builtins.get(call.name()) : null;
        if (procedure == null && builtin == null) {
            Scope owner = scope.owner(call.name());
            if (owner != null) {
                throw new RdcError(call.position(), "`" + call.name() + "` is a " + Values.typeName(owner.get(call.name()))
                        + ", not a procedure");
            }
            Set<String> known = new TreeSet<>(scope.visibleProcedures());
            known.addAll(builtins.keySet());
            throw new RdcError(call.position(), "unknown procedure `" + call.name() + "`"
                    + Suggestions.didYouMean(call.name(), known));
        }
        List<Object> arguments = new ArrayList<>(call.arguments().size());
        for (Expression argument : call.arguments()) {
            arguments.add(evaluate(argument, scope));
        }
        if (builtin != null) {
            return builtin.apply(call, arguments);
        }
        return callProcedure(procedure, call, arguments);
    }

    private Object callProcedure(Procedure procedure, Expression.Call call, List<Object> arguments) {
        Statement.ProcDefinition definition = procedure.definition();
        if (arguments.size() != definition.parameters().size()) {
            throw new RdcError(call.position(), definition.name() + " takes " + count(definition.parameters().size(), "argument")
                    + ", got " + arguments.size());
        }
        step(call.position());
        if (callDepth >= options.maxCallDepth) {
            throw new RdcError(call.position(), "procedure calls nested more than " + options.maxCallDepth
                    + " deep (runaway recursion?)");
        }
        callDepth++;
        try {
            Scope local = new Scope(procedure.closure());
            for (int i = 0; i < arguments.size(); i++) {
                local.define(definition.parameters().get(i), arguments.get(i));
            }
            executeStatements(definition.body().statements(), local);
            return null;
        } catch (Yielded yielded) {
            return yielded.value;
        } catch (RdcError error) {
            throw located(error).calledFrom(definition.name(), call.position());
        } finally {
            callDepth--;
        }
    }

    static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    // ------------------------------------------------------------ coercions

    private static boolean bool(Object value, Expression expression, String what) {
        if (value instanceof Boolean b) {
            return b;
        }
        throw new RdcError(expression.position(), what + " must be a bool, not a " + Values.typeName(value)
                + " (" + Values.repr(value) + ")");
    }

    static long integer(Object value, Expression expression, String what) {
        if (value instanceof Long l) {
            return l;
        }
        if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.0e18) {
            return d.longValue();
        }
        throw new RdcError(expression.position(), what + " must be an integer, not a " + Values.typeName(value)
                + " (" + Values.repr(value) + ")");
    }

    static long duration(Object value, Expression expression, String what) {
        if (value instanceof DurationValue duration) {
            if (duration.millis() < 0) {
                throw new RdcError(expression.position(), what + " must not be negative, got " + duration);
            }
            return duration.millis();
        }
        throw new RdcError(expression.position(), what + " must be a duration like 5s or 200ms, not a "
                + Values.typeName(value) + " (" + Values.repr(value) + ")");
    }

    static Object toOperations(Expression expression, Object value) {
        try {
            return Values.toOperations(value);
        } catch (IllegalArgumentException tooLarge) {
            throw new RdcError(expression.position(), tooLarge.getMessage());
        }
    }

    private Handle incarnation(Expression expression, Scope scope, String operation) {
        Object value = evaluate(expression, scope);
        if (value instanceof Handle handle) {
            return handle;
        }
        throw new RdcError(expression.position(), operation + " needs an incarnation, not a " + Values.typeName(value)
                + " (" + Values.repr(value) + ")");
    }

    private InterfaceRef interfaceRef(Expression expression, Scope scope, String operation) {
        Object value = evaluate(expression, scope);
        if (value instanceof InterfaceRef ref) {
            return ref;
        }
        // A reference from get or lookup stands where an interface does: the runtime checks its kind
        // (a stream to send on, a port or port handle to link or attach, a stream handle to relink).
        if (value instanceof Handle handle) {
            return new InterfaceRef(handle, null);
        }
        throw new RdcError(expression.position(), operation + " needs a stream or port like w[1].out, or a reference from get or lookup, not a "
                + Values.typeName(value) + " (" + Values.repr(value) + ")");
    }

    /**
     * A channel, stream or port of attach and rebind as {@link Operations} takes it: a stream-space
     * label (a string), an interface ({@link InterfaceRef}) or a reference from get or lookup.
     */
    private Object place(Expression expression, Scope scope, String operation, String what) {
        Object value = evaluate(expression, scope);
        return switch (value) {
            case String label -> label;
            case InterfaceRef ref -> ref;
            case Handle handle -> handle.reference();
            case null, default -> throw new RdcError(expression.position(), operation + " needs " + what
                    + ": a stream-space label, an interface like w.out or a reference from get or lookup, not a "
                    + Values.typeName(value) + " (" + Values.repr(value) + ")");
        };
    }

    private static String describePlace(Object place) {
        return place instanceof String label ? Values.quote(label) : String.valueOf(place);
    }

    private Iterator<Object> iterate(Object value, Expression expression) {
        return switch (value) {
            case RangeValue range -> new Iterator<>() {
                private long next = range.from();
                private boolean done = range.size() == 0;

                @Override
                public boolean hasNext() {
                    return !done;
                }

                @Override
                public Object next() {
                    if (done) {
                        throw new NoSuchElementException();
                    }
                    long current = next;
                    if (current == range.to()) {
                        done = true;
                    } else {
                        next++;
                    }
                    return current;
                }
            };
            case List<?> list -> new ArrayList<Object>(list).iterator();
            case IncarnationFamily family -> new ArrayList<Object>(family.members().values()).iterator();
            case null, default -> throw new RdcError(expression.position(), "forall needs a range, list or incarnation family, not a "
                    + Values.typeName(value) + " (" + Values.repr(value) + ")");
        };
    }
}
