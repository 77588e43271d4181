// Counts messages per sender and checks each sender's sequence numbers; {op: "count"} reports.
export function init(ctx) { ctx.state = { count: 0, bySender: {}, gaps: 0 }; }
export function onMessage(ctx, port, m) {
  const st = ctx.state;
  if (m.head.op === 'count') return { head: { count: st.count, senders: Object.keys(st.bySender).length, gaps: st.gaps, bySender: st.bySender } };
  st.count++;
  const s = m.head.from ?? 'anon';
  const last = st.bySender[s] ?? 0;
  if (m.head.n !== undefined && m.head.n !== last + 1) st.gaps++;
  st.bySender[s] = m.head.n ?? last + 1;
}
