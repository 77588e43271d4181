// Version 2 of the worker (a hot replacement, docs/replacement.md): ragged-right lines instead of
// justified ones, the version in each result's head, and a count of the documents done under each
// version. Replaced into running workers (`replace`), it takes their state through upgrade().
export const version = 2;

export function init(ctx, args) {
  ctx.state = { width: args.width, done: 0, pace: args.pace ?? 0, doneByVersion: { 2: 0 } };
  ctx.after(0, 'next');
}

// The timer that version 1 set is kept by the replacement, so the loop goes on under this code.
export function upgrade(ctx, fromVersion, state) {
  return { ...state, doneByVersion: { [fromVersion]: state.done, 2: 0 } };
}

export function onEvent(ctx, ev) {
  if (ev.type !== 'TIMER') return;
  const r = ctx.invoke(ctx.ifaces.tasks, { head: { op: 'next', worker: ctx.where() } });
  if (r.head.done) return;
  const lines = ragged(r.body, ctx.state.width);
  const printed = [`== ${r.head.doc} (${lines.words} words) ==`, ...lines.out, `== end of ${r.head.doc} ==`];
  ctx.asinvoke(ctx.ifaces.out, { head: { doc: r.head.doc, worker: ctx.where(), lines: printed.length, v: version }, body: printed });
  ctx.state.done++;
  ctx.state.doneByVersion[version]++;
  ctx.after(ctx.state.pace ?? 0, 'next');
}

function ragged(text, width) {
  const out = [];
  let line = '', words = 0;
  for (const w of text.split(/\s+/)) {
    if (w.length === 0) continue;
    words++;
    if (line.length > 0 && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else {
      line = line.length > 0 ? line + ' ' + w : w;
    }
  }
  if (line.length > 0) out.push(line);
  return { out, words };
}
