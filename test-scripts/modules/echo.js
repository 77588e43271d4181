// Replies with what it got and where it runs; counts what it has seen.
export function init(ctx, args) { ctx.state = { seen: 0, tag: args && args.tag }; }
export function onMessage(ctx, port, m) {
  ctx.state.seen++;
  return { head: { echo: m.head, at: ctx.where(), seen: ctx.state.seen, tag: ctx.state.tag }, body: m.body };
}
