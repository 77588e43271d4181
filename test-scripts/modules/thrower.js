// Throws when asked to: the incarnation goes FAULTING; the node carries on.
export function onMessage(ctx, port, m) {
  if (m.head.boom) throw new Error('boom ' + m.head.boom);
  return { head: { ok: true } };
}
