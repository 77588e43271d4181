package io.rdc.interpreter.ast;

import io.rdc.grammar.RdcBaseVisitor;
import io.rdc.grammar.RdcParser;
import io.rdc.interpreter.RdcError;
import io.rdc.interpreter.ast.Expression.BinaryOperator;
import io.rdc.interpreter.ast.Expression.RecordLiteral;
import io.rdc.interpreter.ast.Expression.StringTemplate;
import io.rdc.interpreter.ast.Statement.Block;
import io.rdc.interpreter.ast.Statement.InterfaceKind;
import io.rdc.interpreter.ast.Statement.NodeTarget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * Parse tree to immutable AST (the Trino AstBuilder shape): one visit method per labelled alternative.
 *
 * <p>Why one file of about 800 lines: it is the grammar's visitor, one short method per alternative of
 * {@code Rdc.g4}, kept beside each other so that a new statement is one method here next to its
 * neighbours; split, the visitor would be spread over classes that ANTLR's single base visitor cannot
 * delegate to without another layer.
 */
final class AstBuilder extends RdcBaseVisitor<Object> {
    private final String file;
    /** How many `fn` bodies enclose the statement being built: `yield` is only allowed inside one. */
    private int functionDepth;
    private final int lineOffset;
    private final int columnOffset;

    /** Offsets shift positions for code parsed out of a string interpolation (always a single line). */
    AstBuilder(String file, int lineOffset, int columnOffset) {
        this.file = file;
        this.lineOffset = lineOffset;
        this.columnOffset = columnOffset;
    }

    Script buildScript(RdcParser.ScriptContext context) {
        return new Script(file, statements(context.statementList()));
    }

    Expression buildExpression(RdcParser.ExprContext context) {
        return expression(context);
    }

    // ------------------------------------------------------------ helpers

    private Position position(Token token) {
        int line = token.getLine();
        return new Position(file, line + lineOffset, token.getCharPositionInLine() + 1 + (line == 1 ? columnOffset : 0));
    }

    private Position position(ParserRuleContext context) {
        return position(context.getStart());
    }

    private Statement statement(RdcParser.StatementContext context) {
        return (Statement) visit(context);
    }

    private Expression expression(RdcParser.ExprContext context) {
        return (Expression) visit(context);
    }

    private Expression optionalExpression(RdcParser.ExprContext context) {
        return context == null ? null : expression(context);
    }

    private List<Statement> statements(RdcParser.StatementListContext context) {
        List<Statement> result = new ArrayList<>();
        for (RdcParser.StatementContext statement : context.statement()) {
            result.add(statement(statement));
        }
        return result;
    }

    private Block block(RdcParser.BlockContext context) {
        return new Block(position(context), statements(context.statementList()));
    }

    private List<Expression> arguments(RdcParser.ArgumentsContext context) {
        List<Expression> result = new ArrayList<>();
        if (context != null) {
            for (RdcParser.ExprContext argument : context.expr()) {
                result.add(expression(argument));
            }
        }
        return result;
    }

    private StringTemplate string(RdcParser.StringLitContext context) {
        return context == null ? null : stringTemplate(context.STRING().getSymbol());
    }

    private NodeTarget nodeTarget(RdcParser.NodeExprContext context) {
        if (context instanceof RdcParser.NodeByIdContext byId) {
            return new NodeTarget(position(context), true, expression(byId.expr()));
        }
        return new NodeTarget(position(context), false, expression(((RdcParser.NodeByValueContext) context).expr()));
    }

    /** A word that the grammar accepts as any identifier but that only has meaning as one of a few choices. */
    private String oneOf(TerminalNode word, String what, String... choices) {
        String text = word.getText();
        if (Arrays.asList(choices).contains(text)) {
            return text;
        }
        throw new RdcError(position(word.getSymbol()), "unknown " + what + " `" + text + "`, expected "
                + (choices.length == 1 ? "`" + choices[0] + "`" : "one of " + String.join(", ", choices)));
    }

    // ------------------------------------------------------------ statements

    @Override
    public Object visitModuleStatement(RdcParser.ModuleStatementContext ctx) {
        return new Statement.ModuleDeclaration(position(ctx), ctx.IDENT().getText(), expression(ctx.file));
    }

