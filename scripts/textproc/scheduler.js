// Hands out documents, one per request, to workers that invoke it (§2.4.2's scheduler).
export function init(ctx, args) {
  ctx.state = { docs: args.docs, next: 0, handedOut: {} };
}

export function onMessage(ctx, port, m) {
  if (m.head.op !== 'next') return { head: { error: 'unknown op ' + m.head.op } };
  const st = ctx.state;
  if (st.next >= st.docs.length) return { head: { done: true } };
  const doc = st.docs[st.next++];
  st.handedOut[doc.name] = m.head.worker;
  return { head: { doc: doc.name, seq: st.next }, body: doc.text };
}
