// The rdc configuration language: one grammar for scripts, the shell and scenario tests.
// Newlines separate statements, so NL is a real token; it is allowed explicitly inside
// brackets, records and argument lists so long literals can span lines.
// Words that only have meaning in one spot (nodes, queue, unicast, failure, ...) are plain
// identifiers checked by the AST builder, so they stay usable as variable names.
grammar Rdc;

script : statementList EOF ;

// Used for the `${...}` parts of strings.
standaloneExpression : expr EOF ;

statementList : sep* (statement (sep+ statement)* sep*)? ;

sep : NL | ';' ;

block : '{' statementList '}' ;

statement
    : 'module' IDENT '=' file=expr                                              # moduleStatement
    | 'create' createTarget ':' IDENT ('(' arguments? ')')? INCHOATE? 'at' nodeExpr interfaceBlock?  # createStatement
    | 'channel' label=expr IDENT                                                # channelStatement
    | 'link' expr 'to' expr                                                     # linkStatement
    | 'unlink' expr 'from' expr                                                 # unlinkStatement
    | 'destroy' expr                                                            # destroyStatement
    // Termination dependency (§7.3.1): `depend w on mgr [absolute|group|none]`.
    | {_input.LT(1).getText().equals("depend")}? IDENT child=expr 'on' parent=expr IDENT?  # dependStatement
    // Node withdrawal (§3.4): `withdraw node 204 notice 5s [and destroy]`.
    | {_input.LT(1).getText().equals("withdraw")}? IDENT nodeExpr IDENT notice=expr ('and' 'destroy')?  # withdrawStatement
    // Node allocation (§3.4, inc_nodeAlloc): `allocate 3 from "exclusive" [within 10s]`, `release node 204`.
    | {_input.LT(1).getText().equals("allocate")}? IDENT count=expr 'from' group=expr ('within' waitFor=expr)?  # allocateStatement
    | {_input.LT(1).getText().equals("release")}? IDENT nodeExpr                # releaseStatement
    // Hot code replacement (issue 19): `replace w with worker2 [quiescent] [within 5s]`; a family one member at a time;
    // quiescent: each member is first brought to replaceability (R1–R3) through the server-peer harness.
    | {_input.LT(1).getText().equals("replace")}? IDENT target=expr IDENT module=IDENT quiescent=IDENT? ('within' within=expr)?  # replaceStatement
    // On-demand nodes (SR's srx, docs/pool-ondemand.md): `nodes create 2 [group "g"] [host "h"] [within 2m] [as extra]`,
    // `nodes find`, `nodes destroy 1001`, `nodes stop`.
    | {_input.LT(1).getText().equals("nodes")}? IDENT op=('create' | 'destroy' | IDENT) count=expr? (words+=IDENT values+=expr)* ('within' within=expr)? ('as' name=IDENT)?  # nodesStatement
    | 'freeze' 'stream' expr                                                    # freezeStreamStatement
    | 'freeze' expr                                                             # freezeStatement
    | 'unfreeze' 'stream' expr                                                  # unfreezeStreamStatement
    | 'unfreeze' expr ('priority' expr)?                                        # unfreezeStatement
    // Labels, names and file names are expressions: a string, a variable, "w${i}", base + ".log".
    | 'put' label=expr '=' value=expr copiesClause?                             # putStatement
    | 'return' label=expr                                                       # returnStatement
    | 'delete' label=expr                                                       # deleteStatement
    // `for "a", "b"`: only those RDCs (names or ids) may look the name up; without it, every RDC.
    | 'register' name=expr value=expr ('for' readers+=expr (',' readers+=expr)*)?  # registerStatement
    | {_input.LT(1).getText().equals("unregister")}? IDENT name=expr              # unregisterStatement
    // Who else acts in the session's RDC (its owner only), and revoking an operator's tokens (docs/security.md):
    // `allow bob`, `disallow "bob"`, `revoke tokens of bob`. The name is a bare word or a string (interpolated).
    | {_input.LT(1).getText().equals("allow") || _input.LT(1).getText().equals("disallow")}? verb=IDENT (who=IDENT | whoText=stringLit)  # allowStatement
    | {_input.LT(1).getText().equals("revoke")}? IDENT IDENT IDENT (who=IDENT | whoText=stringLit)  # revokeTokensStatement
    | 'show' IDENT                                                              # showStatement
    // Sessions in a standing pool: which RDC this session acts in, leaving it, ending one (rdcExit).
    | {_input.LT(1).getText().equals("rdc")}? IDENT stringLit                   # rdcStatement
    | 'detach'                                                                  # detachStatement
    // The session's RDC's own bounds (docs/containment.md): `limits {handler: 200ms, memory: 64}` (memory in MB).
    | {_input.LT(1).getText().equals("limits")}? IDENT expr                     # limitsStatement
    | {_input.LT(1).getText().equals("terminate")}? IDENT IDENT stringLit       # terminateStatement
    | 'inspect' expr                                                            # inspectStatement
    // The shell's live web view of the pool (docs/web.md): `web` or `web 8080`.
    | {_input.LT(1).getText().equals("web")}? IDENT expr?                      # webStatement
    | 'let' IDENT '=' expr                                                      # letStatement
    | IDENT '=' expr                                                            # assignStatement
    | ifStatement                                                               # ifStatementAlt
    | 'forall' IDENT 'in' expr block                                            # forallStatement
    | 'proc' IDENT '(' parameters? ')' block                                    # procStatement
    // A function gives a value: `yield` (not `return`, the stream-space statement) ends it with one.
    | 'fn' IDENT '(' parameters? ')' (block | '=' NL* expr)                     # fnStatement
    | 'yield' expr                                                              # yieldStatement
    | 'use' stringLit                                                           # useStatement
    | 'wait' 'until' expr 'within' expr                                         # waitStatement
    | 'when' expr block                                                         # whenStatement
    | 'sleep' expr                                                              # sleepStatement
    | 'print' (expr (',' expr)*)?                                               # printStatement
    | 'test' stringLit block                                                    # testStatement
    | 'assert' expr (',' expr)?                                                 # assertStatement
    | 'expect' 'error' stringLit block                                          # expectErrorStatement
    // Reserved: parsed now, evaluated by later issues.
    | 'propagate' expr?                                                         # propagateStatement
    // The channel, stream and port of attach and rebind: a stream-space label (a string), an
    // interface like w.out, or a reference from get or lookup.
    | 'attach' expr 'to' expr ('detach' expr)? (MOVING IDENT)?                  # attachStatement
    | 'rebind' expr 'to' expr (MOVING 'from' expr | 'under' IDENT)?             # rebindStatement
    | 'quiesce' target=expr ('for' client=expr)? ('to' peer=expr)? ('within' timeout=expr)?  # quiesceStatement
    | 'migrate' expr 'to' nodeExpr ('within' expr)?                             # migrateStatement
    | 'fork' expr 'at' nodeExpr 'ports' '[' (memberName (',' memberName)*)? ']' ('as' IDENT)? # forkStatement
    | 'checkpoint' target=expr 'to' file=expr ('and' 'destroy')?                # checkpointStatement
    // `restore "f" as y at node 203 [with MODULE]`: with, under new code (a replacement right after the restore).
    | 'restore' file=expr 'as' name=IDENT 'at' nodeExpr (word=IDENT module=IDENT)?  # restoreStatement
    | 'call'? expr                                                              # expressionStatement
    ;

