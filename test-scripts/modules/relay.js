// Forwards every message it gets on its port to its stream `out` (to reach a group or a channel).
export function onMessage(ctx, port, m) {
  if (m.head.op === 'burst') {
    for (let n = 1; n <= m.head.count; n++) ctx.send(ctx.ifaces.out, { head: { from: m.head.from ?? ctx.where(), n } });
    return { head: { sent: m.head.count } };
  }
  ctx.send(ctx.ifaces.out, { head: m.head, body: m.body });
}
