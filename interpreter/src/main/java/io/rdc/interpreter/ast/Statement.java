package io.rdc.interpreter.ast;

import io.rdc.interpreter.ast.Expression.RecordLiteral;
import io.rdc.interpreter.ast.Expression.StringTemplate;
import java.util.List;

/**
 * Statements: immutable records, one per statement form. Adding a statement means one grammar
 * alternative, one record here (the sealed interface makes the evaluator's switch fail to compile
 * until it handles it) and one visit method in {@link AstBuilder}.
 * Optional parts are null when absent.
 */
public sealed interface Statement extends Node {

    // ------------------------------------------------------------ configuration

    /** {@code module worker = "worker.js"} */
    record ModuleDeclaration(Position position, String name, Expression path) implements Statement {}

    /** {@code create w[i] : worker(args) inchoate at node 201 { interfaces }}; index and arguments may be null/empty. */
    record Create(Position position, String name, Expression index, String module, Position modulePosition,
                  List<Expression> arguments,
                  boolean inchoate, NodeTarget node, List<InterfaceDeclaration> interfaces) implements Statement {
        public Create {
            arguments = List.copyOf(arguments);
            interfaces = List.copyOf(interfaces);
        }
    }

    /** Where to put an incarnation: {@code node 201} (byId) or any expression yielding a node. */
    record NodeTarget(Position position, boolean byId, Expression expression) {}

    /** {@code stream NAME to "label" handle "h"} or {@code port NAME on new|existing "label" handle "h"}. */
    record InterfaceDeclaration(Position position, InterfaceKind kind, String name, Expression label,
                                Expression handle) {}

    enum InterfaceKind { STREAM, PORT_ON_NEW_CHANNEL, PORT_ON_EXISTING_CHANNEL }

    /** {@code channel "label" unicast|multicast} */
    record ChannelDeclaration(Position position, Expression label, boolean multicast) implements Statement {}

    /** {@code link a.x to b.y} */
    record Link(Position position, Expression from, Expression to) implements Statement {}

    /** {@code unlink a.x from b.y} */
    record Unlink(Position position, Expression from, Expression to) implements Statement {}

    record Destroy(Position position, Expression target) implements Statement {}

    /** allocate COUNT from GROUP [within DURATION] (§3.4, inc_nodeAlloc); within may be null. */
    record Allocate(Position position, Expression count, Expression group, Expression within) implements Statement {}

    /** replace TARGET with MODULE [within DURATION] (issue 19): hot code replacement; within may be null. */
    record Replace(Position position, Expression target, String module, boolean quiescent, Expression within) implements Statement {}

    /** release NODE (§3.4): gives an allocated node back to the pool. */
    record Release(Position position, NodeTarget node) implements Statement {}

    /** withdraw NODE notice DURATION [and destroy] (§3.4). */
    record Withdraw(Position position, NodeTarget node, Expression notice, boolean destroyRest) implements Statement {}

    /**
     * nodes create COUNT [group G] [host H] [within T] [as NAME] | nodes find | nodes destroy NODE | nodes stop
     * (SR's srx operations on on-demand nodes; {@code argument} is the count or the node, {@code options} group and host).
     */
    record Nodes(Position position, String op, Expression argument, java.util.Map<String, Expression> options, Expression within, String as)
            implements Statement {}

    /** depend CHILD on PARENT [absolute|group|none] (§7.3.1). */
    record Depend(Position position, Expression child, Expression parent, String mode) implements Statement {}

    record Freeze(Position position, Expression target) implements Statement {}

    /** {@code unfreeze X priority N}; priority may be null. */
    record Unfreeze(Position position, Expression target, Expression priority) implements Statement {}

    // ------------------------------------------------------------ stream space and name service

    /** {@code put "label" = EXPR copies N|unlimited|dontcache}; copies null = default (one copy). */
    record Put(Position position, Expression label, Expression value, Copies copies) implements Statement {}

    /** count is null for {@code unlimited} and for {@code dontcache}. */
    record Copies(Position position, Expression count, boolean unlimited, boolean dontCache) {}

    /** {@code return "label"}: give a reference taken with get back to the stream space. */
    record ReturnReference(Position position, Expression label) implements Statement {}

    record DeleteReference(Position position, Expression label) implements Statement {}

    /** {@code register "name" EXPR [for "rdc", ...]} in the name service; readers empty: every RDC may look it up. */
    record Register(Position position, Expression name, Expression value, List<Expression> readers) implements Statement {}

    /** {@code unregister "name"}: the session's RDC deletes a name it registered. */
    record Unregister(Position position, Expression name) implements Statement {}

    /**
     * {@code allow bob}, {@code disallow bob} (who else acts in the session's RDC; its owner only) and
     * {@code revoke tokens of bob} (the control plane's tokens of that operator; docs/security.md).
     */
    record OperatorAccess(Position position, AccessChange change, StringTemplate operator) implements Statement {}

