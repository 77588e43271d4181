// On start, invokes the service on its stream `svc` and keeps the answer; {op: "result"} returns it.
export function init(ctx, args) {
  const r = ctx.invoke(ctx.ifaces.svc, { head: { from: args && args.name } });
  ctx.state = { answer: r.head };
}
export function onMessage(ctx, port, m) {
  return { head: ctx.state.answer };
}
