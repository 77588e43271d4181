// A printer spooler written on the server-peer harness (rdc/peer.js, dissertation §6.3, §6.4).
// A client sends a document as several messages {op: "print", doc, part, parts}; the spooler
// buffers the parts per client and prints the document whole once its last part is in. It
// supplies only what the harness asks of a server: where transactions begin and end, and the work.
//
// args: {name, printMs: time the printer takes per document, transaction: "document" | "message"}
//   "document" (§6.4's first definition): a transaction is the whole document, so quiescing for a
//     client waits until its current document is complete and printed here;
//   "message" (the second): every message is a transaction, so the spooler is quiescent at once and
//     the part-buffered document is handed over to the peer, which prints it.
// interfaces: port in (the clients' channel), stream device (the printers' output log),
//   stream report (optional: load reports to the manager — testPort on its own port, §6.4 step 1).
import { serverPeer } from 'rdc/peer.js';

export const { init, onMessage, onEvent } = serverPeer({
  init(ctx, args) {
    ctx.state.name = args.name;
    ctx.state.printMs = args.printMs ?? 0;
    ctx.state.perDocument = (args.transaction ?? 'document') === 'document';
    ctx.state.printed = 0;
  },
  begins(msg, ctx) {
    return !ctx.state.perDocument || msg.head.part === 0;
  },
  ends(msg, ctx) {
    return !ctx.state.perDocument || msg.head.part === msg.head.parts - 1;
  },
  serve(ctx, port, msg, client, id) {
    const h = msg.head;
    if (h.op !== 'print') return { head: { error: 'a spooler takes {op: "print", doc, part, parts}' } };
    if (!client.doc || client.doc.name !== h.doc) client.doc = { name: h.doc, parts: [], texts: [] };
    client.doc.parts.push(h.part);
    client.doc.texts.push(msg.body);
    if (h.part === h.parts - 1) {
      print(ctx, port, id, client.doc);
      client.doc = null;
      client.printed = (client.printed ?? 0) + 1;
    }
    return undefined;
  },
});

function print(ctx, port, id, doc) {
  const st = ctx.state;
  // The printer's time: wait on a source that never sends (nothing else is taken meanwhile).
  if (st.printMs > 0) ctx.receive(port, { from: '0.1', timeout: st.printMs });
  st.printed++;
  ctx.send(ctx.iface('device'), { head: { op: 'printed', printer: st.name, doc: doc.name, client: id, parts: doc.parts }, body: doc.texts });
  if (ctx.ifaces.report) ctx.send(ctx.ifaces.report, { head: { op: 'load', spooler: st.name, queue: ctx.testPort(port).count, printed: st.printed } });
}
