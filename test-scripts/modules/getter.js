// Gets a stream from stream space by label (blocking until it is there) and invokes through it.
export function init(ctx, args) { ctx.state = { label: args.label, answer: null }; ctx.after(0, 'go'); }
export function onEvent(ctx, ev) {
  if (ev.type !== 'TIMER') return;
  const s = ctx.space.get(ctx.state.label);
  ctx.state.answer = ctx.invoke(s, { head: { via: 'space' } }).head;
  if (ctx.ifaces.report) ctx.send(ctx.ifaces.report, { head: { from: 'getter', n: 1, tag: ctx.state.answer.tag } });
}
export function onMessage(ctx, port, m) { return { head: { answer: ctx.state.answer } }; }
