// rdc/balancer.js — the load balancer of a `balanced` RDC (docs/pool.md, "Load balancing";
// dissertation §3.4 and §7.2.1): a manager incarnation of the RDC that, every period, reads the
// load of the nodes it may use and moves busy incarnations of its RDC from loaded nodes to idle
// ones by ordinary migration (queues and messages in flight move with them). It is user-level code
// over ctx calls any incarnation has, so an RDC may run it, run it with other figures, or run its
// own instead.
//
//   export { init, onEvent, onMessage } from "rdc/balancer.js";
//   create b : balancer({group: "balanced", period: 1000}) at node 201
//
// Arguments (all optional):
//   group      the node group it balances over (default "balanced"); only nodes of the group that
//              answer and that the RDC is allocated are used, as sources and as destinations
//   period     ms between rounds while there is something to do (default 1000)
//   maxPeriod  ms between rounds after idle rounds: the period doubles each idle round up to this
//              (default 8 × period)
//   threshold  a node gives work away only when its load exceeds the least loaded node's by at
//              least this (default 2: one move then makes them no further apart)
//   confirm    rounds in a row the imbalance must be seen before it acts (default 2: a burst shorter
//              than a period or two moves nothing)
//   maxMoves   migrations at most per round (default 4)
//   settle     rounds an incarnation it moved stays where it was put (default 5)
//   within     ms a migration may wait for the incarnation's handler to end (default 10000)
//
// Load is the node's `load` figure (incarnations running guest code or with work queued: `show
// nodes`, ctx.nodes()), for every RDC's incarnations there, or, when larger, the number of this
// RDC's incarnations there that were busy since the last round; whom to move is chosen among this RDC's
// EXECUTING incarnations at the loaded node (never a MIGRATING, FROZEN, FAULTING or INCHOATE one,
// nor itself) that are busy (handler time since the last round, or work queued), busiest first.
// Each move is printed (an OUTPUT event to whoever watches the balancer: the operator that created
// it), naming the incarnation, from, to, the figures and why. {op: 'report'} on any port it is given
// answers {rounds, moves, failed, last} (last: the figures and decisions of the latest round).

const DEFAULTS = { group: 'balanced', period: 1000, threshold: 2, confirm: 2, maxMoves: 4, settle: 5, within: 10000 };

export function init(ctx, args) {
  const o = Object.assign({}, DEFAULTS, args ?? {});
  if (o.maxPeriod === undefined) o.maxPeriod = 8 * o.period;
  for (const k of ['period', 'maxPeriod', 'threshold', 'confirm', 'maxMoves', 'settle', 'within'])
    if (typeof o[k] !== 'number' || !(o[k] > 0)) throw new Error('balancer: ' + k + ' must be a positive number, not ' + JSON.stringify(o[k]));
  if (typeof o.group !== 'string' || o.group === '') throw new Error('balancer: group must be a node group name, not ' + JSON.stringify(o.group));
  ctx.state = { opts: o, wait: o.period, round: 0, seen: {}, movedAt: {}, imbalanced: 0, rounds: 0, moves: 0, failed: 0, last: null };
  ctx.after(o.period, 'balance');
}

export function onEvent(ctx, ev) {
  if (ev.type !== 'TIMER' || ev.tag !== 'balance') return;
  const s = ctx.state;
  try {
    s.wait = round(ctx, s) ? s.opts.period : Math.min(s.opts.maxPeriod, s.wait * 2);
  } catch (e) { // a node or the control plane not answering this round: said, and tried again next round
    ctx.log('balance: round ' + s.round + ' failed: ' + (e && e.message ? e.message : e));
    s.wait = s.opts.period;
  }
  ctx.after(s.wait, 'balance');
}

export function onMessage(ctx, port, m) {
  const s = ctx.state;
  if (m.head && m.head.op === 'report') return { head: { rounds: s.rounds, moves: s.moves, failed: s.failed, last: s.last } };
  return { head: { error: "the balancer answers {op: 'report'} only" } };
}

/** The nodes it may use: of its group, answering, allocated to the RDC. */
function usable(ctx, group) {
  const a = ctx.allocation();
  const allocated = new Set(a.nodes.map((n) => n.id));
  return ctx.nodes(group).filter((n) => n.reachable && (a.open || allocated.has(n.id)));
}

/** Busy: it ran handlers since the last round, or has work queued. */
function isBusy(i, busy) {
  return busy[i.id] > 0 || i.queued > 0;
}

