// rdc/recorder.js — a sequence recorder, the receiver of the reconfiguration experiment of
// appendix A.3 (`rdc bench reconfig` and ReconfigurationTest): it records the sequence numbers it
// receives, and passes its data port on to its peer when asked (port propagation).
//
//   export { init, onMessage } from "rdc/recorder.js";
//
// Interfaces: `data` (the port it holds first, if any) and `peer` (where it passes the port).
// Messages: {seq} is recorded; {op:'handover'} passes the port to the peer (deferred until the port
// is here); {op:'take', ref} takes it; {op:'report'} answers {n} with the recorded numbers as body.

export function init(ctx, args) { ctx.state = { got: [], port: ctx.ifaces.data ?? null, pending: null }; }

function pass(ctx) {
  const p = ctx.state.port;
  ctx.state.port = null;
  ctx.send(ctx.ifaces.peer, { head: { op: 'take' }, ref: p });
}

export function onMessage(ctx, port, m) {
  const h = m.head;
  if (h.seq !== undefined) { ctx.state.got.push(h.seq); return; }
  if (h.op === 'handover') { if (!ctx.state.port) { ctx.state.pending = ctx.defer(m); return; } pass(ctx); return; }
  if (h.op === 'take') {
    ctx.state.port = m.ref;
    if (ctx.state.pending) { const r = ctx.state.pending; ctx.state.pending = null; pass(ctx); ctx.reply(r, {}); }
    return;
  }
  if (h.op === 'report') return { head: { n: ctx.state.got.length }, body: ctx.state.got };
}
