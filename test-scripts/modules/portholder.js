// Passes a port on through stream space (§6.2.1) or in a message (§6.2.4): control requests on its
// port `in` — {op: "put"|"get"|"return", label}, {op: "pass", retain} (to its stream `peer`) — and
// records the sequence numbers (head.n) arriving on any port. Failures come back as {error}.
export function init(ctx) { ctx.state = { got: [], port: ctx.ifaces.data ?? null }; }
function attempt(f) {
  try { f(); return { head: { ok: true } }; } catch (e) { return { head: { error: e.message } }; }
}
export function onMessage(ctx, port, m) {
  const h = m.head;
  if (h.n !== undefined) { ctx.state.got.push(h.n); return; }
  if (h.op === 'put') return attempt(() => ctx.space.put(h.label, ctx.state.port, h.copies ?? 1));
  if (h.op === 'get') return attempt(() => { ctx.state.port = ctx.space.get(h.label, { timeout: h.timeout ?? -1 }); });
  if (h.op === 'return') return attempt(() => ctx.space.return(h.label));
  if (h.op === 'pass') return attempt(() => { ctx.send(ctx.ifaces.peer, { head: { op: 'take' }, ref: ctx.state.port, retain: h.retain }); ctx.state.port = null; });
  if (h.op === 'take') { ctx.state.port = m.ref; return; }
  if (h.op === 'has') return { head: { has: ctx.state.port != null } };
  if (h.op === 'report') return { head: { count: ctx.state.got.length, got: ctx.state.got } };
}