    @Override
    public Object visitCreateStatement(RdcParser.CreateStatementContext ctx) {
        List<Statement.InterfaceDeclaration> interfaces = new ArrayList<>();
        if (ctx.interfaceBlock() != null) {
            for (RdcParser.InterfaceDeclarationContext declaration : ctx.interfaceBlock().interfaceDeclaration()) {
                interfaces.add((Statement.InterfaceDeclaration) visit(declaration));
            }
        }
        RdcParser.CreateTargetContext target = ctx.createTarget();
        return new Statement.Create(position(ctx), target.IDENT().getText(), optionalExpression(target.expr()),
                ctx.IDENT().getText(), position(ctx.IDENT().getSymbol()), arguments(ctx.arguments()), ctx.INCHOATE() != null, nodeTarget(ctx.nodeExpr()),
                interfaces);
    }

    @Override
    public Object visitStreamDeclaration(RdcParser.StreamDeclarationContext ctx) {
        return new Statement.InterfaceDeclaration(position(ctx), InterfaceKind.STREAM, ctx.memberName().getText(),
                expression(ctx.label), optionalExpression(ctx.handle));
    }

    @Override
    public Object visitPortDeclaration(RdcParser.PortDeclarationContext ctx) {
        InterfaceKind kind = ctx.NEW() != null ? InterfaceKind.PORT_ON_NEW_CHANNEL : InterfaceKind.PORT_ON_EXISTING_CHANNEL;
        return new Statement.InterfaceDeclaration(position(ctx), kind, ctx.memberName().getText(),
                expression(ctx.label), optionalExpression(ctx.handle));
    }

    @Override
    public Object visitChannelStatement(RdcParser.ChannelStatementContext ctx) {
        String mode = oneOf(ctx.IDENT(), "channel kind", "unicast", "multicast");
        return new Statement.ChannelDeclaration(position(ctx), expression(ctx.label), mode.equals("multicast"));
    }

    @Override
    public Object visitLinkStatement(RdcParser.LinkStatementContext ctx) {
        return new Statement.Link(position(ctx), expression(ctx.expr(0)), expression(ctx.expr(1)));
    }

    @Override
    public Object visitUnlinkStatement(RdcParser.UnlinkStatementContext ctx) {
        return new Statement.Unlink(position(ctx), expression(ctx.expr(0)), expression(ctx.expr(1)));
    }

    @Override
    public Object visitDestroyStatement(RdcParser.DestroyStatementContext ctx) {
        return new Statement.Destroy(position(ctx), expression(ctx.expr()));
    }

    @Override
    public Object visitFreezeStatement(RdcParser.FreezeStatementContext ctx) {
        return new Statement.Freeze(position(ctx), expression(ctx.expr()));
    }

    @Override
    public Object visitUnfreezeStatement(RdcParser.UnfreezeStatementContext ctx) {
        return new Statement.Unfreeze(position(ctx), expression(ctx.expr(0)),
                ctx.expr().size() > 1 ? expression(ctx.expr(1)) : null);
    }

    @Override
    public Object visitFreezeStreamStatement(RdcParser.FreezeStreamStatementContext ctx) {
        return new Statement.FreezeStream(position(ctx), expression(ctx.expr()));
    }

    @Override
    public Object visitUnfreezeStreamStatement(RdcParser.UnfreezeStreamStatementContext ctx) {
        return new Statement.UnfreezeStream(position(ctx), expression(ctx.expr()));
    }

    @Override
    public Object visitPutStatement(RdcParser.PutStatementContext ctx) {
        Statement.Copies copies = null;
        if (ctx.copiesClause() instanceof RdcParser.CopiesCountContext count) {
            copies = new Statement.Copies(position(count), optionalExpression(count.expr()), count.UNLIMITED() != null, false);
        } else if (ctx.copiesClause() instanceof RdcParser.CopiesDontCacheContext dontCache) {
            copies = new Statement.Copies(position(dontCache), null, false, true);
        }
        return new Statement.Put(position(ctx), expression(ctx.label), expression(ctx.value), copies);
    }

    @Override
    public Object visitReturnStatement(RdcParser.ReturnStatementContext ctx) {
        return new Statement.ReturnReference(position(ctx), expression(ctx.label));
    }

    @Override
    public Object visitDeleteStatement(RdcParser.DeleteStatementContext ctx) {
        return new Statement.DeleteReference(position(ctx), expression(ctx.label));
    }

