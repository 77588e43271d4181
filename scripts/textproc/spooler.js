// The printer spooler: receives formatted documents (asinvoke), collates them whole onto the
// "printer" (its state), and reports progress and its queue length on the "report" channel.
// {op: "printed"} (invoked) answers the printing order and how many results each worker version made.
export function init(ctx, args) {
  ctx.state = { total: args.total, printed: [], pages: 0, byVersion: {} };
}

export function onMessage(ctx, port, m) {
  const st = ctx.state;
  if (m.head.op === 'printed') return { head: { order: st.printed, distinct: new Set(st.printed).size, byVersion: st.byVersion ?? {} } };
  st.printed.push(m.head.doc);
  st.byVersion = st.byVersion ?? {};
  st.byVersion[m.head.v ?? 1] = (st.byVersion[m.head.v ?? 1] ?? 0) + 1;
  st.pages += m.body.length;
  const queue = ctx.testPort(port).count;
  const report = { head: { printed: st.printed.length, doc: m.head.doc, queue, pages: st.pages } };
  // The last report carries the printing order, when it fits in one message (a long feed's does not).
  if (st.printed.length === st.total) report.body = st.total <= 100 ? { order: st.printed, pages: st.pages } : { pages: st.pages };
  ctx.send(ctx.ifaces.report, report);
}