    enum AccessChange { ALLOW, DISALLOW, REVOKE_TOKENS }

    // ------------------------------------------------------------ observation

    record Show(Position position, ShowTarget target) implements Statement {}

    enum ShowTarget { NODES, INCARNATIONS, CHANNELS, SPACE, EVENTS, RDCS, ALLOCATION }

    /** {@code rdc "NAME"}: this session acts in the RDC of that name (created by the first session to name it). */
    record UseRdc(Position position, Expression.StringTemplate name) implements Statement {}

    /** {@code detach}: the session ends without ending its RDC, even one launched attached. */
    record Detach(Position position) implements Statement {}

    /** {@code limits {handler: 200ms, memory: 64}}: the session's RDC's own bounds (memory in MB; 0 or absent: the nodes'). */
    record Limits(Position position, Expression record) implements Statement {}

    /** {@code terminate rdc "NAME"}: destroys every incarnation of the RDC and ends it (the dissertation's rdcExit). */
    record TerminateRdc(Position position, Expression.StringTemplate name) implements Statement {}

    record Inspect(Position position, Expression target) implements Statement {}

    /** {@code web [PORT]}: serve the live web view of the pool (the shell's); port null when not given. */
    record Web(Position position, Expression port) implements Statement {}

    // ------------------------------------------------------------ pure language

    record Let(Position position, String name, Expression value) implements Statement {}

    record Assign(Position position, String name, Expression value) implements Statement {}

    /** elseBranch is null, or a block (possibly holding just another If). */
    record If(Position position, Expression condition, Block thenBranch, Block elseBranch) implements Statement {}

    record Forall(Position position, String variable, Expression iterable, Block body) implements Statement {}

    /** {@code proc} (no value) or {@code fn} ({@code function}: a call's value is what {@code yield} gives, else null). */
    record ProcDefinition(Position position, String name, List<String> parameters, Block body, boolean function) implements Statement {
        public ProcDefinition {
            parameters = List.copyOf(parameters);
        }
    }

    /** {@code yield EXPR}: ends the enclosing {@code fn} with that value. */
    record Yield(Position position, Expression value) implements Statement {}

    record Use(Position position, StringTemplate path) implements Statement {}

    record Print(Position position, List<Expression> values) implements Statement {
        public Print {
            values = List.copyOf(values);
        }
    }

    record ExpressionStatement(Position position, Expression expression) implements Statement {}

    // ------------------------------------------------------------ time

    record WaitUntil(Position position, Expression condition, Expression timeout) implements Statement {}

    record When(Position position, Expression condition, Block body) implements Statement {}

    record Sleep(Position position, Expression duration) implements Statement {}

    // ------------------------------------------------------------ scenario tests

    record Test(Position position, StringTemplate name, Block body) implements Statement {}

    /** message may be null. */
    record Assert(Position position, Expression condition, Expression message) implements Statement {}

    record ExpectError(Position position, StringTemplate text, Block body) implements Statement {}

    // ------------------------------------------------------------ reserved: parsed now, evaluated by later issues

    /** target may be null. */
    record Propagate(Position position, Expression target) implements Statement {}

    /**
     * {@code attach A to "chan" detach B moving queue}; detach may be null. The channel is a label
     * (a string), an interface or a reference from get/lookup.
     */
    record Attach(Position position, Expression target, Expression channel, Expression detach,
                  boolean movingQueue) implements Statement {}

    /**
     * {@code rebind "sh" to "chan" moving from "ph" | under failure}; movingFrom may be null. Each
     * part is a stream-space label (a string), an interface like {@code w.out} or a reference from get/lookup.
     */
    record Rebind(Position position, Expression stream, Expression channel, Expression movingFrom,
                  boolean underFailure) implements Statement {}

    record FreezeStream(Position position, Expression target) implements Statement {}

    record UnfreezeStream(Position position, Expression target) implements Statement {}

    /** client (null: every client, for withdrawal), peer (who takes the state over) and timeout may be null. */
    record Quiesce(Position position, Expression target, Expression client, Expression peer, Expression timeout) implements Statement {}

    /** timeout may be null. */
    record Migrate(Position position, Expression target, NodeTarget node, Expression timeout) implements Statement {}

    /** {@code fork X at NODE ports [p, ...] [as NAME]}; name may be null (the child is then X_fork). */
    record Fork(Position position, Expression target, NodeTarget node, List<String> ports, String name) implements Statement {
        public Fork {
            ports = List.copyOf(ports);
        }
    }

    record Checkpoint(Position position, Expression target, Expression file, boolean andDestroy) implements Statement {}

    /** module: restore under this module's code (a replacement right after), or null. */
    record Restore(Position position, Expression file, String name, NodeTarget node, String module) implements Statement {}

    // ------------------------------------------------------------ structure

    record Block(Position position, List<Statement> statements) {
        public Block {
            statements = List.copyOf(statements);
        }
    }
}
