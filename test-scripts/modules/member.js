// A member of a group: reports each message it receives to `collect`, saying where it is.
export function onMessage(ctx, port, m) {
  ctx.send(ctx.ifaces.collect, { head: { from: 'node' + ctx.where(), n: m.head.n } });
}