    @Override
    public Object visitRegisterStatement(RdcParser.RegisterStatementContext ctx) {
        return new Statement.Register(position(ctx), expression(ctx.name), expression(ctx.value), ctx.readers.stream().map(this::expression).toList());
    }

    @Override
    public Object visitUnregisterStatement(RdcParser.UnregisterStatementContext ctx) {
        return new Statement.Unregister(position(ctx), expression(ctx.name));
    }

    @Override
    public Object visitShowStatement(RdcParser.ShowStatementContext ctx) {
        String what = oneOf(ctx.IDENT(), "thing to show", "nodes", "incarnations", "channels", "space", "events", "rdcs", "allocation");
        return new Statement.Show(position(ctx), Statement.ShowTarget.valueOf(what.toUpperCase(Locale.ROOT)));
    }

    @Override
    public Object visitAllowStatement(RdcParser.AllowStatementContext ctx) {
        Statement.AccessChange change = ctx.verb.getText().equals("allow") ? Statement.AccessChange.ALLOW : Statement.AccessChange.DISALLOW;
        return new Statement.OperatorAccess(position(ctx), change, operatorName(ctx.who, ctx.whoText));
    }

    @Override
    public Object visitRevokeTokensStatement(RdcParser.RevokeTokensStatementContext ctx) {
        oneOf(ctx.IDENT(1), "word after revoke", "tokens");
        oneOf(ctx.IDENT(2), "word after revoke tokens", "of");
        return new Statement.OperatorAccess(position(ctx), Statement.AccessChange.REVOKE_TOKENS, operatorName(ctx.who, ctx.whoText));
    }

    /** An operator's name: a bare word as written, or a string. */
    private StringTemplate operatorName(Token word, RdcParser.StringLitContext text) {
        if (text != null) return string(text);
        return new StringTemplate(position(word), List.of(new StringTemplate.Text(word.getText())));
    }

    @Override
    public Object visitRdcStatement(RdcParser.RdcStatementContext ctx) {
        return new Statement.UseRdc(position(ctx), string(ctx.stringLit()));
    }

    @Override
    public Object visitLimitsStatement(RdcParser.LimitsStatementContext ctx) {
        return new Statement.Limits(position(ctx), expression(ctx.expr()));
    }

    @Override
    public Object visitDetachStatement(RdcParser.DetachStatementContext ctx) {
        return new Statement.Detach(position(ctx));
    }

    @Override
    public Object visitTerminateStatement(RdcParser.TerminateStatementContext ctx) {
        oneOf(ctx.IDENT(1), "what to terminate", "rdc");
        return new Statement.TerminateRdc(position(ctx), string(ctx.stringLit()));
    }

    @Override
    public Object visitAllocateStatement(RdcParser.AllocateStatementContext ctx) {
        return new Statement.Allocate(position(ctx), expression(ctx.count), expression(ctx.group), ctx.waitFor == null ? null : expression(ctx.waitFor));
    }

    @Override
    public Object visitReplaceStatement(RdcParser.ReplaceStatementContext ctx) {
        oneOf(ctx.IDENT(1), "word", "with");
        if (ctx.quiescent != null) oneOf(ctx.IDENT(3), "word after the module", "quiescent");
        return new Statement.Replace(position(ctx), expression(ctx.target), ctx.module.getText(), ctx.quiescent != null,
                ctx.within == null ? null : expression(ctx.within));
    }

    @Override
    public Object visitReleaseStatement(RdcParser.ReleaseStatementContext ctx) {
        return new Statement.Release(position(ctx), nodeTarget(ctx.nodeExpr()));
    }

    @Override
    public Object visitWithdrawStatement(RdcParser.WithdrawStatementContext ctx) {
        oneOf(ctx.IDENT(1), "word", "notice");
        return new Statement.Withdraw(position(ctx), nodeTarget(ctx.nodeExpr()), expression(ctx.notice), ctx.getChild(ctx.getChildCount() - 1).getText().equals("destroy"));
    }

