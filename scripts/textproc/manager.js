// The text-processing RDC of §2.4.2 / §5.2.1: the manager establishes the configuration
// (scheduler, one worker per node up to the number of documents, a printer spooler, its own
// "report" channel), then monitors the spooler's reports until every document is printed.
//
// args: { docs: [{name, text}], width: 60, nodes?: [ids], spoolerAt?: id, schedulerAt?: id,
//         repeat?: n (feed the documents n times over), pace?: ms between a worker's documents }
// interfaces: monitor (optional) — a stream to whoever wants the monitoring lines (the operator).
export function init(ctx, args, ifaces) {
  const docs = args.docs;
  const nodes = args.nodes ?? ctx.nodes().filter((n) => n.reachable).map((n) => n.id);
  const workers = Math.max(1, Math.min(nodes.length, docs.length));
  const total = docs.length * (args.repeat ?? 1);
  ctx.state = { total, printed: 0, queue: 0, workers, lines: [] };

  // 4] the manager's own channel for reports (any order would do: declarations are order-free);
  // a script may have declared it already as the manager's port `report`.
  if (!ifaces.report) ctx.chanCreate('report', 'unicast');

  // 1] the scheduler, with a port on a new channel "scheduler"
  ctx.create('scheduler', { at: args.schedulerAt ?? nodes[0], name: 'scheduler', args: { docs, repeat: args.repeat ?? 1 },
    interfaces: [{ port: 'tasks', on: 'scheduler' }] });
  // 3] the printer spooler: a port on a new channel "printer1", a stream to "report"
  ctx.create('spooler', { at: args.spoolerAt ?? nodes[nodes.length - 1], name: 'spooler', args: { total },
    interfaces: [{ port: 'in', on: 'printer1' }, { stream: 'report', to: 'report' }] });
  // 2] the workers: streams to "scheduler" and "printer1"
  for (let i = 0; i < workers; i++) {
    ctx.create('worker', { at: nodes[i % nodes.length], name: 'worker' + (i + 1), args: { width: args.width ?? 60, pace: args.pace ?? 0 },
      interfaces: [{ stream: 'tasks', to: 'scheduler', handle: 'worker' + (i + 1) }, { stream: 'out', to: 'printer1' }] });
  }
  monitor(ctx, `manager: ${total} documents, ${workers} workers on nodes ${nodes.slice(0, workers).join(',')}`);
}

function monitor(ctx, line) {
  ctx.log(line);
  if (ctx.ifaces.monitor) ctx.send(ctx.ifaces.monitor, { head: { line, printed: ctx.state.printed, total: ctx.state.total, queue: ctx.state.queue } });
}

export function onMessage(ctx, port, m) {
  const st = ctx.state;
  if (m.head.op === 'progress') return { head: { printed: st.printed, total: st.total, queue: st.queue, workers: st.workers } };
  if (m.head.printed === undefined) return;
  ctx.state.printed = m.head.printed;
  ctx.state.queue = m.head.queue;
  monitor(ctx, `printed ${m.head.printed}/${ctx.state.total} (${m.head.doc}), spooler queue ${m.head.queue}`);
  if (m.head.printed === ctx.state.total) {
    if (ctx.ifaces.monitor) ctx.send(ctx.ifaces.monitor, { head: { done: true, printed: m.head.printed, total: ctx.state.total }, body: m.body });
  }
}
