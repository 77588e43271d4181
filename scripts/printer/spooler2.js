// Version 2 of the printer spooler (a hot replacement, docs/replacement.md): each printed document
// carries the version that printed it and its page count (a page per part). Replaced into a running
// spooler with `replace s with spooler2 quiescent`: only once no client is in mid-document (R1–R3),
// so no document is collated half by one version and half by the other.
import { serverPeer } from 'rdc/peer.js';

export const version = 2;

export function upgrade(ctx, fromVersion, state) {
  return { ...state, upgradedFrom: fromVersion };
}

export const { init, onMessage, onEvent } = serverPeer({
  init(ctx, args) {
    Object.assign(ctx.state, { name: args.name, printMs: args.printMs ?? 0, printed: 0 });
    ctx.state.perDocument = (args.transaction ?? 'document') === 'document';
  },
  begins: (msg, ctx) => !ctx.state.perDocument || msg.head.part === 0,
  ends: (msg, ctx) => !ctx.state.perDocument || msg.head.part === msg.head.parts - 1,
  serve(ctx, port, msg, client, id) {
    const h = msg.head;
    if (h.op !== 'print') return { head: { error: 'a spooler takes {op: "print", doc, part, parts}' } };
    if (!client.doc || client.doc.name !== h.doc) client.doc = { name: h.doc, parts: [], texts: [] };
    client.doc.parts.push(h.part);
    client.doc.texts.push(msg.body);
    if (h.part !== h.parts - 1) return undefined;
    const doc = client.doc;
    client.doc = null;
    ctx.state.printed++;
    ctx.send(ctx.iface('device'), { head: { op: 'printed', printer: ctx.state.name, doc: doc.name, client: id, parts: doc.parts,
      v: version, pages: doc.parts.length }, body: doc.texts });
    return undefined;
  },
});