/** One round; true when it saw an imbalance (it keeps the short period), false when idle (it backs off). */
function round(ctx, s) {
  const o = s.opts;
  s.round++;
  s.rounds++;
  const nodes = usable(ctx, o.group);
  const incs = ctx.incarnations();
  // Handler time since the last round, per incarnation (handler time travels with a migration).
  const busy = {};
  const seenNow = {};
  for (const i of incs) {
    const before = s.seen[i.id];
    busy[i.id] = before === undefined ? 0 : Math.max(0, i.handlerMicros - before);
    seenNow[i.id] = i.handlerMicros;
  }
  s.seen = seenNow;
  for (const id of Object.keys(s.movedAt)) if (s.round - s.movedAt[id] >= o.settle) delete s.movedAt[id];
  // A node's load as used here: its own `load` figure (every RDC's incarnations running or with work
  // queued at this instant), or, when larger, how many of this RDC's incarnations there were busy
  // since the last round. The instant figure misses an incarnation caught between two messages; the
  // count over the round does not, so an even spread stays put instead of churning on noise.
  const mine = {};
  for (const i of incs) if (!i.self && isBusy(i, busy)) mine[i.node] = (mine[i.node] ?? 0) + 1;
  const load = {};
  for (const n of nodes) load[n.id] = Math.max(n.load, mine[n.id] ?? 0);
  s.last = {
    round: s.round,
    nodes: nodes.map((n) => ({ id: n.id, load: n.load, busy: n.busy, queued: n.queued, incarnations: n.incarnations, mineBusy: mine[n.id] ?? 0, used: load[n.id] })),
    moves: [],
  };
  if (nodes.length < 2) return false;
  const spread = () => {
    let hi = nodes[0], lo = nodes[0];
    for (const n of nodes) {
      if (load[n.id] > load[hi.id]) hi = n;
      if (load[n.id] < load[lo.id] || (load[n.id] === load[lo.id] && n.id < lo.id)) lo = n;
    }
    return { hi, lo };
  };
  let { hi, lo } = spread();
  if (load[hi.id] - load[lo.id] < o.threshold) { s.imbalanced = 0; return false; }
  if (++s.imbalanced < o.confirm) return true; // seen, not yet confirmed
  const exhausted = new Set(); // loaded nodes with nothing of this RDC's left to move this round
  let moves = 0;
  while (moves < o.maxMoves) {
    const sources = nodes.filter((n) => !exhausted.has(n.id)).sort((a, b) => load[b.id] - load[a.id] || a.id - b.id);
    if (sources.length === 0) break;
    hi = sources[0];
    lo = spread().lo;
    const gap = load[hi.id] - load[lo.id];
    if (gap < o.threshold) break;
    const candidates = incs
      .filter((i) => i.node === hi.id && i.state === 'EXECUTING' && !i.self && s.movedAt[i.id] === undefined
        && isBusy(i, busy))
      .sort((a, b) => busy[b.id] - busy[a.id] || b.queued - a.queued);
    if (candidates.length === 0) { exhausted.add(hi.id); continue; }
    const c = candidates[0];
    const why = 'node ' + hi.id + ' load ' + load[hi.id] + ' exceeds node ' + lo.id + ' load ' + load[lo.id] + ' by ' + gap
      + ' >= threshold ' + o.threshold + '; ' + c.name + ' ran ' + (busy[c.id] / 1000).toFixed(1) + ' ms of handlers since the last round, '
      + c.queued + ' queued';
    s.movedAt[c.id] = s.round; // tried: not tried again for settle rounds, moved or not
    const move = { id: c.id, name: c.name, from: hi.id, to: lo.id, why };
    let handle = null;
    try {
      handle = ctx.adopt(c.id);
      const done = ctx.migrate(handle, lo.id, { within: o.within, wait: true });
      move.ms = done.elapsedMs;
      c.node = lo.id;
      load[hi.id] -= 1;
      load[lo.id] += 1;
      s.moves++;
      ctx.log('balance: moved ' + c.name + ' (' + c.id + ') from node ' + hi.id + ' to node ' + lo.id + ' in '
        + done.elapsedMs.toFixed(1) + ' ms: ' + why);
    } catch (e) {
      move.error = e && e.message ? e.message : String(e);
      s.failed++;
      ctx.log('balance: could not move ' + c.name + ' (' + c.id + ') from node ' + hi.id + ' to node ' + lo.id + ': ' + move.error + ' (' + why + ')');
    } finally {
      if (handle !== null) ctx.close(handle); // a long-running balancer keeps no handle per move
    }
    s.last.moves.push(move);
    moves++;
  }
  return true;
}