    @Override
    public Object visitNodesStatement(RdcParser.NodesStatementContext ctx) {
        String op = ctx.op.getText();
        if (!List.of("create", "find", "destroy", "stop").contains(op))
            throw new RdcError(position(ctx.op), "unknown nodes operation `" + op + "`, expected one of create, find, destroy, stop");
        boolean takesArgument = op.equals("create") || op.equals("destroy");
        if (takesArgument != (ctx.count != null))
            throw new RdcError(position(ctx), takesArgument ? "nodes " + op + " needs " + (op.equals("create") ? "how many nodes: nodes create 2" : "a node: nodes destroy 1001")
                    : "nodes " + op + " takes no argument");
        java.util.Map<String, Expression> options = new java.util.LinkedHashMap<>();
        for (int i = 0; i < ctx.words.size(); i++) {
            String word = ctx.words.get(i).getText();
            if (!op.equals("create") || !word.equals("group") && !word.equals("host"))
                throw new RdcError(position(ctx.words.get(i)), "nodes " + op + " takes no `" + word + "`" + (op.equals("create") ? ", expected group or host" : ""));
            if (options.put(word, expression(ctx.values.get(i))) != null) throw new RdcError(position(ctx.words.get(i)), "`" + word + "` is given twice");
        }
        if (ctx.name != null && !op.equals("create")) throw new RdcError(position(ctx.name), "only nodes create names what it made (as NAME)");
        return new Statement.Nodes(position(ctx), op, optionalExpression(ctx.count), options, optionalExpression(ctx.within),
                ctx.name == null ? null : ctx.name.getText());
    }

    @Override
    public Object visitDependStatement(RdcParser.DependStatementContext ctx) {
        String mode = ctx.IDENT().size() > 1 ? oneOf(ctx.IDENT(1), "dependency", "absolute", "group", "none") : "absolute";
        return new Statement.Depend(position(ctx), expression(ctx.child), expression(ctx.parent), mode);
    }

    @Override
    public Object visitWebStatement(RdcParser.WebStatementContext ctx) {
        return new Statement.Web(position(ctx), ctx.expr() == null ? null : expression(ctx.expr()));
    }

    @Override
    public Object visitInspectStatement(RdcParser.InspectStatementContext ctx) {
        return new Statement.Inspect(position(ctx), expression(ctx.expr()));
    }

    @Override
    public Object visitLetStatement(RdcParser.LetStatementContext ctx) {
        return new Statement.Let(position(ctx), ctx.IDENT().getText(), expression(ctx.expr()));
    }

    @Override
    public Object visitAssignStatement(RdcParser.AssignStatementContext ctx) {
        return new Statement.Assign(position(ctx), ctx.IDENT().getText(), expression(ctx.expr()));
    }

    @Override
    public Object visitIfStatementAlt(RdcParser.IfStatementAltContext ctx) {
        return ifStatement(ctx.ifStatement());
    }

    private Statement.If ifStatement(RdcParser.IfStatementContext ctx) {
        Block elseBranch = null;
        if (ctx.ifStatement() != null) {
            Statement.If nested = ifStatement(ctx.ifStatement());
            elseBranch = new Block(nested.position(), List.of(nested));
        } else if (ctx.block().size() > 1) {
            elseBranch = block(ctx.block(1));
        }
        return new Statement.If(position(ctx), expression(ctx.expr()), block(ctx.block(0)), elseBranch);
    }

    @Override
    public Object visitForallStatement(RdcParser.ForallStatementContext ctx) {
        return new Statement.Forall(position(ctx), ctx.IDENT().getText(), expression(ctx.expr()), block(ctx.block()));
    }

    @Override
    public Object visitProcStatement(RdcParser.ProcStatementContext ctx) {
        List<String> parameters = parameters(ctx.parameters());
        return new Statement.ProcDefinition(position(ctx), ctx.IDENT().getText(), parameters, outsideFunction(ctx.block()), false);
    }

    /** A body that runs on its own (a proc's, a `when`'s) is no part of an enclosing fn: `yield` there is refused. */
    private Statement.Block outsideFunction(RdcParser.BlockContext ctx) {
        int saved = functionDepth;
        functionDepth = 0;
        try {
            return block(ctx);
        } finally {
            functionDepth = saved;
        }
    }

    /** {@code fn f(x) { … yield v }}, or {@code fn f(x) = v} for a body that is one yield. */
    @Override
    public Object visitFnStatement(RdcParser.FnStatementContext ctx) {
        List<String> parameters = parameters(ctx.parameters());
        functionDepth++;
        try {
            Statement.Block body = ctx.block() != null ? block(ctx.block())
                    : new Statement.Block(position(ctx.expr()), List.of(new Statement.Yield(position(ctx.expr()), expression(ctx.expr()))));
            return new Statement.ProcDefinition(position(ctx), ctx.IDENT().getText(), parameters, body, true);
        } finally {
            functionDepth--;
        }
    }