ifStatement : 'if' expr block (NL* 'else' (ifStatement | block))? ;

createTarget : IDENT ('[' expr ']')? ;

// `at node 201` names a node by id; anything else is an expression yielding a node (pick(), nodes()[0]).
nodeExpr
    : {_input.LT(1).getText().equals("node")}? IDENT expr   # nodeById
    | expr                                                  # nodeByValue
    ;

interfaceBlock : '{' sep* (interfaceDeclaration (sep+ interfaceDeclaration)* sep*)? '}' ;

interfaceDeclaration
    : 'stream' memberName 'to' label=expr ('handle' handle=expr)?               # streamDeclaration
    | 'port' memberName 'on' (NEW | EXISTING) label=expr ('handle' handle=expr)?  # portDeclaration
    ;

// `copies dontcache` and plain `dontcache` mean the same.
copiesClause
    : 'copies' (UNLIMITED | expr)   # copiesCount
    | 'copies'? DONTCACHE           # copiesDontCache
    ;

parameters : IDENT (',' IDENT)* ;

arguments : NL* expr (NL* ',' NL* expr)* NL* ;

stringLit : STRING ;

expr
    : primary                                                  # primaryExpr
    | expr '.' memberName                                      # memberExpr
    | expr '[' NL* expr NL* ']'                                # indexExpr
    | '-' expr                                                 # negateExpr
    | expr op=('*' | '/' | '%') expr                           # multiplicativeExpr
    | expr op=('+' | '-') expr                                 # additiveExpr
    | expr '..' expr                                           # rangeExpr
    | expr op=('==' | '!=' | '<' | '<=' | '>' | '>=') expr     # comparisonExpr
    | op=('not' | '!') expr                                    # notExpr
    | expr op=('and' | '&&') expr                              # andExpr
    | expr op=('or' | '||') expr                               # orExpr
    // `r.field ?? default`: the default when the left is null or reads a field the record lacks.
    | <assoc=right> expr '??' NL* expr                         # coalesceExpr
    ;

