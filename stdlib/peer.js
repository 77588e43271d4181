// rdc/peer.js — the server-peer harness (dissertation §6.3): server-quiescence with respect to one
// client, replaceability R1–R3 for withdrawal, and hand-over of per-client state, so that a server
// written on it supplies only its transaction boundaries and its state hand-over.
//
//   import { serverPeer } from "rdc/peer.js";
//   export const { init, onMessage, onEvent } = serverPeer({
//     init(ctx, args, ifaces) { },                       // optional
//     begins(msg, ctx) { return msg.head.part === 0; },   // first message of a transaction (default: every message)
//     ends(msg, ctx) { return msg.head.part === msg.head.parts - 1; },  // last one (default: every message)
//     serve(ctx, port, msg, client, id) { },              // the work; client = this client's state (a plain object)
//     handOver(ctx, id, client) { return client; },       // optional: the state a peer takes over
//     takeOver(ctx, id, state) { return state; },         // optional: the state from a peer, as this peer keeps it
//     withdraw(ctx) { },                                  // optional: finalisation once replaceable (§6.3.1)
//     onEvent(ctx, ev) { },                               // optional
//   });
//
// A client is a source stream (msg.from): "an incarnation with several streams to the same service
// is regarded as several clients" (§6.2). A transaction is the client's messages from one that
// begins to one that ends; the harness owns onMessage and, told to quiesce for client C, finishes
// C's current transaction and then holds C (ctx.hold): C's next first message stays queued at the
// port, so a rebind "moving from" the port moves it with the rest (§6.3.3).
//
// Control requests are invocations whose head is {rdc: "peer", op, client?}, sent to any of the
// server's ports by a manager (the functions at the end of this file, or the `quiesce` statement):
//   quiesce  {client}  → reply once server-quiescent for the client; body: its handed-over state
//   quiesce  {}        → reply once replaceable (R1–R3); body: {clients: {id: state}}; the peer then
//                        receives only control requests from the stream that asked (withdrawing)
//   quiesce  {keep: true} → the same for a code replacement (`replace … quiescent`): the server stays,
//                        so withdraw() does not run; a resume under the new code lets the clients in
//   import   {client}, body: state       → takes over a client's state (and releases it if held)
//   import   {},       body: {clients}   → the same for several clients
//   resume   {client?}                   → lets a quiesced client (or everything) be received again
//   status   {}                          → {open: [ids], held, withdrawing}
// Replies have head {rdc: "peer", ok: true, ...}; a bad request gets {rdc: "peer", ok: false, error}.

const RDC = 'peer';