    @Override
    public Object visitYieldStatement(RdcParser.YieldStatementContext ctx) {
        if (functionDepth == 0) {
            throw new RdcError(position(ctx), "`yield` gives the value of a function, so it belongs inside `fn name(…) { … }`"
                    + " (to give a copy back to stream space, write `return \"label\"`)");
        }
        return new Statement.Yield(position(ctx), expression(ctx.expr()));
    }

    private List<String> parameters(RdcParser.ParametersContext ctx) {
        List<String> parameters = new ArrayList<>();
        if (ctx != null) {
            for (TerminalNode parameter : ctx.IDENT()) {
                if (parameters.contains(parameter.getText())) {
                    throw new RdcError(position(parameter.getSymbol()), "parameter `" + parameter.getText() + "` appears twice");
                }
                parameters.add(parameter.getText());
            }
        }
        return parameters;
    }

    @Override
    public Object visitUseStatement(RdcParser.UseStatementContext ctx) {
        return new Statement.Use(position(ctx), string(ctx.stringLit()));
    }

    @Override
    public Object visitWaitStatement(RdcParser.WaitStatementContext ctx) {
        return new Statement.WaitUntil(position(ctx), expression(ctx.expr(0)), expression(ctx.expr(1)));
    }

    @Override
    public Object visitWhenStatement(RdcParser.WhenStatementContext ctx) {
        return new Statement.When(position(ctx), expression(ctx.expr()), outsideFunction(ctx.block()));
    }

    @Override
    public Object visitSleepStatement(RdcParser.SleepStatementContext ctx) {
        return new Statement.Sleep(position(ctx), expression(ctx.expr()));
    }

    @Override
    public Object visitPrintStatement(RdcParser.PrintStatementContext ctx) {
        List<Expression> values = new ArrayList<>();
        for (RdcParser.ExprContext value : ctx.expr()) {
            values.add(expression(value));
        }
        return new Statement.Print(position(ctx), values);
    }

    @Override
    public Object visitTestStatement(RdcParser.TestStatementContext ctx) {
        return new Statement.Test(position(ctx), string(ctx.stringLit()), block(ctx.block()));
    }

    @Override
    public Object visitAssertStatement(RdcParser.AssertStatementContext ctx) {
        return new Statement.Assert(position(ctx), expression(ctx.expr(0)),
                ctx.expr().size() > 1 ? expression(ctx.expr(1)) : null);
    }

    @Override
    public Object visitExpectErrorStatement(RdcParser.ExpectErrorStatementContext ctx) {
        return new Statement.ExpectError(position(ctx), string(ctx.stringLit()), block(ctx.block()));
    }

    @Override
    public Object visitPropagateStatement(RdcParser.PropagateStatementContext ctx) {
        return new Statement.Propagate(position(ctx), optionalExpression(ctx.expr()));
    }

    @Override
    public Object visitAttachStatement(RdcParser.AttachStatementContext ctx) {
        boolean movingQueue = ctx.MOVING() != null && oneOf(ctx.IDENT(), "thing to move", "queue") != null;
        return new Statement.Attach(position(ctx), expression(ctx.expr(0)), expression(ctx.expr(1)),
                ctx.expr().size() > 2 ? expression(ctx.expr(2)) : null, movingQueue);
    }

    @Override
    public Object visitRebindStatement(RdcParser.RebindStatementContext ctx) {
        boolean underFailure = ctx.IDENT() != null && oneOf(ctx.IDENT(), "rebind condition", "failure") != null;
        return new Statement.Rebind(position(ctx), expression(ctx.expr(0)), expression(ctx.expr(1)),
                ctx.expr().size() > 2 ? expression(ctx.expr(2)) : null, underFailure);
    }

    @Override
    public Object visitQuiesceStatement(RdcParser.QuiesceStatementContext ctx) {
        return new Statement.Quiesce(position(ctx), expression(ctx.target), optionalExpression(ctx.client),
                ctx.peer == null ? null : expression(ctx.peer), ctx.timeout == null ? null : expression(ctx.timeout));
    }

    @Override
    public Object visitMigrateStatement(RdcParser.MigrateStatementContext ctx) {
        return new Statement.Migrate(position(ctx), expression(ctx.expr(0)), nodeTarget(ctx.nodeExpr()),
                ctx.expr().size() > 1 ? expression(ctx.expr(1)) : null);
    }

