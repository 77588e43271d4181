// Looks a service up by name and invokes it; {op: "result"} returns the answer or the error.
export function init(ctx, args) {
  let answer;
  try { answer = ctx.invoke(ctx.lookup(args.name), { head: {} }).head; } catch (e) { answer = { error: e.message }; }
  ctx.state = { answer };
}
export function onMessage(ctx, port, m) { return { head: ctx.state.answer }; }
