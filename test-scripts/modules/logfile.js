// Keeps a log file open (ctx.files, docs/files.md) and writes one line per message to it;
// {op: "check"} reads the file back and says whether it holds lines 1..n, each once, in order.
export function init(ctx) { ctx.state = { log: ctx.files.open('script.log', 'w'), n: 0 }; }
export function onMessage(ctx, port, m) {
  const h = m.head, st = ctx.state;
  if (h.op === 'line') { st.log.write('line ' + (++st.n) + '\n'); return { head: { n: st.n } }; }
  if (h.op === 'check') {
    st.log.flush();
    const f = ctx.files.open('script.log', 'r');
    const lines = f.read().split('\n').filter((l) => l !== '');
    f.close();
    return { head: { lines: lines.length, inOrder: lines.every((l, i) => l === 'line ' + (i + 1)), n: st.n } };
  }
  if (h.op === 'open') {
    try { ctx.files.open(h.path, 'w').close(); return { head: { ok: true } }; }
    catch (e) { return { head: { ok: false, refused: e.message.includes('is refused'), error: e.message } }; }
  }
}
