// Hands out documents, one per request, to workers that invoke it (§2.4.2's scheduler).
// args.repeat > 1 feeds the documents that many times over (a long feed, for reconfiguring
// while it runs); the copies are named doc1.txt#2, doc1.txt#3, ...
export function init(ctx, args) {
  ctx.state = { docs: args.docs, repeat: args.repeat ?? 1, next: 0, handedOut: {} };
}

export function onMessage(ctx, port, m) {
  if (m.head.op !== 'next') return { head: { error: 'unknown op ' + m.head.op } };
  const st = ctx.state;
  const n = st.docs.length;
  if (st.next >= n * (st.repeat ?? 1)) return { head: { done: true } };
  const doc = st.docs[st.next % n], round = Math.floor(st.next / n) + 1;
  st.next++;
  const name = round > 1 ? `${doc.name}#${round}` : doc.name;
  if ((st.repeat ?? 1) === 1) st.handedOut[name] = m.head.worker;
  return { head: { doc: name, seq: st.next }, body: doc.text };
}
