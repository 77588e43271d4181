// The ctx object every incarnation's handlers receive (DESIGN §5, the calls of appendix B in
// JavaScript spelling). Each call goes to the kernel through one host function `k`; a failed
// operation comes back as an RdcError instance, thrown here so that JS code can catch it.
(function (k) {
  'use strict';
  class RdcError extends Error {
    constructor(message) { super(message); this.name = 'RdcError'; }
  }
  const enc = (v) => (v === undefined ? null : JSON.stringify(v));
  const dec = (s) => (s == null ? undefined : JSON.parse(s));
  function call(...args) {
    const r = k(...args);
    if (r instanceof RdcError) throw r;
    return r;
  }
  // Propagation flags of §4.6: keep (default) or destroy the original, no further propagation,
  // reduced rights (true: observe only, or an explicit rights mask).
  function flags(m) {
    let f = 0;
    if (m.keep === false) f |= 1;
    if (m.noFurther) f |= 2;
    if (m.reduced === true) f |= 4;
    // retain (a unicast port, §6.2.4): true or 'queue' keeps the queue at the original, which goes
    // on queueing until the new port is received; 'hold' keeps the queue there too but holds
    // senders pending meanwhile — their messages go to the new port once it is received, in order.
    if (m.retain === 'hold') f |= 8 | 16;
    else if (m.retain === true || m.retain === 'queue') f |= 8;
    else if (m.retain !== undefined && m.retain !== false && m.retain !== null) throw new RdcError("retain is true, 'queue' or 'hold', not " + JSON.stringify(m.retain));
    return f;
  }
  function rights(m) { return typeof m.reduced === 'number' ? m.reduced : -1; }
  function mkMsg(head, body, port, from, ref, reply, kind) {
    const m = { head: dec(head), body: dec(body), port, from, kind };
    if (ref != null) m.ref = ref;
    if (reply != null) m.reply = reply;
    return m;
  }
  function mkReply(r) {
    const out = { head: dec(r[0]), body: dec(r[1]) };
    if (r[2] != null) out.ref = r[2];
    return out;
  }
  // Bytes cross to the kernel as an ArrayBuffer (what the host can read in bulk).
  function toBytes(x) {
    if (x instanceof ArrayBuffer) return x;
    if (ArrayBuffer.isView(x)) return x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength);
    throw new RdcError('expected bytes (a typed array or ArrayBuffer)');
  }
  const space = {
    put(label, ref, copies) { call('spacePut', label, ref, copies === undefined ? 'unlimited' : copies); },
    get(label, opts = {}) { return call('spaceGet', label, opts.timeout ?? -1); },
    return(label) { call('spaceReturn', label); },
    delete(label) { return call('spaceDelete', label); },
    print() { return dec(call('spacePrint')); },
    UNLIMITED: 'unlimited',
    DONTCACHE: 'dontcache',
  };
  // The file service (docs/files.md): open(path, mode) gives a file reference, kept by path,
  // position and unflushed writes, that moves with the incarnation. Paths are relative to the RDC's
  // own directory; modes as fopen's: r, r+, w, w+, a, a+.
  const files = {
    open(path, mode = 'r') { return call('files.open', String(path), String(mode)); },
  };
  // A file reference's methods, made per file (the reference is a host object: these close over it).
  // A fixed global, so the host finds them in whichever context the file is used (CodeReplacement).
  Object.defineProperty(globalThis, '__rdcFileMethods', {
    value: (f) => Object.freeze({
      read(n) { return call('files.read', f, n ?? -1); },
      readBytes(n) { return new Uint8Array(call('files.readBytes', f, n ?? -1)); },
      write(data) { return call('files.write', f, typeof data === 'string' ? data : toBytes(data)); },
      seek(position) { call('files.seek', f, position); },
      flush() { call('files.flush', f); },
      close() { call('files.close', f); },
      size() { return call('files.size', f); },
    }),
  });
  const ctx = {
    state: {},
    space,
    files,
    send(stream, m = {}) { call('send', stream, enc(m.head), enc(m.body), m.ref ?? null, flags(m), rights(m)); },
    asinvoke(stream, m = {}) { call('asinvoke', stream, enc(m.head), enc(m.body), m.ref ?? null, flags(m), rights(m)); },
    dgram(stream, m = {}) { call('dgram', stream, enc(m.head), enc(m.body), m.ref ?? null, flags(m), rights(m)); },
    // Waits until everything sent on the stream is acknowledged (queued at its port, or at a member
    // of its group), or throws saying why not (the stream failed, or no acknowledgement in time).
    flush(stream) { call('flush', stream); },
    invoke(stream, m = {}, opts = {}) {
      return mkReply(call('invoke', stream, enc(m.head), enc(m.body), m.ref ?? null, flags(m), rights(m), opts.timeout ?? 30000));
    },
    reply(msgOrHandle, m = {}) {
      const h = msgOrHandle && msgOrHandle.reply !== undefined ? msgOrHandle.reply : msgOrHandle;
      call('reply', h, enc(m.head), enc(m.body), m.ref ?? null, flags(m), rights(m));
    },
    defer(msg) { return call('defer', msg.reply ?? null); },
    forward(stream, msgOrHandle, head) {
      const h = msgOrHandle && msgOrHandle.reply !== undefined ? msgOrHandle.reply : msgOrHandle;
      call('forward', stream, h, head === undefined ? null : enc(head));
    },
    receive(port, opts = {}) { return call('receive', port ?? null, opts.from ?? null, opts.timeout ?? -1); },
    // Selective reception for onMessage (§6.3.3): messages from a held source (msg.from, or a
    // stream handle) stay queued at their port — testPort counts them, receive(port, {from}) takes
    // them, queue movement moves them — until released. holdAll(except) holds every other source.
    hold(source) { call('hold', 'one', source); },
    release(source) { call('hold', 'release', source); },
    holdAll(except = []) { call('hold', 'all', except); },
    releaseAll() { call('hold', 'none', null); },
    holds(source) { return call('hold', 'test', source); },
    testPort(port, opts = {}) { return dec(call('testPort', port, opts.from ?? null)); },
    create(module, opts = {}) {
      return call('create', module, opts.at ?? opts.node ?? 0, enc(opts.args ?? null), enc(opts.interfaces ?? []), !!opts.inchoate, opts.name ?? null);
    },
    destroy(h) { call('destroy', h); },
    // Termination dependency (§7.3.1): the child is terminated when this incarnation terminates or is
    // unreachable ('absolute'), when every parent of its group is ('group'), or no longer ('none').
    makeDependent(child, mode = 'absolute') { call('makeDependent', child, mode); },
    freeze(h) { call('freeze', h); },
    unfreeze(h, priority = 0) { call('unfreeze', h, priority); },
    status(h) { return dec(call('status', h)); },
    // Migration (§7.4): returns once the destination has committed; MIGRATEDONE (or MIGRATEFAILED) tells the end.
    // opts.wait (moving another incarnation): returns when it runs there, {elapsedMs, frozenMs}, or throws why not.
    migrate(h, node, opts = {}) { return dec(call('migrate', h, node, opts.within ?? 10000, !!opts.wait)); },
    // A manager's view of its own RDC (docs/pool.md, "Load balancing"): its incarnations wherever they run,
    // [{id, name, module, state, node, queued, handlerMicros, self}], and a handle (migrate, status, events) on one of them.
    incarnations() { return dec(call('incarnations')); },
    adopt(id) { return call('adopt', id == null ? null : String(id)); },
    // Hot code replacement (issue 19): h runs the named module's code on its state from its next
    // handler boundary; its upgrade(ctx, fromVersion, state) may transform the state. Throws, and h
    // runs on unchanged, if the new code fails to load or its upgrade throws.
    replace(h, module, opts = {}) { call('replace', h, module, opts.within ?? 10000); },
    // fork (§5.3): a copy of this incarnation at another node. The parent gets {child, streams}; the
    // child starts from the state as it is now and runs onForked(ctx, parent) instead of init.
    fork(node, ports = [], opts = {}) {
      const r = call('fork', node, ports, opts.name ?? null);
      const streams = {};
      for (const k of Object.keys(r[1])) streams[k] = r[1][k];
      return { child: r[0], streams };
    },
    setInterest(h, events) { call('setInterest', h, enc(events)); },
    chanCreate(label, type = 'unicast') { const r = call('chanCreate', label ?? null, type); return { stream: r[0], port: r[1] }; },
    portCreate(channelStream) { return call('portCreate', channelStream ?? null); },
    joinChannel(port, channelStream) { call('joinChannel', port, channelStream); },
    // Reconfiguration (ch. 6): port attachment, stream rebinding, frozen streams.
    attachPort(newPort, oldPort, opts = {}) { call('attachPort', newPort, oldPort ?? null, opts.channel ?? null, opts.moveQueue !== false); },
    rebindStream(stream, channelStream, fromPort) { call('rebindStream', stream, channelStream, fromPort ?? null); },
    freezeStream(stream) { call('freezeStream', stream, true); },
    unfreezeStream(stream) { call('freezeStream', stream, false); },
    hanCreate(ref) { return call('hanCreate', ref); },
    close(ref) { call('close', ref); },
    testReference(ref) { return dec(call('testReference', ref)); },
    // opts.rdcs: the RDCs (names, or ids as ctx.rdcId() shows them) that may look the name up; default every RDC.
    register(name, stream, opts = {}) { call('register', name, stream, opts.rdcs == null ? null : [].concat(opts.rdcs).map(String)); },
    unregister(name) { return call('unregister', name); },
    lookup(name) { return call('lookup', name); },
    buffer(size) { return call('buffer', size); },
    readBuffer(h, offset = 0, length) { return new Uint8Array(call('readBuffer', h, offset, length ?? -1)); },
    writeBuffer(h, offset, bytes) { call('writeBuffer', h, offset, toBytes(bytes)); },
    copyFrom(h, offset, length) { return new Uint8Array(call('copyFrom', h, offset, length)); },
    copyTo(h, offset, bytes) { call('copyTo', h, offset, toBytes(bytes)); },
    after(ms, tag) { call('after', ms, tag === undefined ? null : String(tag)); },
    self() { return call('self'); },
    where() { return call('where'); },
    rdcId() { return call('rdcId'); },
    nodes(group) { return dec(call('nodes', group ?? null)); },
    // Node allocation (§3.4, inc_nodeAlloc; docs/pool.md): {open, nodes: [{id, groups, exclusive, given}], pending}.
    // opts.wait (ms): wait that long for nodes not free at once; the answer marks the nodes just given.
    // (releaseNode, not release: release(source) is selective receive's, above.)
    allocate(count, group, opts = {}) { return dec(call('allocate', count, String(group), opts.wait ?? null)); },
    releaseNode(node) { return dec(call('releaseNode', node)); },
    allocation() { return dec(call('allocation')); },
    iface(name) { const r = this.ifaces[name]; if (r === undefined) throw new RdcError('no interface named ' + name); return r; },
    log(...parts) { call('log', parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ')); },
    ifaces: {},
  };
  function mkErr(message) { return new RdcError(message); }
  function newBytes(n) { return new ArrayBuffer(n); }
  // Size and the first 200 characters of the state as JSON, for status and inspect. Binary data
  // (typed arrays, DataViews, ArrayBuffers) counts as its byte length and shows as a placeholder:
  // plain JSON would write each element as a keyed property (seconds for 16 MB, run after init and
  // after every migration's arrival, delaying the incarnation's next handler).
  const isView = ArrayBuffer.isView, isBuffer = (v) => v instanceof ArrayBuffer;
  function stateSize() {
    try {
      let bin = 0;
      const j = JSON.stringify(ctx.state, (key, v) => {
        if (typeof v !== 'object' || v === null) return v;
        if (isView(v) || isBuffer(v)) { bin += v.byteLength; return '<' + v.byteLength + ' bytes>'; }
        return v;
      }) ?? 'undefined';
      return [j.length + bin, j.length > 200 ? j.slice(0, 200) + '…' : j];
    }
    catch (e) { return [-1, null]; }
  }
  return { ctx, mkMsg, mkErr, enc, newBytes, stateSize, dec };
})
