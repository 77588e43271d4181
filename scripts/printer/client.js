// A client of the printer server: an independent incarnation that prints documents, each sent
// as several messages {op: "print", doc, part, parts} (one transaction of §6.4's first kind).
//
// args: {name, docs, parts, everyMs}: sends one part every everyMs (a timer) until its `docs`
//   documents are sent. Without everyMs it sends only when told: {op: "part"} on its port ctl.
// It reaches the printer server through the manager (fig. 2.2, §6.4): it looks up "printer" in
// the name service and asks to connect; the manager answers with a stream to one spooler. rdc
// makes a propagated stream anew at the receiver, so the manager cannot make a handle for it
// itself: the client gives one back (ctx.hanCreate), which is what lets the manager rebind it.
// With a declared stream `printer` (a script configuration) it uses that instead.
export function init(ctx, args, ifaces) {
  ctx.state = { name: args.name, docs: args.docs ?? 0, parts: args.parts ?? 1, everyMs: args.everyMs ?? 0, doc: 0, part: 0, printer: ifaces.printer ?? null };
  if (!ctx.state.printer) {
    const mgr = ctx.lookup('printer');
    const r = ctx.invoke(mgr, { head: { op: 'connect', client: args.name } });
    ctx.state.printer = r.ref;
    ctx.state.spooler = r.head.spooler;
    ctx.invoke(mgr, { head: { op: 'handle', client: args.name }, ref: ctx.hanCreate(r.ref) });
  }
  if (ctx.state.everyMs > 0) ctx.after(ctx.state.everyMs, 'next');
}

function sendPart(ctx) {
  const st = ctx.state;
  if (st.doc >= st.docs) return false;
  const doc = st.name + '-d' + st.doc;
  ctx.send(st.printer, { head: { op: 'print', doc, part: st.part, parts: st.parts }, body: doc + ' part ' + st.part });
  st.part++;
  if (st.part === st.parts) {
    st.part = 0;
    st.doc++;
  }
  return true;
}

export function onEvent(ctx, ev) {
  if (ev.type === 'TIMER' && sendPart(ctx)) ctx.after(ctx.state.everyMs, 'next');
}

export function onMessage(ctx, port, m) {
  if (m.head.op === 'part') return { head: { sent: sendPart(ctx), doc: ctx.state.doc, part: ctx.state.part } };
  if (m.head.op === 'progress') return { head: { doc: ctx.state.doc, part: ctx.state.part, done: ctx.state.doc >= ctx.state.docs } };
  return { head: { error: 'unknown op' } };
}