    @Override
    public Object visitForkStatement(RdcParser.ForkStatementContext ctx) {
        List<String> ports = new ArrayList<>();
        for (RdcParser.MemberNameContext port : ctx.memberName()) {
            ports.add(port.getText());
        }
        return new Statement.Fork(position(ctx), expression(ctx.expr()), nodeTarget(ctx.nodeExpr()), ports,
                ctx.IDENT() == null ? null : ctx.IDENT().getText());
    }

    @Override
    public Object visitCheckpointStatement(RdcParser.CheckpointStatementContext ctx) {
        return new Statement.Checkpoint(position(ctx), expression(ctx.target), expression(ctx.file),
                ctx.getChildCount() > 4); // `and destroy` adds two children
    }

    @Override
    public Object visitRestoreStatement(RdcParser.RestoreStatementContext ctx) {
        if (ctx.word != null) oneOf(ctx.IDENT(1), "word", "with");
        return new Statement.Restore(position(ctx), expression(ctx.file), ctx.name.getText(),
                nodeTarget(ctx.nodeExpr()), ctx.module == null ? null : ctx.module.getText());
    }

    @Override
    public Object visitExpressionStatement(RdcParser.ExpressionStatementContext ctx) {
        Expression expression = expression(ctx.expr());
        if (ctx.getChild(0) instanceof TerminalNode call && call.getText().equals("call")
                && !(expression instanceof Expression.Call)) {
            throw new RdcError(expression.position(), "`call` must be followed by a procedure call like addPrinter()");
        }
        return new Statement.ExpressionStatement(position(ctx), expression);
    }

    // ------------------------------------------------------------ expressions

    @Override
    public Object visitPrimaryExpr(RdcParser.PrimaryExprContext ctx) {
        return visit(ctx.primary());
    }

    @Override
    public Object visitMemberExpr(RdcParser.MemberExprContext ctx) {
        return new Expression.Member(position(ctx.memberName()), expression(ctx.expr()), ctx.memberName().getText());
    }

    @Override
    public Object visitIndexExpr(RdcParser.IndexExprContext ctx) {
        return new Expression.Index(position(ctx.expr(1)), expression(ctx.expr(0)), expression(ctx.expr(1)));
    }

    @Override
    public Object visitNegateExpr(RdcParser.NegateExprContext ctx) {
        return new Expression.Unary(position(ctx), Expression.UnaryOperator.NEGATE, expression(ctx.expr()));
    }

    @Override
    public Object visitNotExpr(RdcParser.NotExprContext ctx) {
        return new Expression.Unary(position(ctx), Expression.UnaryOperator.NOT, expression(ctx.expr()));
    }

    @Override
    public Object visitMultiplicativeExpr(RdcParser.MultiplicativeExprContext ctx) {
        return binaryChain(ctx);
    }

    @Override
    public Object visitAdditiveExpr(RdcParser.AdditiveExprContext ctx) {
        return binaryChain(ctx);
    }

    @Override
    public Object visitComparisonExpr(RdcParser.ComparisonExprContext ctx) {
        return binaryChain(ctx);
    }

    @Override
    public Object visitAndExpr(RdcParser.AndExprContext ctx) {
        return binaryChain(ctx);
    }

    @Override
    public Object visitOrExpr(RdcParser.OrExprContext ctx) {
        return binaryChain(ctx);
    }

    @Override
    public Object visitCoalesceExpr(RdcParser.CoalesceExprContext ctx) {
        return new Expression.Coalesce(position(ctx.getChild(1) instanceof TerminalNode op ? op.getSymbol() : ctx.getStart()),
                expression(ctx.expr(0)), expression(ctx.expr(1)));
    }

    /** The operator token of a binary alternative, or null for any other expression. */
    private static Token binaryOperator(RdcParser.ExprContext ctx) {
        return switch (ctx) {
            case RdcParser.MultiplicativeExprContext c -> c.op;
            case RdcParser.AdditiveExprContext c -> c.op;
            case RdcParser.ComparisonExprContext c -> c.op;
            case RdcParser.AndExprContext c -> c.op;
            case RdcParser.OrExprContext c -> c.op;
            default -> null;
        };
    }

