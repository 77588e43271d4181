// Repeatedly acquires a document from the scheduler (invoke), formats it, and sends the result
// asynchronously to the printer spooler (asinvoke). Each document is one handler run: the worker
// continues by a timer event, so it is frozen, migrated or destroyed between documents.
// args.pace: milliseconds between documents (0: as fast as the scheduler hands them out).
export function init(ctx, args) {
  ctx.state = { width: args.width, done: 0, pace: args.pace ?? 0 };
  ctx.after(0, 'next');
}

export function onEvent(ctx, ev) {
  if (ev.type !== 'TIMER') return;
  const r = ctx.invoke(ctx.ifaces.tasks, { head: { op: 'next', worker: ctx.where() } });
  if (r.head.done) return;
  const printed = format(r.head.doc, r.body, ctx.state.width);
  ctx.asinvoke(ctx.ifaces.out, { head: { doc: r.head.doc, worker: ctx.where(), lines: printed.length }, body: printed });
  ctx.state.done++;
  ctx.after(ctx.state.pace ?? 0, 'next');
}

// Fills words into lines of at most `width` characters and justifies each full line.
export function format(name, text, width) {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  const lines = [];
  let line = [];
  let len = 0;
  for (const w of words) {
    if (len + w.length + line.length > width && line.length > 0) {
      lines.push(justify(line, width));
      line = [];
      len = 0;
    }
    line.push(w);
    len += w.length;
  }
  if (line.length > 0) lines.push(line.join(' '));
  return [`== ${name} ==`, ...lines, `== end of ${name} (${words.length} words) ==`];
}

function justify(words, width) {
  if (words.length === 1) return words[0];
  const letters = words.reduce((a, w) => a + w.length, 0);
  let gaps = width - letters;
  const slots = words.length - 1;
  let out = '';
  for (let i = 0; i < words.length; i++) {
    out += words[i];
    if (i < slots) {
      const n = Math.ceil(gaps / (slots - i));
      out += ' '.repeat(n);
      gaps -= n;
    }
  }
  return out;
}
