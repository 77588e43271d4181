// Version 1 of a counter that checks each sender's sequence numbers; {op: "count"} reports, with its version.
// replace.rdc replaces it with versioned2.js (or a failing versioned-bad.js) while clients send.
export const version = 1;
export function init(ctx) { ctx.state = { count: 0, bySender: {}, gaps: 0 }; }
export function onMessage(ctx, port, m) {
  const st = ctx.state;
  if (m.head.op === 'count') return { head: { v: version, count: st.count, gaps: st.gaps, from: st.from ?? null } };
  st.count++;
  const s = m.head.from ?? 'anon';
  const last = st.bySender[s] ?? 0;
  if (m.head.n !== undefined && m.head.n !== last + 1) st.gaps++;
  st.bySender[s] = m.head.n ?? last + 1;
}