export function serverPeer(server) {
  const begins = server.begins ?? (() => true);
  const ends = server.ends ?? (() => true);
  const handOver = server.handOver ?? ((ctx, id, client) => client);
  const takeOver = server.takeOver ?? ((ctx, id, state) => state);
  if (typeof server.serve !== 'function') throw new TypeError('serverPeer needs serve(ctx, port, msg, client, id)');
  // Control requests waiting for quiescence (reply handles cannot be part of ctx.state).
  const waiting = new Map(); // client id -> [reply handles]
  let replaceable = null; // the reply handle of a pending withdrawal request
  let keeping = false; // that request is for a code replacement: the server stays

  function peerState(ctx) {
    if (!ctx.state.peer) ctx.state.peer = { clients: {}, withdrawing: false, quiesced: {} };
    return ctx.state.peer;
  }

  function record(ctx, id) {
    const p = peerState(ctx);
    let c = p.clients[id];
    if (!c) c = p.clients[id] = { open: false, state: {} };
    return c;
  }

  function reply(ctx, handle, head, body) {
    ctx.reply(handle, { head: Object.assign({ rdc: RDC, ok: true }, head), body });
  }

  // Server-quiescent for id: not engaged in its transaction, and its next first message held.
  function quiesceNow(ctx, id) {
    const p = peerState(ctx);
    ctx.hold(id);
    p.quiesced[id] = true;
    const c = record(ctx, id);
    return handOver(ctx, id, c.state);
  }

  function openIds(ctx) {
    const p = peerState(ctx);
    return Object.keys(p.clients).filter((id) => p.clients[id].open);
  }

  // R3 reached when no client's transaction is open (all others are held already).
  function checkReplaceable(ctx) {
    if (replaceable === null || openIds(ctx).length > 0) return;
    const p = peerState(ctx);
    const clients = {};
    for (const id of Object.keys(p.clients)) clients[id] = handOver(ctx, id, p.clients[id].state);
    if (server.withdraw && !keeping) server.withdraw(ctx);
    const h = replaceable;
    replaceable = null;
    reply(ctx, h, { quiescent: 'all', clients: Object.keys(clients).length }, { clients });
  }

  function transactionEnded(ctx, id) {
    const p = peerState(ctx);
    if (p.withdrawing) {
      ctx.hold(id); // under "all except", the client stops being an exception
      checkReplaceable(ctx);
      return;
    }
    const hs = waiting.get(id);
    if (!hs) return;
    waiting.delete(id);
    const state = quiesceNow(ctx, id);
    for (const h of hs) reply(ctx, h, { quiescent: id }, state);
  }

  function control(ctx, port, msg) {
    const h = msg.head;
    const p = peerState(ctx);
    const id = h.client ?? null;
    switch (h.op) {
      case 'quiesce': {
        if (id !== null) {
          const c = record(ctx, id);
          if (!c.open) return ok({ quiescent: id }, quiesceNow(ctx, id));
          const handle = ctx.defer(msg);
          if (!waiting.has(id)) waiting.set(id, []);
          waiting.get(id).push(handle);
          return undefined;
        }
        if (replaceable !== null) return refuse('a withdrawal is already under way');
        p.withdrawing = true;
        keeping = h.keep === true;
        // Hold every source but the manager's and the clients in mid-transaction; each of those
        // is held as its transaction ends (transactionEnded).
        ctx.holdAll([msg.from, ...openIds(ctx)]);
        replaceable = ctx.defer(msg);
        checkReplaceable(ctx);
        return undefined;
      }
      case 'import': {
        const given = id !== null ? { [id]: msg.body } : (msg.body && msg.body.clients) || {};
        for (const cid of Object.keys(given)) {
          const c = record(ctx, cid);
          c.state = takeOver(ctx, cid, given[cid]) ?? {};
          c.open = false;
          if (p.quiesced[cid]) {
            delete p.quiesced[cid];
            ctx.release(cid);
          }
        }
        return ok({ imported: Object.keys(given).length });
      }
      case 'resume': {
        // Also cancels requests still waiting (their manager gave up on them).
        if (id !== null) {
          cancel(ctx, waiting.get(id));
          waiting.delete(id);
          delete p.quiesced[id];
          ctx.release(id);
          return ok({ resumed: id });
        }
        for (const hs of waiting.values()) cancel(ctx, hs);
        waiting.clear();
        if (replaceable !== null) cancel(ctx, [replaceable]);
        p.withdrawing = false;
        p.quiesced = {};
        replaceable = null;
        ctx.releaseAll();
        return ok({ resumed: 'all' });
      }
      case 'status':
        return ok({ open: openIds(ctx), quiesced: Object.keys(p.quiesced), withdrawing: p.withdrawing,
          clients: Object.keys(p.clients).length, waiting: [...waiting.keys()] });
      default:
        return refuse('unknown control request ' + JSON.stringify(h.op) + ' (quiesce, import, resume, status)');
    }
  }

  function cancel(ctx, handles) {
    for (const h of handles ?? []) {
      try {
        ctx.reply(h, { head: { rdc: RDC, ok: false, error: 'cancelled by resume' } });
      } catch (e) {
        // the invoker gave up already
      }
    }
  }

  function ok(head, body) {
    return { head: Object.assign({ rdc: RDC, ok: true }, head), body };
  }

  function refuse(error) {
    return { head: { rdc: RDC, ok: false, error } };
  }

  return {
    init(ctx, args, ifaces) {
      peerState(ctx);
      if (server.init) server.init(ctx, args, ifaces);
      peerState(ctx); // init may have replaced ctx.state
    },
    onMessage(ctx, port, msg) {
      if (msg.head && msg.head.rdc === RDC && msg.head.op !== undefined) return control(ctx, port, msg);
      const id = msg.from;
      const c = record(ctx, id);
      if (!c.open && begins(msg, ctx)) c.open = true;
      const result = server.serve(ctx, port, msg, c.state, id);
      if (ends(msg, ctx)) {
        c.open = false;
        transactionEnded(ctx, id);
      }
      return result;
    },
    onEvent(ctx, ev) {
      if (server.onEvent) server.onEvent(ctx, ev);
    },
  };
}

/** Whether this peer is being withdrawn (R2: a server should then initiate no new transactions). */
export function withdrawing(ctx) {
  return !!(ctx.state.peer && ctx.state.peer.withdrawing);
}

// ---- the manager's side: each call is an invocation on a stream to one of the peer's ports.

function clientId(ctx, client) {
  if (typeof client === 'string') return client;
  const d = ctx.testReference(client);
  if (!d.valid || d.kind !== 'stream_handle') throw new Error('a client is its stream id (msg.from) or a stream handle, not ' + JSON.stringify(d));
  return d.target;
}

function request(ctx, stream, head, body, timeout) {
  const r = ctx.invoke(stream, { head: Object.assign({ rdc: RDC }, head), body }, { timeout: timeout ?? 30000 });
  if (!r.head || r.head.rdc !== RDC) throw new Error('the server does not run the rdc/peer.js harness (it answered ' + JSON.stringify(r.head) + ')');
  if (!r.head.ok) throw new Error('the server refused ' + head.op + ': ' + r.head.error);
  return r;
}

/** Makes the peer server-quiescent for one client; returns the client's state to hand over. */
export function quiesce(ctx, stream, client, opts = {}) {
  return request(ctx, stream, { op: 'quiesce', client: clientId(ctx, client) }, undefined, opts.timeout).body;
}

/** Makes the peer replaceable (R1–R3); returns {clientId: state} for every client it served. */
export function withdraw(ctx, stream, opts = {}) {
  return request(ctx, stream, { op: 'quiesce' }, undefined, opts.timeout).body.clients;
}

/** Gives a peer one client's state (before its stream is rebound there). */
export function handOver(ctx, stream, client, state) {
  request(ctx, stream, { op: 'import', client: clientId(ctx, client) }, state);
}

/** Gives a peer several clients' states: {clientId: state}. */
export function handOverAll(ctx, stream, clients) {
  request(ctx, stream, { op: 'import' }, { clients });
}

/** Lets a quiesced client (or, without one, every client) be received again. */
export function resume(ctx, stream, client) {
  request(ctx, stream, client === undefined ? { op: 'resume' } : { op: 'resume', client: clientId(ctx, client) });
}

export function peerStatus(ctx, stream) {
  return request(ctx, stream, { op: 'status' }).head;
}
