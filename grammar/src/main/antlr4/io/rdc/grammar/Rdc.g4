grammar Rdc;
script : EOF ;
WS : [ \t\r\n]+ -> skip ;
