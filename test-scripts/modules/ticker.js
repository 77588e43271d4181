// A paced sender: {op: "start", count, per, every} sends `count` more messages {from, n} on its
// stream `out`, numbered on from the last (1, 2, …), `per` every `every` ms (so that
// reconfigurations happen while messages flow).
export function init(ctx) { ctx.state = { n: 0, count: 0, per: 1, every: 1, from: ctx.where() }; }
export function onMessage(ctx, port, m) {
  const h = m.head;
  if (h.op === 'start') {
    Object.assign(ctx.state, { count: ctx.state.n + h.count, per: h.per ?? 1, every: h.every ?? 1 });
    ctx.after(0, 'tick');
    return { head: { ok: true } };
  }
  if (h.op === 'sent') return { head: { sent: ctx.state.n } };
}
export function onEvent(ctx, ev) {
  if (ev.type !== 'TIMER') return;
  const st = ctx.state;
  for (let i = 0; i < st.per && st.n < st.count; i++) ctx.send(ctx.ifaces.out, { head: { from: st.from, n: ++st.n } });
  if (st.n < st.count) ctx.after(st.every, 'tick');
}