primary
    : INTEGER                                                  # integerLiteral
    | DECIMAL                                                  # decimalLiteral
    | DURATION                                                 # durationLiteral
    | stringLit                                                # stringLiteral
    | (TRUE | FALSE)                                           # booleanLiteral
    | NULL                                                     # nullLiteral
    | '[' NL* (expr (NL* ',' NL* expr)* NL* ','?)? NL* ']'     # listLiteral
    | record                                                   # recordLiteral
    | IDENT '(' arguments? ')'                                 # callExpr
    | IDENT                                                    # identifier
    | '(' NL* expr NL* ')'                                     # parenExpr
    | 'get' primary                                            # getExpr
    | 'invoke' expr record ('body' expr)?                      # invokeExpr
    | 'send' expr record ('body' expr)?                        # sendExpr
    ;

record : '{' NL* (field (NL* ',' NL* field)* NL* ','?)? NL* '}' ;

field : (memberName | STRING) ':' NL* expr ;

// After a dot or as a record key any word works, including keywords (x.port, {stream: 1}).
memberName
    : IDENT | 'module' | 'create' | 'at' | 'stream' | 'port' | 'on' | 'to' | 'from' | 'handle'
    | 'channel' | 'link' | 'unlink' | 'destroy' | 'freeze' | 'unfreeze' | 'priority' | 'put'
    | 'get' | 'return' | 'delete' | 'register' | 'show' | 'inspect' | 'let' | 'if' | 'else'
    | 'forall' | 'in' | 'proc' | 'fn' | 'yield' | 'use' | 'wait' | 'until' | 'within' | 'when' | 'sleep'
    | 'print' | 'test' | 'assert' | 'expect' | 'error' | 'invoke' | 'send' | 'body' | 'copies'
    | 'propagate' | 'attach' | 'detach' | 'rebind' | 'under' | 'quiesce' | 'for' | 'migrate'
    | 'fork' | 'ports' | 'checkpoint' | 'restore' | 'as' | 'call' | 'and' | 'or' | 'not'
    | INCHOATE | NEW | EXISTING | UNLIMITED | DONTCACHE | MOVING | TRUE | FALSE | NULL
    ;

// ---------------------------------------------------------------- lexer

INCHOATE  : 'inchoate' ;
NEW       : 'new' ;
EXISTING  : 'existing' ;
UNLIMITED : 'unlimited' ;
DONTCACHE : 'dontcache' ;
MOVING    : 'moving' ;
TRUE      : 'true' ;
FALSE     : 'false' ;
NULL      : 'null' ;

// A duration must win over INTEGER IDENT: `5s` is five seconds, `5 s` is a number then a name.
DURATION : DIGITS ('.' DIGITS)? ('ms' | 's' | 'm' | 'h') ;
DECIMAL  : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT ;
INTEGER  : DIGITS ;

IDENT : [a-zA-Z_] [a-zA-Z_0-9]* ;

// Interpolations `${expr}` stay inside the token (they may nest strings and braces); the AST
// builder parses each one as an expression with the right position.
STRING : '"' STRING_CHAR* '"' ;
UNTERMINATED_STRING : '"' STRING_CHAR* ;

NL : '\r'? '\n' ;
WS : [ \t]+ -> skip ;
LINE_COMMENT : ('#' | '//') ~[\r\n]* -> skip ;

// Anything else becomes one token the error listener reports, instead of ANTLR's console noise.
UNEXPECTED_CHARACTER : . ;

fragment DIGITS : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? DIGITS ;
fragment STRING_CHAR : ~["\\$\r\n] | '\\' ~[\r\n] | '$' {_input.LA(1) != '{'}? | INTERPOLATION ;
fragment INTERPOLATION : '${' (STRING | '{' INTERPOLATION_BRACED* '}' | ~["{}\r\n])* '}' ;
fragment INTERPOLATION_BRACED : STRING | '{' INTERPOLATION_BRACED* '}' | ~["{}\r\n] ;
