// Sends numbered messages on its stream `out`, the numbers running on across bursts, so a counter
// downstream sees one unbroken sequence however the stream is linked or rebound in between.
export function init(ctx, args) { ctx.state = { next: 1, from: (args && args.from) || 'seq' }; }
export function onMessage(ctx, port, m) {
  if (m.head.op === 'burst') {
    for (let i = 0; i < m.head.count; i++) ctx.send(ctx.ifaces.out, { head: { from: ctx.state.from, n: ctx.state.next++ } });
  }
  return { head: { sent: ctx.state.next - 1 } };
}