    /**
     * Binary operators are left-associative, so a long chain ({@code 1 + 1 + …}, {@code a and b and …})
     * is a left-deep tree: walk its left spine in a loop, not by recursion, so chains of 100,000 terms build.
     */
    private Expression binaryChain(RdcParser.ExprContext ctx) {
        java.util.ArrayDeque<RdcParser.ExprContext> spine = new java.util.ArrayDeque<>();
        RdcParser.ExprContext at = ctx;
        while (binaryOperator(at) != null) {
            spine.push(at);
            at = at.getRuleContext(RdcParser.ExprContext.class, 0);
        }
        Expression result = expression(at);
        while (!spine.isEmpty()) {
            RdcParser.ExprContext b = spine.pop();
            result = binary(binaryOperator(b), result, expression(b.getRuleContext(RdcParser.ExprContext.class, 1)));
        }
        return result;
    }

    /** Binary nodes sit at their operator, so "cannot add list to number" points at the `+`. */
    private Expression binary(Token operator, Expression left, Expression right) {
        BinaryOperator op = switch (operator.getText()) {
            case "+" -> BinaryOperator.ADD;
            case "-" -> BinaryOperator.SUBTRACT;
            case "*" -> BinaryOperator.MULTIPLY;
            case "/" -> BinaryOperator.DIVIDE;
            case "%" -> BinaryOperator.MODULO;
            case "==" -> BinaryOperator.EQUAL;
            case "!=" -> BinaryOperator.NOT_EQUAL;
            case "<" -> BinaryOperator.LESS;
            case "<=" -> BinaryOperator.LESS_OR_EQUAL;
            case ">" -> BinaryOperator.GREATER;
            case ">=" -> BinaryOperator.GREATER_OR_EQUAL;
            case "and", "&&" -> BinaryOperator.AND;
            case "or", "||" -> BinaryOperator.OR;
            default -> throw new IllegalStateException("operator missing from AstBuilder: " + operator.getText());
        };
        return new Expression.Binary(position(operator), op, left, right);
    }

    @Override
    public Object visitRangeExpr(RdcParser.RangeExprContext ctx) {
        return new Expression.Range(position(ctx), expression(ctx.expr(0)), expression(ctx.expr(1)));
    }

    @Override
    public Object visitIntegerLiteral(RdcParser.IntegerLiteralContext ctx) {
        try {
            return new Expression.IntegerLiteral(position(ctx), Long.parseLong(ctx.getText()));
        } catch (NumberFormatException tooLarge) {
            throw new RdcError(position(ctx), "integer " + ctx.getText() + " is too large (at most " + Long.MAX_VALUE
                    + "; write it as a decimal like 1e20 if you need it)");
        }
    }

    @Override
    public Object visitDecimalLiteral(RdcParser.DecimalLiteralContext ctx) {
        double value = Double.parseDouble(ctx.getText());
        if (Double.isInfinite(value)) {
            throw new RdcError(position(ctx), "number " + ctx.getText() + " is too large");
        }
        return new Expression.DecimalLiteral(position(ctx), value);
    }

    @Override
    public Object visitDurationLiteral(RdcParser.DurationLiteralContext ctx) {
        String text = ctx.getText();
        int unitStart = text.length();
        while (unitStart > 0 && Character.isLetter(text.charAt(unitStart - 1))) {
            unitStart--;
        }
        double amount = Double.parseDouble(text.substring(0, unitStart));
        double unitMillis = switch (text.substring(unitStart)) {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            case "h" -> 3_600_000;
            default -> throw new IllegalStateException("unit missing from AstBuilder: " + text);
        };
        double millis = amount * unitMillis;
        if (millis > Long.MAX_VALUE / 2) {
            throw new RdcError(position(ctx), "duration " + text + " is too long");
        }
        return new Expression.DurationLiteral(position(ctx), Math.round(millis), text);
    }

    @Override
    public Object visitStringLiteral(RdcParser.StringLiteralContext ctx) {
        return string(ctx.stringLit());
    }

    @Override
    public Object visitBooleanLiteral(RdcParser.BooleanLiteralContext ctx) {
        return new Expression.BooleanLiteral(position(ctx), ctx.TRUE() != null);
    }

    @Override
    public Object visitNullLiteral(RdcParser.NullLiteralContext ctx) {
        return new Expression.NullLiteral(position(ctx));
    }

    @Override
    public Object visitListLiteral(RdcParser.ListLiteralContext ctx) {
        List<Expression> elements = new ArrayList<>();
        for (RdcParser.ExprContext element : ctx.expr()) {
            elements.add(expression(element));
        }
        return new Expression.ListLiteral(position(ctx), elements);
    }

