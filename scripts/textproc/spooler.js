// The printer spooler: receives formatted documents (asinvoke), collates them whole onto the
// "printer" (its state), and reports progress and its queue length on the "report" channel.
export function init(ctx, args) {
  ctx.state = { total: args.total, printed: [], pages: 0 };
}

export function onMessage(ctx, port, m) {
  const st = ctx.state;
  st.printed.push(m.head.doc);
  st.pages += m.body.length;
  const queue = ctx.testPort(port).count;
  const report = { head: { printed: st.printed.length, doc: m.head.doc, queue, pages: st.pages } };
  if (st.printed.length === st.total) report.body = { order: st.printed, pages: st.pages };
  ctx.send(ctx.ifaces.report, report);
}
