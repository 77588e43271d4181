package io.rdc.interpreter.ast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdc.interpreter.ast.Expression.BinaryOperator;
import io.rdc.interpreter.ast.Statement.InterfaceKind;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ParserTest {

    private static Statement single(String source) {
        Script script = ScriptParser.parseScript(source, "t.rdc");
        assertEquals(1, script.statements().size(), () -> "statements of " + source + ": " + script.statements());
        return script.statements().get(0);
    }

    private static Expression expression(String source) {
        return ScriptParser.parseExpression(source, "t.rdc");
    }

    static Stream<Arguments> everyStatement() {
        return Stream.of(
                Arguments.of("module worker = \"worker.js\"", Statement.ModuleDeclaration.class),
                Arguments.of("create s : sched at node 201", Statement.Create.class),
                Arguments.of("channel \"printer1\" multicast", Statement.ChannelDeclaration.class),
                Arguments.of("link a.out to b.in", Statement.Link.class),
                Arguments.of("unlink a.out from b.in", Statement.Unlink.class),
                Arguments.of("destroy w[4]", Statement.Destroy.class),
                Arguments.of("freeze w[1]", Statement.Freeze.class),
                Arguments.of("unfreeze w[1] priority 3", Statement.Unfreeze.class),
                Arguments.of("put \"docs\" = x copies 3", Statement.Put.class),
                Arguments.of("get \"docs\"", Statement.ExpressionStatement.class),
                Arguments.of("return \"docs\"", Statement.ReturnReference.class),
                Arguments.of("delete \"docs\"", Statement.DeleteReference.class),
                Arguments.of("register \"printing\" spool.in", Statement.Register.class),
                Arguments.of("register \"printing\" spool.in for \"office\", teams", Statement.Register.class),
                Arguments.of("unregister \"printing\"", Statement.Unregister.class),
                Arguments.of("allow bob", Statement.OperatorAccess.class),
                Arguments.of("disallow \"bob\"", Statement.OperatorAccess.class),
                Arguments.of("revoke tokens of bob", Statement.OperatorAccess.class),
                Arguments.of("allow = 2", Statement.Assign.class),
                Arguments.of("invoke w[1].tasks {n: 1} body [1, 2]", Statement.ExpressionStatement.class),
                Arguments.of("send w[1].tasks {n: 1}", Statement.ExpressionStatement.class),
                Arguments.of("show channels", Statement.Show.class),
                Arguments.of("inspect w[1]", Statement.Inspect.class),
                Arguments.of("web", Statement.Web.class),
                Arguments.of("web 8080", Statement.Web.class),
                Arguments.of("web = 2", Statement.Assign.class),
                Arguments.of("let x = 1", Statement.Let.class),
                Arguments.of("x = 2", Statement.Assign.class),
                Arguments.of("if x > 1 { print x } else { print 0 }", Statement.If.class),
                Arguments.of("forall i in 1..n { print i }", Statement.Forall.class),
                Arguments.of("proc add(a, b) { print a + b }", Statement.ProcDefinition.class),
                Arguments.of("add(1, 2)", Statement.ExpressionStatement.class),
                Arguments.of("call add(1, 2)", Statement.ExpressionStatement.class),
                Arguments.of("use \"stdlib/pool.rdc\"", Statement.Use.class),
                Arguments.of("wait until queue(s.in) == 0 within 10s", Statement.WaitUntil.class),
                Arguments.of("when queue(s.in) > 100 { call addPrinter() }", Statement.When.class),
                Arguments.of("sleep 200ms", Statement.Sleep.class),
                Arguments.of("print \"a\", 1, x", Statement.Print.class),
                Arguments.of("test \"it works\" { assert 1 == 1 }", Statement.Test.class),
                Arguments.of("assert x == 3, \"x is three\"", Statement.Assert.class),
                Arguments.of("expect error \"not allocated\" { destroy w }", Statement.ExpectError.class),
                Arguments.of("propagate w[1]", Statement.Propagate.class),
                Arguments.of("attach spool2.in to \"printer1\" detach spool1.in moving queue", Statement.Attach.class),
                Arguments.of("rebind \"worker3\" to \"printer2\" moving from \"printer1.han\"", Statement.Rebind.class),
                Arguments.of("rebind \"worker3\" to \"printer2\" under failure", Statement.Rebind.class),
                Arguments.of("freeze stream w[1].out", Statement.FreezeStream.class),
                Arguments.of("unfreeze stream w[1].out", Statement.UnfreezeStream.class),
                Arguments.of("quiesce w[1] for \"client\"", Statement.Quiesce.class),
                Arguments.of("quiesce w[1] for \"client\" to w[2] within 5s", Statement.Quiesce.class),
                Arguments.of("quiesce spool2 to spool1", Statement.Quiesce.class),
                Arguments.of("migrate w[2] to node 207 within 5s", Statement.Migrate.class),
                Arguments.of("fork sched at node 203 ports [tasks, out]", Statement.Fork.class),
                Arguments.of("checkpoint w[3] to \"w3.ckpt\" and destroy", Statement.Checkpoint.class),
                Arguments.of("restore \"w3.ckpt\" as w3b at node 204", Statement.Restore.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyStatement")
    void parsesEveryStatement(String source, Class<? extends Statement> type) {
        Statement statement = single(source);
        assertInstanceOf(type, statement);
        assertEquals(new Position("t.rdc", 1, 1), statement.position());
    }

    @Test
    void createWithEverything() {
        Statement.Create create = (Statement.Create) single("""
                create w[i + 1] : worker(docs, 3) inchoate at node 201 {
                  stream tasks to "scheduler" handle "worker${i}"
                  port in on new "printer1"; port ctl on existing "control" handle "c"
                }""");
        assertEquals("w", create.name());
        assertInstanceOf(Expression.Binary.class, create.index());
        assertEquals("worker", create.module());
        assertEquals(2, create.arguments().size());
        assertTrue(create.inchoate());
        assertTrue(create.node().byId());
        assertEquals(3, create.interfaces().size());
        Statement.InterfaceDeclaration stream = create.interfaces().get(0);
        assertEquals(InterfaceKind.STREAM, stream.kind());
        assertEquals("scheduler", ((Expression.StringTemplate) stream.label()).constantText());
        assertEquals(2, ((Expression.StringTemplate) stream.handle()).parts().size());
        assertEquals(InterfaceKind.PORT_ON_NEW_CHANNEL, create.interfaces().get(1).kind());
        assertNull(create.interfaces().get(1).handle());
        assertEquals(InterfaceKind.PORT_ON_EXISTING_CHANNEL, create.interfaces().get(2).kind());
        assertEquals(new Position("t.rdc", 3, 30), create.interfaces().get(2).position());
    }

    @Test
    void createAtAnExpressionOrAVariableCalledNode() {
        Statement.Create picked = (Statement.Create) single("create w : worker at pick(\"exclusive\") { stream out to \"p\" }");
        assertFalse(picked.node().byId());
        assertInstanceOf(Expression.Call.class, picked.node().expression());
        Statement.Create variable = (Statement.Create) single("create w : worker at node");
        assertFalse(variable.node().byId());
        assertEquals("node", ((Expression.Identifier) variable.node().expression()).name());
    }

    @Test
    void putCopies() {
        assertTrue(((Statement.Put) single("put \"a\" = 1 copies unlimited")).copies().unlimited());
        assertTrue(((Statement.Put) single("put \"a\" = 1 dontcache")).copies().dontCache());
        assertTrue(((Statement.Put) single("put \"a\" = 1 copies dontcache")).copies().dontCache());
        assertEquals(3L, ((Expression.IntegerLiteral) ((Statement.Put) single("put \"a\" = 1 copies 3")).copies().count()).value());
        assertNull(((Statement.Put) single("put \"a\" = 1")).copies());
    }

    @Test
    void reservedStatementsKeepTheirParts() {
        Statement.Attach attach = (Statement.Attach) single("attach a.in to \"c\"");
        assertNull(attach.detach());
        assertFalse(attach.movingQueue());
        Statement.Rebind rebind = (Statement.Rebind) single("rebind \"h\" to \"c\" under failure");
        assertTrue(rebind.underFailure());
        assertNull(rebind.movingFrom());
        Statement.Migrate migrate = (Statement.Migrate) single("migrate w[2] to node 207");
        assertNull(migrate.timeout());
        assertEquals(List.of("tasks"), ((Statement.Fork) single("fork s at n ports [tasks]")).ports());
        assertFalse(((Statement.Checkpoint) single("checkpoint w to \"f\"")).andDestroy());
        assertTrue(((Statement.Checkpoint) single("checkpoint w to \"f\" and destroy")).andDestroy());
    }

    @Test
    void separatorsCommentsAndElseOnItsOwnLine() {
        Script script = ScriptParser.parseScript("""
                # a comment
                freeze w[1]; unfreeze w[1]; destroy w[4]   // trailing comment

                if a {
                  print 1
                }
                else if b { print 2 }
                else { print 3 }
                """, "t.rdc");
        assertEquals(4, script.statements().size());
        Statement.If conditional = (Statement.If) script.statements().get(3);
        assertInstanceOf(Statement.If.class, conditional.elseBranch().statements().get(0));
    }

    @Test
    void listsRecordsAndArgumentsMaySpanLines() {
        Statement.Let let = (Statement.Let) single("""
                let config = {
                  name: "w",
                  sizes: [1,
                          2, 3],
                  stream: max(1,
                              2),
                }""");
        Expression.RecordLiteral record = (Expression.RecordLiteral) let.value();
        assertEquals(List.of("name", "sizes", "stream"), record.fields().stream().map(f -> f.name()).toList());
    }

    @Test
    void precedence() {
        assertEquals("1 + 2 * 3 == 7 and not x or y", ExpressionFormatter.format(expression("1 + 2 * 3 == 7 and not x or y")));
        Expression.Binary or = (Expression.Binary) expression("a && b || !c");
        assertEquals(BinaryOperator.OR, or.operator());
        assertEquals(BinaryOperator.AND, ((Expression.Binary) or.left()).operator());
        Expression.Range range = (Expression.Range) expression("1..n + 1");
        assertInstanceOf(Expression.Binary.class, range.to());
        assertEquals("(1 + 2) * -x", ExpressionFormatter.format(expression("(1 + 2) * -x")));
        assertEquals("a - (b - c)", ExpressionFormatter.format(expression("a - (b - c)")));
    }

    @Test
    void literals() {
        assertEquals(5000, ((Expression.DurationLiteral) expression("5s")).millis());
        assertEquals(200, ((Expression.DurationLiteral) expression("200ms")).millis());
        assertEquals(120_000, ((Expression.DurationLiteral) expression("2m")).millis());
        assertEquals(1e12, ((Expression.DecimalLiteral) expression("1e12")).value());
        assertEquals(2.5, ((Expression.DecimalLiteral) expression("2.5")).value());
        assertInstanceOf(Expression.NullLiteral.class, expression("null"));
        assertInstanceOf(Expression.Member.class, expression("x.port"));
        assertInstanceOf(Expression.Index.class, expression("w[i]"));
        assertInstanceOf(Expression.Get.class, expression("get \"a\""));
    }

    @Test
    void stringInterpolationKeepsPositions() {
        Expression.StringTemplate template = (Expression.StringTemplate) expression("\"w${i + 1} is ${f(\"}\")}\\n\"");
        assertEquals(5, template.parts().size());
        assertEquals(new Expression.StringTemplate.Text("w"), template.parts().get(0));
        Expression inner = ((Expression.StringTemplate.Interpolation) template.parts().get(1)).expression();
        assertEquals(new Position("t.rdc", 1, 7), inner.position()); // the `+`
        assertEquals(new Expression.StringTemplate.Text("\n"), template.parts().get(4));
        assertEquals("cost $5", ((Expression.StringTemplate) expression("\"cost $5\"")).constantText());
    }
}