    @Override
    public Object visitRecordLiteral(RdcParser.RecordLiteralContext ctx) {
        return record(ctx.record());
    }

    private RecordLiteral record(RdcParser.RecordContext ctx) {
        List<RecordLiteral.Field> fields = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (RdcParser.FieldContext field : ctx.field()) {
            String name = field.memberName() != null ? field.memberName().getText()
                    : constantString(field.STRING().getSymbol());
            if (seen.contains(name)) {
                throw new RdcError(position(field), "field `" + name + "` appears twice in this record");
            }
            seen.add(name);
            fields.add(new RecordLiteral.Field(position(field), name, expression(field.expr())));
        }
        return new RecordLiteral(position(ctx), fields);
    }

    @Override
    public Object visitCallExpr(RdcParser.CallExprContext ctx) {
        return new Expression.Call(position(ctx), ctx.IDENT().getText(), arguments(ctx.arguments()));
    }

    @Override
    public Object visitIdentifier(RdcParser.IdentifierContext ctx) {
        return new Expression.Identifier(position(ctx), ctx.getText());
    }

    @Override
    public Object visitParenExpr(RdcParser.ParenExprContext ctx) {
        return expression(ctx.expr());
    }

    @Override
    public Object visitGetExpr(RdcParser.GetExprContext ctx) {
        return new Expression.Get(position(ctx), (Expression) visit(ctx.primary()));
    }

    @Override
    public Object visitInvokeExpr(RdcParser.InvokeExprContext ctx) {
        return new Expression.Invoke(position(ctx), expression(ctx.expr(0)), record(ctx.record()),
                ctx.expr().size() > 1 ? expression(ctx.expr(1)) : null);
    }

    @Override
    public Object visitSendExpr(RdcParser.SendExprContext ctx) {
        return new Expression.Send(position(ctx), expression(ctx.expr(0)), record(ctx.record()),
                ctx.expr().size() > 1 ? expression(ctx.expr(1)) : null);
    }

    // ------------------------------------------------------------ strings

    private String constantString(Token token) {
        StringTemplate template = stringTemplate(token);
        String text = template.constantText();
        if (text == null) {
            throw new RdcError(position(token), "a field name cannot contain ${...}");
        }
        return text;
    }

    /** Splits a STRING token into text and `${expr}` parts, decoding escapes. Strings never span lines. */
    private StringTemplate stringTemplate(Token token) {
        String raw = token.getText();
        Position start = position(token);
        List<StringTemplate.Part> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int end = raw.length() - 1; // closing quote
        int i = 1;
        while (i < end) {
            char c = raw.charAt(i);
            if (c == '\\') {
                char escaped = raw.charAt(i + 1);
                text.append(switch (escaped) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case '"', '\\', '$' -> escaped;
                    default -> throw new RdcError(at(start, i), "unknown escape `\\" + escaped
                            + "` (known: \\n \\t \\r \\\" \\\\ \\$)");
                });
                i += 2;
            } else if (c == '$' && i + 1 < end && raw.charAt(i + 1) == '{') {
                int close = matchingBrace(raw, i + 1);
                String source = raw.substring(i + 2, close);
                if (source.isBlank()) {
                    throw new RdcError(at(start, i), "empty ${} in string");
                }
                if (!text.isEmpty()) {
                    parts.add(new StringTemplate.Text(text.toString()));
                    text.setLength(0);
                }
                Position inner = at(start, i + 2);
                parts.add(new StringTemplate.Interpolation(
                        ScriptParser.parseExpression(source, file, inner.line(), inner.column())));
                i = close + 1;
            } else {
                text.append(c);
                i++;
            }
        }
        if (!text.isEmpty() || parts.isEmpty()) {
            parts.add(new StringTemplate.Text(text.toString()));
        }
        return new StringTemplate(start, parts);
    }

    private static Position at(Position start, int offset) {
        return new Position(start.file(), start.line(), start.column() + offset);
    }

    /** Index of the `}` closing the `{` at {@code open}, skipping nested braces and strings (the lexer guarantees balance). */
    private static int matchingBrace(String raw, int open) {
        int depth = 0;
        boolean inString = false;
        for (int i = open; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalStateException("lexer accepted an unbalanced ${ in " + raw);
    }
}
