// A client that survives its receiver's node dying: every 20 ms it sends {from, n} on its stream
// `out`, numbered 1, 2, …; a send that fails (the receiver's node is unreachable) is counted and the
// same number tried again on the next tick, so once an operator rebinds `out` under failure the
// sequence goes on where it stopped. {op: "stats"} on port `ctl` reports.
export function init(ctx) {
  ctx.state = { n: 0, failures: 0, lastError: null, from: ctx.where() };
  ctx.after(20, 'tick');
}
export function onMessage(ctx, port, m) {
  if (m.head.op === 'stats') return { head: { sent: ctx.state.n, failures: ctx.state.failures, lastError: ctx.state.lastError } };
}
export function onEvent(ctx, ev) {
  if (ev.type !== 'TIMER') return;
  const st = ctx.state;
  try {
    ctx.send(ctx.ifaces.out, { head: { from: st.from, n: st.n + 1 } });
    st.n++;
  } catch (e) {
    st.failures++;
    st.lastError = String(e.message ?? e);
  }
  ctx.after(20, 'tick');
}
