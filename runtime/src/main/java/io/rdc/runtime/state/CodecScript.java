package io.rdc.runtime.state;

import org.graalvm.polyglot.Source;

/**
 * The JavaScript half of {@link StateCodec}: evaluated once per context (from one cached
 * {@link Source}, so all contexts of an engine share parsed and compiled code). Evaluating it yields
 * {@code [encode, decode, warmErrorPaths]}.
 *
 * <p>{@code encode(value, rootName, classify)} walks the value in JS and returns
 * {@code [structBuffer, structLength, heapString, arrayBuffers]}; {@code classify(obj)} is a Java
 * callback for objects that are not plain JS data (proxies, host objects): it returns a reference
 * index (&ge; 0) or a negative code. {@code decode(structure, buffers, buffersLength, heap, refs)} rebuilds the value from the structure
 * (a Latin-1 string), the buffer section (a read-only host {@code ByteBuffer} the JS side views as an
 * ArrayBuffer and copies from, four bytes per step) and the string heap.
 * See {@link StateCodec} for the format.
 */
final class CodecScript {
    private CodecScript() {}

    static final String CODE = """
(function () {
'use strict';
const OP = Object.prototype, AP = Array.prototype, getProto = Object.getPrototypeOf, keysOf = Object.keys;
const defineProperty = Object.defineProperty, MapC = Map, SetC = Set, DateC = Date, ArrayBufferC = ArrayBuffer;
const ErrorC = Error, BigIntF = BigInt, isView = ArrayBuffer.isView, isArray = Array.isArray;
const KINDS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
               Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView];
const K_ARRAY = 1, K_DATE = 2, K_MAP = 3, K_SET = 4, K_ABUF = 5, K_VIEW = 16;
const protoKind = new MapC();
protoKind.set(AP, K_ARRAY); protoKind.set(DateC.prototype, K_DATE); protoKind.set(MapC.prototype, K_MAP);
protoKind.set(SetC.prototype, K_SET); protoKind.set(ArrayBufferC.prototype, K_ABUF);
for (let i = 0; i < KINDS.length; i++) protoKind.set(KINDS[i].prototype, K_VIEW + i);
const dateGetTime = DateC.prototype.getTime;
const sabProto = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer.prototype : undefined;
const promiseProto = Promise.prototype, regexpProto = RegExp.prototype;
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

// tags
const T_UNDEF = 0, T_NULL = 1, T_FALSE = 2, T_TRUE = 3, T_INT8 = 4, T_INT32 = 5, T_DOUBLE = 6, T_STR = 7,
      T_BIGINT = 8, T_OBJ = 9, T_OBJ_NULL = 10, T_ARRAY = 11, T_DATE = 12, T_MAP = 13, T_SET = 14,
      T_ABUF = 15, T_VIEW = 16, T_BACKREF = 17, T_REF = 18, T_OBJ_NEWSHAPE = 19, T_OBJ_SHAPE = 20;
// Object shapes (key lists) are cached per context across snapshots; a shape used more than HOT times
// gets a generated accessor (encoder) / factory (decoder) with constant property keys, so property
// access is monomorphic instead of keyed. Bounded; cleared when too many shapes accumulate.
const HOT = 8, MAX_SHAPE_KEYS = 64, MAX_SHAPES = 2048, MAX_SHAPES_PER_FIRST_KEY = 8;
const FunctionC = Function, jsonStringify = JSON.stringify;

// ---------------------------------------------------------------- encoder
let u8 = new Uint8Array(4096), dv = new DataView(u8.buffer), pos = 0;
let strs = [], buffers = [], seen = new MapC(), keyIds = new MapC(), nextId = 0, classify = null;
let shapes = new MapC(), shapeCount = 0, epoch = 0, nextShape = 0;

function shapeOf(ks, n) {
  const k0 = ks[0];
  let list = shapes.get(k0);
  if (list === undefined) { list = []; shapes.set(k0, list); }
  outer: for (let j = 0; j < list.length; j++) {
    const sh = list[j], sk = sh.keys;
    if (sk.length !== n) continue;
    for (let i = 1; i < n; i++) if (sk[i] !== ks[i]) continue outer;
    return sh;
  }
  if (list.length >= MAX_SHAPES_PER_FIRST_KEY || n > MAX_SHAPE_KEYS) return null;
  const sh = {keys: ks, uses: 0, getter: null, epoch: -1, sid: 0};
  list.push(sh); shapeCount++;
  return sh;
}
function makeGetter(ks) {
  let body = 'let i = 0; try {';
  for (let i = 0; i < ks.length; i++) body += 'i = ' + i + '; w(o[' + jsonStringify(ks[i]) + ']);';
  body += '} catch (e) { throw addPath(e, 0, ks[i]); }';
  return new FunctionC('w', 'addPath', 'ks', 'return function (o) {' + body + '};')(w, addPath, ks);
}

function grow(n) {
  let cap = u8.length * 2;
  while (cap < pos + n) cap *= 2;
  const nu = new Uint8Array(cap);
  nu.set(u8.subarray(0, pos));
  u8 = nu; dv = new DataView(nu.buffer);
}
function varint(x) { // x: non-negative integer < 2^53; caller ensured 8 bytes
  while (x >= 128) { u8[pos++] = (x & 127) | 128; x = Math.floor(x / 128); }
  u8[pos++] = x;
}
function unmovable(what) { const e = new ErrorC(what); e.rdcUnmovable = what; e.rdcPath = []; return e; }
// Path segments are recorded raw while unwinding (kind, datum) and formatted once at the top: catch
// blocks may run at the very bottom of the stack (stack overflow), where they must do nothing else.
const P_KEY = 0, P_INDEX = 1, P_MAPKEY = 2, P_SET = 3;
function addPath(e, kind, datum) { if (e !== null && typeof e === 'object' && e.rdcPath !== undefined) e.rdcPath.push(kind, datum); return e; }
function formatPath(root, segs) {
  let p = root;
  for (let i = segs.length - 2; i >= 0; i -= 2) {
    const kind = segs[i], d = segs[i + 1];
    if (kind === P_KEY) p += IDENT.test(d) ? '.' + d : '[' + jsonStringify(d) + ']';
    else if (kind === P_INDEX) p += '[' + d + ']';
    else if (kind === P_MAPKEY) p += typeof d === 'string' ? '.get(' + jsonStringify(d) + ')' : typeof d === 'number' ? '.get(' + d + ')' : '<Map entry>';
    else p += '<Set entry ' + d + '>';
  }
  return p;
}

function w(v) {
  switch (typeof v) {
    case 'number':
      if (pos + 9 > u8.length) grow(9);
      if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
        if (v >= -128 && v <= 127) { u8[pos] = T_INT8; u8[pos + 1] = v & 255; pos += 2; }
        else { u8[pos] = T_INT32; dv.setInt32(pos + 1, v, true); pos += 5; }
      } else { u8[pos] = T_DOUBLE; dv.setFloat64(pos + 1, v, true); pos += 9; }
      return;
    case 'string':
      if (pos + 9 > u8.length) grow(9);
      u8[pos++] = T_STR; varint(v.length); strs.push(v); return;
    case 'boolean':
      if (pos + 1 > u8.length) grow(1);
      u8[pos++] = v ? T_TRUE : T_FALSE; return;
    case 'undefined':
      if (pos + 1 > u8.length) grow(1);
      u8[pos++] = T_UNDEF; return;
    case 'object':
      if (v === null) { if (pos + 1 > u8.length) grow(1); u8[pos++] = T_NULL; return; }
      obj(v); return;
    case 'bigint': {
      const s = v.toString();
      if (pos + 9 > u8.length) grow(9);
      u8[pos++] = T_BIGINT; varint(s.length); strs.push(s); return;
    }
    case 'function': foreignOr(v, 'a function'); return;
    case 'symbol': throw unmovable('a symbol');
    default: throw unmovable('a value of type ' + typeof v);
  }
}

function key(k) {
  const id = keyIds.get(k);
  if (pos + 9 > u8.length) grow(9);
  if (id === undefined) {
    keyIds.set(k, keyIds.size + 1);
    u8[pos++] = 0; varint(k.length); strs.push(k);
  } else varint(id);
}

function backref(v) {
  const id = seen.get(v);
  if (id === undefined) return false;
  if (pos + 9 > u8.length) grow(9);
  u8[pos++] = T_BACKREF; varint(id); return true;
}

function props(v, ks) {
  const n = ks.length;
  varint(n);
  let i = 0;
  try { for (; i < n; i++) { const k = ks[i]; key(k); w(v[k]); } }
  catch (e) { throw addPath(e, P_KEY, ks[i]); }
}

function obj(v) {
  if (backref(v)) return;
  const proto = getProto(v);
  if (proto === OP) {
    seen.set(v, nextId++);
    const ks = keysOf(v), n = ks.length;
    if (pos + 9 > u8.length) grow(9);
    const sh = n === 0 ? null : shapeOf(ks, n);
    if (sh === null) { u8[pos++] = T_OBJ; props(v, ks); return; }
    if (sh.epoch === epoch) { u8[pos++] = T_OBJ_SHAPE; varint(sh.sid); }
    else {
      sh.epoch = epoch; sh.sid = nextShape++;
      u8[pos++] = T_OBJ_NEWSHAPE; varint(n);
      for (let i = 0; i < n; i++) key(ks[i]);
    }
    if (sh.getter !== null) { sh.getter(v); return; }
    if (++sh.uses > HOT) { sh.getter = makeGetter(sh.keys); sh.getter(v); return; }
    let i = 0;
    try { for (; i < n; i++) w(v[ks[i]]); } catch (e) { throw addPath(e, P_KEY, ks[i]); }
    return;
  }
  if (proto === AP) {
    seen.set(v, nextId++);
    const n = v.length;
    if (pos + 9 > u8.length) grow(9);
    u8[pos++] = T_ARRAY; varint(n);
    let i = 0;
    try { for (; i < n; i++) w(v[i]); } catch (e) { throw addPath(e, P_INDEX, i); }
    return;
  }
  const kind = protoKind.get(proto);
  if (kind === undefined) { other(v, proto); return; }
  if (kind === K_ABUF) { abuf(v); return; }
  seen.set(v, nextId++);
  if (pos + 9 > u8.length) grow(9);
  if (kind >= K_VIEW) {
    u8[pos++] = T_VIEW; u8[pos++] = kind - K_VIEW;
    const b = v.buffer;
    if (getProto(b) !== ArrayBufferC.prototype) throw unmovable('a view on a SharedArrayBuffer');
    if (!backref(b)) abuf(b);
    if (pos + 18 > u8.length) grow(18);
    varint(v.byteOffset); varint(kind === K_VIEW + 11 ? v.byteLength : v.length);
    return;
  }
  switch (kind) {
    case K_DATE: u8[pos] = T_DATE; dv.setFloat64(pos + 1, dateGetTime.call(v), true); pos += 9; return;
    case K_MAP: {
      u8[pos++] = T_MAP; varint(v.size);
      let i = 0, k;
      try { for (const e of v) { k = e[0]; w(k); w(e[1]); i++; } }
      catch (e) { throw addPath(e, P_MAPKEY, k); }
      return;
    }
    case K_SET: {
      u8[pos++] = T_SET; varint(v.size);
      let i = 0;
      try { for (const e of v) { w(e); i++; } } catch (e) { throw addPath(e, P_SET, i); }
      return;
    }
  }
}

function abuf(b) { // b: ArrayBuffer not seen yet
  seen.set(b, nextId++);
  if (pos + 9 > u8.length) grow(9);
  u8[pos++] = T_ABUF; varint(b.byteLength); buffers.push(b);
}

function foreignOr(v, what) {
  const c = classify(v);
  if (c >= 0) {
    seen.set(v, nextId++);
    if (pos + 9 > u8.length) grow(9);
    u8[pos++] = T_REF; varint(c); return;
  }
  if (c === -2) throw unmovable('a proxy object that is not a reference');
  if (c === -3) throw unmovable('a host object');
  if (c === -4) throw unmovable('a foreign object');
  throw unmovable(what);
}

function other(v, proto) {
  if (proto === null) {
    const c = classify(v);
    if (c !== -1) { foreignOr(v, 'a foreign object'); return; }
    seen.set(v, nextId++);
    const ks = keysOf(v);
    if (pos + 9 > u8.length) grow(9);
    u8[pos++] = T_OBJ_NULL; props(v, ks);
    return;
  }
  if (proto === promiseProto) throw unmovable('a Promise');
  if (proto === sabProto) throw unmovable('a SharedArrayBuffer');
  if (proto === regexpProto) throw unmovable('a RegExp');
  let what;
  if (v instanceof ErrorC) what = 'an Error';
  else if (v instanceof WeakMap) what = 'a WeakMap';
  else if (v instanceof WeakSet) what = 'a WeakSet';
  else if (v instanceof WeakRef) what = 'a WeakRef';
  else if (v instanceof Promise) what = 'a Promise';
  else if (v instanceof Number || v instanceof String || v instanceof Boolean) what = 'a boxed primitive';
  else if (isArray(v) || isView(v)) what = 'an instance of a subclass of a built-in';
  else {
    let name;
    try { const ctor = proto.constructor; name = typeof ctor === 'function' ? ctor.name : undefined; } catch (e) { name = undefined; }
    what = name ? 'an instance of class ' + name + ' (only plain objects can be moved)' : 'an object with a non-standard prototype';
  }
  foreignOr(v, what);
}

function encode(value, rootName, classifier) {
  classify = classifier; pos = 0; nextId = 0; nextShape = 0; epoch++;
  if (shapeCount > MAX_SHAPES) { shapes = new MapC(); shapeCount = 0; }
  try {
    w(value);
    const heap = strs.length === 0 ? '' : strs.join('');
    return [u8.buffer, pos, heap, buffers];
  } catch (e) {
    if (e !== null && typeof e === 'object' && e.rdcPath !== undefined) e.rdcPath = formatPath(rootName, e.rdcPath);
    throw e;
  } finally {
    classify = null; strs = []; buffers = []; seen.clear(); keyIds.clear();
    if (u8.length > (1 << 20)) { u8 = new Uint8Array(4096); dv = new DataView(u8.buffer); }
  }
}

// ---------------------------------------------------------------- decoder
let s = '', p = 0, end = 0, bp = 0, bsrc = null, blen = 0, heap = '', hp = 0, refs = null, dkeys = [], dseen = [], dshapes = [];
let factories = new MapC();
function pushSeen(o) { dseen.push(o); }
function makeFactory(ks) {
  let body = 'const o = {';
  for (let i = 0; i < ks.length; i++) body += jsonStringify(ks[i]) + ': undefined,';
  body += '}; pushSeen(o);';
  for (let i = 0; i < ks.length; i++) body += 'o[' + jsonStringify(ks[i]) + '] = r();';
  return new FunctionC('r', 'pushSeen', 'return function () {' + body + ' return o; };')(r, pushSeen);
}
function rdShapeKeys(n) {
  const ks = new Array(n);
  let proto = false;
  for (let i = 0; i < n; i++) { const k = rdKey(); ks[i] = k; if (k === '__proto__') proto = true; }
  const joined = ks.join('\\u0000');
  const sh = {keys: ks, uses: 0, joined: proto ? null : joined, factory: proto ? null : (factories.get(joined) || null)};
  dshapes.push(sh);
  return sh;
}
function rdShaped(sh) {
  if (sh.factory !== null) return sh.factory();
  if (++sh.uses > HOT && sh.joined !== null && sh.keys.length <= MAX_SHAPE_KEYS) {
    if (factories.size > MAX_SHAPES) factories = new MapC();
    sh.factory = makeFactory(sh.keys); factories.set(sh.joined, sh.factory);
    return sh.factory();
  }
  const o = {}; dseen.push(o);
  const ks = sh.keys, n = ks.length;
  for (let i = 0; i < n; i++) {
    const k = ks[i], v = r();
    if (k === '__proto__') defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
    else o[k] = v;
  }
  return o;
}
const f64 = new Float64Array(1), f64b = new Uint8Array(f64.buffer);
const i32 = new Int32Array(1), i32b = new Uint8Array(i32.buffer);

function corrupt(msg) { const e = new ErrorC(msg); e.rdcCorrupt = true; return e; }
function rd() { if (p >= end) throw corrupt('truncated structure'); return s.charCodeAt(p++); }
function rdVarint() {
  let r = 0, mul = 1;
  for (let i = 0; i < 5; i++) {
    const b = rd();
    r += (b & 127) * mul;
    if (b < 128) { if (r > 0x7fffffff) throw corrupt('varint out of range'); return r; }
    mul *= 128;
  }
  throw corrupt('varint too long');
}
function rdCount() { // element count: every element takes at least one byte
  const n = rdVarint();
  if (n > end - p) throw corrupt('count ' + n + ' exceeds remaining input');
  return n;
}
function rdStr(len) {
  if (len > heap.length - hp) throw corrupt('string exceeds string heap');
  const r = heap.substring(hp, hp + len); hp += len; return r;
}
function rdKey() {
  const id = rdVarint();
  if (id === 0) { const k = rdStr(rdVarint()); dkeys.push(k); return k; }
  if (id > dkeys.length) throw corrupt('bad key id');
  return dkeys[id - 1];
}
function rdF64() {
  if (end - p < 8) throw corrupt('truncated number');
  for (let i = 0; i < 8; i++) f64b[i] = s.charCodeAt(p + i);
  p += 8; return f64[0];
}
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function copyBytes(ab, len, b0) { // bytes [b0, b0+len) of the buffer section -> bytes of ab
  const src = bsrc; // locals: the loops must not re-read closure variables
  let i = 0;
  if ((b0 & 7) === 0 && len >= 64) {
    // Eight bytes per step, element to element. Bit-exact (NaN payloads included: the doubles are
    // only loaded and stored, never computed with; StateCodecTest checks it). Measured, 16 MB from a
    // host buffer at an offset: Float64Array 0.5 ms/MB, Int32Array 1.7, bytes through charCodeAt 1.2–1.7.
    const n8 = len >> 3, d64 = new Float64Array(ab, 0, n8), s64 = new Float64Array(src, b0, n8);
    for (; i < n8; i++) d64[i] = s64[i];
    i = n8 << 3;
  } else if ((b0 & 3) === 0 && len >= 64) {
    const n4 = len >> 2, d32 = new Int32Array(ab, 0, n4), s32 = new Int32Array(src, b0, n4);
    for (; i < n4; i++) d32[i] = s32[i];
    i = n4 << 2;
  }
  if (i < len) {
    const d = new Uint8Array(ab, i), s8 = new Uint8Array(src, b0 + i, len - i), n = len - i;
    for (let j = 0; j < n; j++) d[j] = s8[j];
  }
}
function rdProps(o, n) {
  for (let i = 0; i < n; i++) {
    const k = rdKey(), v = r();
    if (k === '__proto__') defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
    else o[k] = v;
  }
  return o;
}
function rdAbuf() {
  const len = rdVarint();
  if (len > blen - bp) throw corrupt('array buffer exceeds buffer section');
  const ab = new ArrayBufferC(len), b0 = bp;
  copyBytes(ab, len, b0);
  bp += len; dseen.push(ab); return ab;
}
function r() {
  const t = rd();
  switch (t) {
    case T_UNDEF: return undefined;
    case T_NULL: return null;
    case T_FALSE: return false;
    case T_TRUE: return true;
    case T_INT8: { const b = rd(); return b > 127 ? b - 256 : b; }
    case T_INT32:
      if (end - p < 4) throw corrupt('truncated number');
      for (let i = 0; i < 4; i++) i32b[i] = s.charCodeAt(p + i);
      p += 4; return i32[0];
    case T_DOUBLE: return rdF64();
    case T_STR: return rdStr(rdVarint());
    case T_BIGINT: {
      const str = rdStr(rdVarint());
      try { return BigIntF(str); } catch (e) { throw corrupt('bad BigInt'); }
    }
    case T_OBJ: { const n = rdCount(), o = {}; dseen.push(o); return rdProps(o, n); }
    case T_OBJ_NEWSHAPE: { const n = rdCount(); if (n === 0) throw corrupt('empty shape'); return rdShaped(rdShapeKeys(n)); }
    case T_OBJ_SHAPE: { const i = rdVarint(); if (i >= dshapes.length) throw corrupt('bad shape id'); return rdShaped(dshapes[i]); }
    case T_OBJ_NULL: { const n = rdCount(), o = Object.create(null); dseen.push(o); return rdProps(o, n); }
    case T_ARRAY: {
      const n = rdCount(), a = []; dseen.push(a);
      for (let i = 0; i < n; i++) a.push(r());
      return a;
    }
    case T_DATE: { const d = new DateC(0); dseen.push(d); d.setTime(rdF64()); return d; }
    case T_MAP: {
      const n = rdCount(), m = new MapC(); dseen.push(m);
      for (let i = 0; i < n; i++) { const k = r(); m.set(k, r()); }
      return m;
    }
    case T_SET: {
      const n = rdCount(), st = new SetC(); dseen.push(st);
      for (let i = 0; i < n; i++) st.add(r());
      return st;
    }
    case T_ABUF: return rdAbuf();
    case T_VIEW: {
      const kind = rd();
      if (kind >= KINDS.length) throw corrupt('bad view kind');
      const id = dseen.length; dseen.push(null);
      const bt = rd();
      let b;
      if (bt === T_ABUF) b = rdAbuf();
      else if (bt === T_BACKREF) { const i = rdVarint(); b = i < dseen.length ? dseen[i] : null; }
      if (b === null || b === undefined || getProto(b) !== ArrayBufferC.prototype) throw corrupt('view without buffer');
      const off = rdVarint(), len = rdVarint();
      let view;
      try { view = new KINDS[kind](b, off, len); } catch (e) { throw corrupt('bad view bounds'); }
      dseen[id] = view; return view;
    }
    case T_BACKREF: {
      const i = rdVarint();
      if (i >= dseen.length || dseen[i] === null) throw corrupt('bad back-reference');
      return dseen[i];
    }
    case T_REF: {
      const i = rdVarint();
      if (i >= refs.length) throw corrupt('bad reference index');
      const ref = refs[i]; dseen.push(ref); return ref;
    }
    default: throw corrupt('unknown tag ' + t);
  }
}

function decode(latin1, bytes, buffersLen, heapStr, refArray) {
  s = latin1; p = 0; end = latin1.length; bp = 0; blen = buffersLen; heap = heapStr; hp = 0; refs = refArray;
  try {
    if (buffersLen > 0) {
      // The buffer section as an ArrayBuffer over the host's read-only bytes (no copy): needs a context
      // whose host access allows buffer access (StateCodec.HOST_ACCESS).
      try { bsrc = new ArrayBufferC(bytes); } catch (e) { bsrc = null; }
      if (bsrc === null || bsrc.byteLength !== buffersLen) throw new ErrorC('the target context does not allow buffer access (StateCodec.HOST_ACCESS)');
    }
    const v = r();
    if (p !== end) throw corrupt('trailing bytes in structure');
    if (bp !== blen) throw corrupt('unused bytes in buffer section');
    if (hp !== heap.length) throw corrupt('unused characters in string heap');
    return v;
  } finally {
    s = ''; bsrc = null; heap = ''; refs = null; dkeys = []; dseen = []; dshapes = [];
  }
}

// Runs the error paths once (at normal stack depth): nodes initialised for the first time at the
// bottom of an overflowing stack can fail class initialisation for the whole JVM. StateCodec calls
// it once per JVM: it costs a few milliseconds (two thrown errors), too much for every context.
function warmErrorPaths() {
  try { encode({a: [1, 'x', {'b c': () => 0}]}, 'warmup', () => -1); } catch (e) { /* expected */ }
  try { encode({m: new Map([['k', Symbol()]])}, 'warmup', () => -1); } catch (e) { /* expected */ }
}

return [encode, decode, warmErrorPaths];
})()
""";

    static final Source SOURCE = Source.newBuilder("js", CODE, "rdc-state-codec.js").cached(true).buildLiteral();
}
