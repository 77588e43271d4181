// The printers' output, as one log: each spooler sends it every document it prints. The test and
// the example ask it whether every document was printed exactly once, whole, at one printer.
export function init(ctx) {
  ctx.state = { prints: [] };
}

export function onMessage(ctx, port, m) {
  const h = m.head;
  if (h.op === 'printed') {
    ctx.state.prints.push({ doc: h.doc, printer: h.printer, parts: h.parts, texts: m.body, v: h.v ?? 1 });
    return undefined;
  }
  if (h.op === 'check') return { head: check(ctx.state.prints, h) };
  return { head: { error: 'paper takes {op: "printed"} or {op: "check", clients, docs, parts}' } };
}

// Expected: documents `${client}-d${k}` for k < docs, each of `parts` parts "doc part i".
function check(prints, want) {
  const seen = new Map();
  const duplicates = [], incomplete = [], unexpected = [];
  const byPrinter = {};
  for (const name of want.printers ?? []) byPrinter[name] = 0;
  for (const p of prints) {
    byPrinter[p.printer] = (byPrinter[p.printer] ?? 0) + 1;
    if (seen.has(p.doc)) duplicates.push(p.doc + ' at ' + seen.get(p.doc) + ' and ' + p.printer);
    seen.set(p.doc, p.printer);
    const whole = p.parts.length === want.parts && p.parts.every((x, i) => x === i)
      && p.texts.every((t, i) => t === p.doc + ' part ' + i);
    if (!whole) incomplete.push(p.doc + ' at ' + p.printer + ': parts ' + JSON.stringify(p.parts));
  }
  let missing = 0;
  for (const c of want.clients)
    for (let k = 0; k < want.docs; k++) if (!seen.has(c + '-d' + k)) missing++;
  for (const doc of seen.keys())
    if (!want.clients.some((c) => doc.startsWith(c + '-d'))) unexpected.push(doc);
  const at = {}, versions = {};
  for (const [doc, printer] of seen) at[doc] = printer;
  for (const p of prints) versions[p.doc] = p.v; // the spooler version that printed it (replace.rdc)
  return { printed: prints.length, distinct: seen.size, missing, duplicates, incomplete, unexpected, byPrinter, at, versions };
}
