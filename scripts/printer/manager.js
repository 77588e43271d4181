// The printer server's manager (fig. 2.2, §6.4): clients connect through it; it hands each a
// stream to one spooler and keeps a handle to that stream. When a spooler reports a queue longer
// than the threshold (its testPort, §6.4 step 1) and a second printer node is free, it creates a
// second spooler and moves half of the first one's clients there (fig. 6.4); told to withdraw a
// spooler, it moves that spooler's clients, their state and their queued messages to the other.
// Every move is consistent (§6.3.3): the spooler is made server-quiescent for the client first
// (rdc/peer.js), its state handed to the new spooler, and then the client's stream is rebound
// "moving from" the old spooler's port, which carries the client's held messages along.
//
// args: {threshold, printers: [node, node], printMs, transaction, clients: how many clients to
//   expect before rebalancing (so that "half" means half of them)}
// interfaces: port connect (registered as "printer" in the name service), port report (load
//   reports from the spoolers, and the operator's requests {op: "status" | "withdraw", spooler}).
import { quiesce, handOver, handOverAll, withdraw } from 'rdc/peer.js';

export function init(ctx, args) {
  ctx.state = { threshold: args.threshold ?? 10, printers: args.printers, printMs: args.printMs ?? 0,
    transaction: args.transaction ?? 'document', spoolers: {}, clients: {}, pending: {}, moves: [], withdrawn: [],
    maxQueue: {}, expect: args.clients ?? 0 };
  addSpooler(ctx, 'spool1', 'printer1', args.printers[0]);
  ctx.register('printer', ctx.space.get('printer.connect'));
}

function addSpooler(ctx, name, label, node) {
  const st = ctx.state;
  const inc = ctx.create('spooler', { at: node, name, args: { name, printMs: st.printMs, transaction: st.transaction },
    interfaces: [{ port: 'in', on: label, handle: label + '.port' }, { stream: 'report', to: 'printer.report' }, { stream: 'device', to: 'paper' }] });
  // fig. 6.4 lines 6-7: a stream to the new spooler's channel, and a handle to its port.
  st.spoolers[name] = { name, label, inc, stream: ctx.space.get(label), port: ctx.space.get(label + '.port'), clients: 0 };
  ctx.log(`${name} on node ${node} (channel ${label})`);
}

function leastLoaded(ctx) {
  let best = null;
  for (const s of Object.values(ctx.state.spoolers)) if (best === null || s.clients < best.clients) best = s;
  return best;
}

// Moves one client between spoolers consistently: server-quiescence, state hand-over, rebinding.
function move(ctx, c, from, to) {
  const t0 = Date.now();
  const state = quiesce(ctx, from.stream, c.handle);
  handOver(ctx, to.stream, c.id, state);
  ctx.rebindStream(c.handle, to.stream, from.port);
  from.clients--;
  to.clients++;
  c.spooler = to.name;
  ctx.state.moves.push({ client: c.name, from: from.name, to: to.name, ms: Date.now() - t0, buffered: state && state.doc ? state.doc.parts.length : 0 });
}

function rebalance(ctx) {
  const st = ctx.state;
  const s1 = st.spoolers.spool1;
  addSpooler(ctx, 'spool2', 'printer2', st.printers[1]);
  const s2 = st.spoolers.spool2;
  const mine = Object.values(st.clients).filter((c) => c.spooler === 'spool1');
  for (const c of mine.slice(0, Math.floor(mine.length / 2))) move(ctx, c, s1, s2);
  ctx.log(`added spool2 and moved ${Math.floor(mine.length / 2)} of ${mine.length} clients to it`);
}

// Withdrawal (§6.3.3, §6.4 "Dealing with node withdrawal"): the spooler becomes replaceable
// (R1–R3), its clients' states go to the other spooler, their streams are rebound there with
// their queued messages, and then it is destroyed.
function withdrawSpooler(ctx, name) {
  const st = ctx.state;
  const gone = st.spoolers[name];
  if (!gone) return { error: 'no spooler ' + name };
  const other = Object.values(st.spoolers).find((s) => s.name !== name);
  if (!other) return { error: 'cannot withdraw the only spooler' };
  const t0 = Date.now();
  const states = withdraw(ctx, gone.stream);
  handOverAll(ctx, other.stream, states);
  let moved = 0;
  for (const c of Object.values(st.clients)) {
    if (c.spooler !== name) continue;
    ctx.rebindStream(c.handle, other.stream, gone.port);
    c.spooler = other.name;
    other.clients++;
    moved++;
  }
  const queued = ctx.status(gone.inc).queued;
  ctx.destroy(gone.inc);
  delete st.spoolers[name];
  const w = { spooler: name, to: other.name, clients: moved, states: Object.keys(states).length, queuedAtDestroy: queued, ms: Date.now() - t0 };
  st.withdrawn.push(w);
  ctx.log(`withdrew ${name}: ${moved} clients and their queue to ${other.name} in ${w.ms} ms`);
  return w;
}

export function onMessage(ctx, port, m) {
  const st = ctx.state;
  const h = m.head;
  switch (h.op) {
    case 'connect': {
      const s = leastLoaded(ctx);
      s.clients++;
      st.pending[h.client] = s.name;
      return { head: { spooler: s.name }, ref: s.stream };
    }
    case 'handle': {
      const d = ctx.testReference(m.ref);
      st.clients[h.client] = { name: h.client, handle: m.ref, id: d.target, spooler: st.pending[h.client] };
      delete st.pending[h.client];
      return { head: { ok: true } };
    }
    case 'load': {
      st.maxQueue[h.spooler] = Math.max(st.maxQueue[h.spooler] ?? 0, h.queue);
      if (h.queue > st.threshold && !st.spoolers.spool2 && st.withdrawn.length === 0
          && Object.keys(st.clients).length >= st.expect) rebalance(ctx);
      return undefined;
    }
    case 'withdraw':
      return { head: withdrawSpooler(ctx, h.spooler) };
    case 'status': {
      const where = {};
      for (const c of Object.values(st.clients)) where[c.name] = c.spooler;
      return { head: { spoolers: Object.keys(st.spoolers), clients: where, moves: st.moves, withdrawn: st.withdrawn, maxQueue: st.maxQueue } };
    }
    default:
      return { head: { error: 'unknown op ' + h.op } };
  }
}
