// Registers its own port's stream with the name service under args.name, and answers {hello}.
export function init(ctx, args) {
  const c = ctx.chanCreate(null, 'unicast');
  ctx.register(args.name, c.stream);
  ctx.state = { name: args.name };
}
export function onMessage(ctx, port, m) { return { head: { hello: ctx.state.name } }; }
