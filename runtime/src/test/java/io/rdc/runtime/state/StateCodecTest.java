package io.rdc.runtime.state;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;
import org.graalvm.polyglot.proxy.Proxy;
import org.graalvm.polyglot.proxy.ProxyObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StateCodecTest {
    static Engine engine;
    static Context src, dst;

    static Context newContext() {
        return Context.newBuilder("js").engine(engine).allowHostAccess(StateCodec.HOST_ACCESS).allowIO(IOAccess.NONE)
            .allowCreateThread(false).allowNativeAccess(false).option("js.esm-eval-returns-exports", "true").build();
    }

    @BeforeAll static void setUp() {
        engine = Engine.newBuilder("js").option("engine.WarnInterpreterOnly", "false").build();
        src = newContext();
        dst = newContext();
        // helper to compare structurally in JS (deep equality incl. identity structure)
        String eq = """
            (function deepEq(a, b, m) {
              m = m || new Map();
              if (typeof a !== typeof b) return 'type ' + typeof a + ' vs ' + typeof b;
              if (typeof a === 'number') return (Object.is(a, b)) ? true : 'num ' + a + ' vs ' + b;
              if (typeof a !== 'object' || a === null || b === null) return a === b ? true : 'val ' + String(a) + ' vs ' + String(b);
              if (m.has(a)) return m.get(a) === b ? true : 'identity mismatch';
              m.set(a, b);
              const pa = Object.getPrototypeOf(a), pb = Object.getPrototypeOf(b);
              const na = pa === null ? 'null' : pa.constructor.name, nb = pb === null ? 'null' : pb.constructor.name;
              if (na !== nb) return 'proto ' + na + ' vs ' + nb;
              if (a instanceof Date) return a.getTime() === b.getTime() || Object.is(a.getTime(), b.getTime()) ? true : 'date';
              if (ArrayBuffer.isView(a)) {
                if (a.byteOffset !== b.byteOffset || a.byteLength !== b.byteLength) return 'view bounds';
                const r = deepEq(a.buffer, b.buffer, m); if (r !== true) return 'view buffer: ' + r;
                return true;
              }
              if (a instanceof ArrayBuffer) {
                if (a.byteLength !== b.byteLength) return 'ab length';
                const x = new Uint8Array(a), y = new Uint8Array(b);
                for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return 'ab byte ' + i;
                return true;
              }
              if (a instanceof Map || a instanceof Set) {
                if (a.size !== b.size) return 'size';
                const ea = [...a], eb = [...b];
                return deepEq(ea, eb, new Map(m));
              }
              const ka = Object.keys(a), kb = Object.keys(b);
              if (ka.join('\\u0000') !== kb.join('\\u0000')) return 'keys [' + ka + '] vs [' + kb + ']';
              for (const k of ka) { const r = deepEq(a[k], b[k], m); if (r !== true) return k + ': ' + r; }
              return true;
            })""";
        srcEq = null;
        dstEq = dst.eval("js", eq);
    }

    static Value srcEq, dstEq;

    @AfterAll static void tearDown() {
        src.close();
        dst.close();
        engine.close();
    }

    /** Encodes the JS expression in src, decodes in dst, and checks deep equality against the same expression evaluated in dst. */
    static Value roundTrip(String expr) {
        long t0 = System.nanoTime();
        Value v = src.eval("js", "(" + expr + ")");
        long t1 = System.nanoTime();
        byte[] bytes = StateCodec.encode(v, TEST_REFS);
        long t2 = System.nanoTime();
        Value back = StateCodec.decode(bytes, 0, bytes.length, dst, TEST_REFS);
        long t3 = System.nanoTime();
        Value expected = dst.eval("js", "(" + expr + ")");
        Value r = dstEq.execute(expected, back);
        long t4 = System.nanoTime();
        if (t4 - t0 > 1_000_000_000L) {
            System.out.printf("slow roundTrip %s: make %d ms, encode %d ms, decode %d ms, check %d ms%n", expr.substring(0, Math.min(60, expr.length())),
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000);
        }
        assertTrue(r.isBoolean() && r.asBoolean(), () -> expr + " -> " + r);
        return back;
    }

    // ------------------------------------------------------------------ references
    record Port(int id) implements ProxyObject {
        @Override public Object getMember(String key) { return "id".equals(key) ? id : null; }
        @Override public Object getMemberKeys() { return org.graalvm.polyglot.proxy.ProxyArray.fromArray("id"); }
        @Override public boolean hasMember(String key) { return "id".equals(key); }
        @Override public void putMember(String key, Value value) { throw new UnsupportedOperationException(); }
    }

    static final Map<Integer, Port> PORTS = new ConcurrentHashMap<>();

    static final ReferenceCodec TEST_REFS = new ReferenceCodec() {
        @Override public boolean isReference(Proxy proxy) { return proxy instanceof Port; }
        @Override public int encode(Proxy reference, MutableDirectBuffer dst, int offset) {
            dst.putInt(offset, ((Port) reference).id());
            return 4;
        }
        @Override public Object decode(DirectBuffer src, int offset, int length) {
            assertEquals(4, length);
            return PORTS.computeIfAbsent(src.getInt(offset), Port::new);
        }
    };

    static void assertRefused(String expr, String message) {
        Value v = src.eval("js", "(" + expr + ")");
        UnmovableValueException e = assertThrows(UnmovableValueException.class, () -> StateCodec.encode(v, TEST_REFS));
        assertEquals(message, e.getMessage());
    }

    static void assertCorrupt(byte[] bytes, int off, int len) {
        assertThrows(CorruptSnapshotException.class, () -> StateCodec.decode(bytes, off, len, dst, TEST_REFS));
    }

    @Test void primitives() {
        for (String e : new String[] {"undefined", "null", "true", "false", "0", "-0", "1", "-1", "127", "-128", "128", "-129",
            "2147483647", "-2147483648", "2147483648", "1.5", "NaN", "Infinity", "-Infinity", "Number.MAX_VALUE", "Number.MIN_VALUE",
            "''", "'abc'", "'h\u00e9llo w\u00f6rld'", "'\u4e2d\u6587 \ud83d\ude00'", "'lone \ud800 surrogate'", "'\\0nul'",
            "0n", "123456789012345678901234567890n", "-42n"}) {
            roundTrip(e);
        }
    }

    @Test void objectsAndArrays() {
        roundTrip("{}");
        roundTrip("[]");
        roundTrip("{a: 1, b: 'x', c: [1, 2, {d: null}], e: {f: {g: [true, false, undefined]}}}");
        roundTrip("{z: 1, a: 2, m: 3, 10: 'ten', 2: 'two', 'weird key': 4, '': 5}");
        Value v = roundTrip("[1, 'two', 3.5, [4, [5, [6]]], {seven: 7}]");
        assertEquals(5, v.getArraySize());
        roundTrip("Object.assign(Object.create(null), {x: 1, y: Object.create(null)})");
        roundTrip("JSON.parse('{\"__proto__\": {\"polluted\": true}, \"a\": 1}')");
        Value h = StateCodec.decode(StateCodec.encode(src.eval("js", "[1, , 3]"), null), 0,
            StateCodec.encode(src.eval("js", "[1, , 3]"), null).length, dst, null);
        assertTrue(h.getArrayElement(1).isNull()); // hole -> undefined
        assertTrue(dst.eval("js", "(o) => Object.getPrototypeOf(o) === Object.prototype && !('polluted' in {})").execute(
            roundTrip("JSON.parse('{\"__proto__\": {\"polluted\": true}}')")).asBoolean());
    }

    @Test void sharedAndCycles() {
        roundTrip("(() => { const s = {v: 1}; return {x: s, y: s, z: [s, s]}; })()");
        Value v = roundTrip("(() => { const a = {name: 'a'}; a.self = a; a.list = [a, {back: a}]; return a; })()");
        assertTrue(dst.eval("js", "(a) => a.self === a && a.list[0] === a && a.list[1].back === a").execute(v).asBoolean());
        Value w = roundTrip("(() => { const s = {v: 1}; return {x: s, y: s}; })()");
        assertTrue(dst.eval("js", "(a) => a.x === a.y").execute(w).asBoolean());
        Value c = roundTrip("(() => { const arr = []; arr.push(arr); const m = new Map(); m.set(m, arr); arr.push(m); return arr; })()");
        assertTrue(dst.eval("js", "(a) => a[0] === a && a[1].get(a[1]) === a").execute(c).asBoolean());
    }

    @Test void dateMapSet() {
        roundTrip("new Date(1700000000123)");
        roundTrip("new Date(NaN)");
        roundTrip("new Map([[1, 'one'], ['two', {n: 2}], [{k: 1}, [3]]])");
        roundTrip("new Set([1, 'a', {b: 2}, null, undefined])");
        roundTrip("{when: new Date(0), m: new Map(), s: new Set()}");
    }

    @Test void typedArrays() {
        for (String t : new String[] {"Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
            "Uint32Array", "Float32Array", "Float64Array"}) {
            roundTrip("(() => { const a = new " + t + "(37); for (let i = 0; i < a.length; i++) a[i] = (i * 37 - 100) * 1.25; return a; })()");
            roundTrip("new " + t + "(0)");
        }
        roundTrip("(() => { const a = new BigInt64Array(5); a[0] = -5n; a[4] = 2n ** 62n; return a; })()");
        roundTrip("(() => { const a = new BigUint64Array(3); a[1] = 2n ** 64n - 1n; return a; })()");
        roundTrip("(() => { const b = new ArrayBuffer(16); new DataView(b).setFloat64(8, Math.PI); return new DataView(b, 4, 12); })()");
        roundTrip("new ArrayBuffer(0)");
        for (int len : new int[] {1, 63, 64, 65, 101, 1023}) { // word-wise copy and its byte tail
            roundTrip("(() => { const a = new Uint8Array(" + len + "); for (let i = 0; i < a.length; i++) a[i] = 255 - i * 13; return a; })()");
        }
        roundTrip("(() => { const b = new ArrayBuffer(10); new Uint8Array(b).fill(7); return b; })()");
        // views sharing a buffer, with byteOffset
        Value v = roundTrip("(() => { const b = new ArrayBuffer(64); const f = new Float64Array(b, 8, 4); f[0] = 1.5; "
            + "const u = new Uint8Array(b, 3, 20); u[0] = 9; return {f, u, b, dv: new DataView(b, 60)}; })()");
        assertTrue(dst.eval("js", "(o) => o.f.buffer === o.b && o.u.buffer === o.b && o.dv.buffer === o.b && o.f.byteOffset === 8 "
            + "&& o.f.length === 4 && o.u.byteOffset === 3 && o.u.length === 20 && o.f instanceof Float64Array && o.f[0] === 1.5 && o.u[0] === 9 "
            + "&& (o.u[5] = 1, new Uint8Array(o.b)[8] === 1)").execute(v).asBoolean());
    }

    @Test void references() {
        Port p1 = new Port(11), p2 = new Port(22);
        PORTS.put(11, p1);
        Value make = src.eval("js", "(a, b) => ({clients: [{port: a}, {port: b}], main: a})");
        Value state = make.execute(p1, p2);
        byte[] bytes = StateCodec.encode(state, TEST_REFS);
        Value back = StateCodec.decode(bytes, 0, bytes.length, dst, TEST_REFS);
        Value main = back.getMember("main");
        assertTrue(main.isProxyObject());
        assertSame(p1, main.asProxyObject());
        assertEquals(22, ((Port) back.getMember("clients").getArrayElement(1).getMember("port").asProxyObject()).id());
        assertTrue(dst.eval("js", "(s) => s.main === s.clients[0].port && s.main.id === 11").execute(back).asBoolean());
        // without a reference codec, a reference is refused
        UnmovableValueException e = assertThrows(UnmovableValueException.class, () -> StateCodec.encode(state, null));
        assertEquals("state.clients[0].port is a proxy object that is not a reference and cannot be moved", e.getMessage());
    }

    @Test void refusals() {
        assertRefused("{clients: [0, 1, 2, {onDone() {}}]}", "state.clients[3].onDone is a function and cannot be moved");
        assertRefused("{clients: [0, 1, 2, {onDone: () => 1}]}", "state.clients[3].onDone is a function and cannot be moved");
        assertRefused("{a: {b: Symbol('x')}}", "state.a.b is a symbol and cannot be moved");
        assertRefused("{p: Promise.resolve(1)}", "state.p is a Promise and cannot be moved");
        assertRefused("{x: new (class Foo {})()}", "state.x is an instance of class Foo (only plain objects can be moved) and cannot be moved");
        assertRefused("{'my key': [new Error('e')]}", "state[\"my key\"][0] is an Error and cannot be moved");
        assertRefused("{r: /x/}", "state.r is a RegExp and cannot be moved");
        assertRefused("{w: new WeakMap()}", "state.w is a WeakMap and cannot be moved");
        assertRefused("{n: new Number(1)}", "state.n is a boxed primitive and cannot be moved");
        assertRefused("{s: new SharedArrayBuffer(8)}", "state.s is a SharedArrayBuffer and cannot be moved");
        assertRefused("{s: new Int32Array(new SharedArrayBuffer(8))}", "state.s is a view on a SharedArrayBuffer and cannot be moved");
        assertRefused("{m: new Map([['k', {f() {}}]])}", "state.m.get(\"k\").f is a function and cannot be moved");
        assertRefused("{s: new Set([1, () => 2])}", "state.s<Set entry 1> is a function and cannot be moved");
        assertRefused("(() => { class B extends Uint8Array {} return {b: new B(2)}; })()",
            "state.b is an instance of a subclass of a built-in and cannot be moved");
        assertRefused("function f() {}", "state is a function and cannot be moved");
        Value host = src.asValue(new StringBuilder());
        Value withHost = src.eval("js", "(h) => ({deep: {h}})").execute(host);
        assertEquals("state.deep.h is a host object and cannot be moved",
            assertThrows(UnmovableValueException.class, () -> StateCodec.encode(withHost, TEST_REFS)).getMessage());
        Value proxy = src.eval("js", "(p) => ({list: [p]})").execute(new ProxyObject() {
            @Override public Object getMember(String key) { return null; }
            @Override public Object getMemberKeys() { return null; }
            @Override public boolean hasMember(String key) { return false; }
            @Override public void putMember(String key, Value value) {}
        });
        assertEquals("state.list[0] is a proxy object that is not a reference and cannot be moved",
            assertThrows(UnmovableValueException.class, () -> StateCodec.encode(proxy, TEST_REFS)).getMessage());
        // after a refusal the codec still works (no leaked state)
        roundTrip("{ok: [1, 2, 3]}");
    }

    @Test void deepNestingRefusedNotCrashing() {
        Value deep = src.eval("js", "(() => { let o = {}; for (let i = 0; i < 1000000; i++) o = {o}; return o; })()");
        UnmovableValueException e = assertThrows(UnmovableValueException.class, () -> StateCodec.encode(deep, TEST_REFS));
        assertEquals("state is nested too deeply and cannot be moved", e.getMessage());
        roundTrip("(() => { let o = {}; for (let i = 0; i < 200; i++) o = {o}; return o; })()");
    }

    /** Buffers are copied bit for bit (NaN payloads too), aligned or not, from array or direct memory. */
    @Test void bufferBytesExactAtAnyOffset() {
        Value v = src.eval("js", """
            (() => {
              let x = 12345;
              const rnd = (n) => { const a = new Uint8Array(n); for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) & 0x7fffffff; a[i] = x >> 16; } return a; };
              const nan = new Uint8Array(new Float64Array(64).buffer); // NaNs with payloads, both signs
              for (let i = 0; i < 64; i++) { nan[i * 8 + 7] = i & 1 ? 0xff : 0x7f; nan[i * 8 + 6] = 0xf0 | (i & 15); nan[i * 8] = i; }
              return {odd: rnd(67), f: new Float64Array(rnd(8000).buffer), n: new Float64Array(nan.buffer), tail: rnd(3), big: rnd(4099)};
            })()""");
        byte[] bytes = StateCodec.encode(v, TEST_REFS);
        String same = "(a, b) => ['odd', 'f', 'n', 'tail', 'big'].every(k => { const x = new Uint8Array(a[k].buffer), y = new Uint8Array(b[k].buffer);"
            + " return x.length === y.length && x.every((e, i) => e === y[i]); })";
        assertTrue(dst.eval("js", same).execute(v, StateCodec.decode(bytes, 0, bytes.length, dst, TEST_REFS)).asBoolean());
        org.agrona.ExpandableDirectByteBuffer direct = new org.agrona.ExpandableDirectByteBuffer(8);
        int n = StateCodec.encode(v, TEST_REFS, "state", direct, 3);
        assertTrue(dst.eval("js", same).execute(v, StateCodec.decode(direct, 3, n, dst, TEST_REFS)).asBoolean());
    }

    /**
     * encodeLater gives the same bytes as encode, whatever the sink's frame size: buffers read straight
     * into frames at any offset, a UTF-16 string heap (lone surrogate included) and references.
     */
    @Test void encodeLaterWritesTheSameBytesThroughFramesOfAnySize() {
        Port p1 = new Port(31);
        PORTS.put(31, p1);
        Value v = src.eval("js", """
            (p) => {
              let x = 777;
              const rnd = (n) => { const a = new Uint8Array(n); for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) & 0x7fffffff; a[i] = x >> 16; } return a; };
              return {odd: rnd(67), f: new Float64Array(rnd(80000).buffer), s: 'h\u00e9llo \u4e16\u754c \ud800 end', keys: {\u03b1: 1}, port: p, big: rnd(70001)};
            }""").execute(p1);
        byte[] whole = StateCodec.encode(v, TEST_REFS);
        assertArrayEquals(whole, StateCodec.encodeLater(v, TEST_REFS, "state").toBytes());
        for (int frame : new int[] {1, 7, 4096, 65536 - 40, 1 << 20}) {
            io.rdc.runtime.util.ByteSource later = StateCodec.encodeLater(v, TEST_REFS, "state");
            assertEquals(whole.length, later.length());
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            int[] frames = {0};
            io.rdc.runtime.util.ByteSink sink = new io.rdc.runtime.util.ByteSink(new byte[5 + frame], 5) {
                @Override
                protected void full(byte[] a, int from, int to) {
                    frames[0]++;
                    got.write(a, from, to - from);
                }
            };
            later.writeTo(sink);
            sink.finish();
            assertArrayEquals(whole, got.toByteArray(), "frames of " + frame);
            assertEquals((whole.length + frame - 1) / frame, frames[0], "frames of " + frame);
            assertThrows(IllegalStateException.class, () -> later.writeTo(sink), "a source is written once");
        }
        Value back = StateCodec.decode(whole, 0, whole.length, dst, TEST_REFS);
        assertEquals("h\u00e9llo \u4e16\u754c \ud800 end", back.getMember("s").asString());
        assertSame(p1, back.getMember("port").asProxyObject());
        // Closed unwritten, it releases the encoder: a later encode on this thread is not disturbed.
        StateCodec.encodeLater(v, TEST_REFS, "state").close();
        assertArrayEquals(whole, StateCodec.encode(v, TEST_REFS));
    }

    /** Decoding into a context that cannot view host buffers fails with a message saying so. */
    @Test void decodingNeedsBufferAccess() {
        byte[] bytes = StateCodec.encode(src.eval("js", "({b: new Uint8Array(10)})"), TEST_REFS);
        // Its own engine: host access to buffers is decided per engine, by its first context.
        try (Engine own = Engine.newBuilder("js").option("engine.WarnInterpreterOnly", "false").build();
             Context plain = Context.newBuilder("js").engine(own).allowHostAccess(HostAccess.NONE).allowIO(IOAccess.NONE).build()) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> StateCodec.decode(bytes, 0, bytes.length, plain, TEST_REFS));
            assertTrue(e.getMessage().contains("does not allow buffer access"), e.getMessage());
            // without buffers it needs nothing
            byte[] plainBytes = StateCodec.encode(src.eval("js", "({a: [1, 'x']})"), TEST_REFS);
            assertEquals("x", StateCodec.decode(plainBytes, 0, plainBytes.length, plain, TEST_REFS).getMember("a").getArrayElement(1).asString());
        }
    }

    @Test void hugeValues() {
        roundTrip("(() => { const a = []; for (let i = 0; i < 20000; i++) a.push({id: i, name: 'n' + i, tags: ['x', i % 7], v: i / 3}); return a; })()");
        roundTrip("'x'.repeat(1000000) + '\u00e9' + '\u4e2d'.repeat(1000)");
        Value v = roundTrip("(() => { const a = new Float64Array(1 << 17); for (let i = 0; i < a.length; i++) a[i] = i / 7; return {a}; })()");
        assertEquals(1 << 20, dst.eval("js", "(o) => o.a.byteLength").execute(v).asInt());
    }

    @Test void bytesApiAndOffsets() {
        Value v = src.eval("js", "({a: [1, 2, 3], s: 'text'})");
        org.agrona.ExpandableDirectByteBuffer direct = new org.agrona.ExpandableDirectByteBuffer(8);
        int n = StateCodec.encode(v, TEST_REFS, "body", direct, 5);
        Value back = StateCodec.decode(direct, 5, n, dst, TEST_REFS);
        assertEquals("text", back.getMember("s").asString());
        byte[] bytes = StateCodec.encode(v, TEST_REFS);
        byte[] padded = new byte[bytes.length + 10];
        System.arraycopy(bytes, 0, padded, 7, bytes.length);
        assertEquals(3, StateCodec.decode(padded, 7, bytes.length, dst, TEST_REFS).getMember("a").getArraySize());
        org.agrona.concurrent.UnsafeBuffer small = new org.agrona.concurrent.UnsafeBuffer(new byte[16]);
        assertThrows(IndexOutOfBoundsException.class, () -> StateCodec.encode(v, TEST_REFS, "state", small, 0));
        for (int i = 0; i < 16; i++) assertEquals(0, small.getByte(i)); // untouched
        StateCodec.install(src); // idempotent
        UnmovableValueException e = assertThrows(UnmovableValueException.class,
            () -> StateCodec.encode(src.eval("js", "({f() {}})"), TEST_REFS, "msg.body", direct, 0));
        assertEquals("msg.body.f is a function and cannot be moved", e.getMessage());
    }

    @Test void corruptInputRefused() {
        Value v = src.eval("js", "({a: [1, 2.5, 'str', {b: new Float64Array([1, 2, 3])}], m: new Map([[1, 2]]), big: 12n, d: new Date(5)})");
        byte[] bytes = StateCodec.encode(v, TEST_REFS);
        // every truncation
        for (int len = 0; len < bytes.length; len++) assertCorrupt(bytes, 0, len);
        // every single-byte corruption: either a clean CorruptSnapshotException or a (different) valid value, never a hang/OOM
        java.util.Random rnd = new java.util.Random(42);
        int corrupt = 0;
        for (int i = 0; i < bytes.length; i++) {
            for (int k = 0; k < 4; k++) {
                byte[] c = bytes.clone();
                c[i] = (byte) (k == 0 ? 0xFF : k == 1 ? 0x7F : k == 2 ? c[i] + 1 : rnd.nextInt());
                try {
                    StateCodec.decode(c, 0, c.length, dst, TEST_REFS);
                } catch (CorruptSnapshotException expected) {
                    corrupt++;
                }
            }
        }
        assertTrue(corrupt > bytes.length, "most corruptions detected: " + corrupt);
        // trailing garbage
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertCorrupt(longer, 0, longer.length);
        // huge counts must not allocate
        byte[] huge = StateCodec.encode(src.eval("js", "[[]]"), null);
        huge[HEADER + 1] = (byte) 0xFF; huge[HEADER + 2] = (byte) 0xFF; // array count varint
        assertCorrupt(huge, 0, huge.length);
        assertCorrupt(new byte[100], 0, 100);
    }

    static final int HEADER = StateCodec.HEADER_LENGTH;

    @Test void emptyValuesAndUndefinedRoot() {
        Value u = StateCodec.decode(StateCodec.encode(src.eval("js", "undefined"), null), 0, HEADER + 1, dst, null);
        assertTrue(u.isNull());
        roundTrip("{a: undefined, b: [undefined]}");
        assertTrue(dst.eval("js", "(o) => 'a' in o").execute(roundTrip("{a: undefined}")).asBoolean());
    }

    @Test void hotShapes() {
        // many objects of one shape (generated accessor/factory path), shared and cyclic through hot shapes
        for (int round = 0; round < 3; round++) { // caches persist across snapshots
            Value v = roundTrip("(() => { const root = {items: []}; for (let i = 0; i < 50; i++) root.items.push({id: i, name: 'n' + i, "
                + "parent: root, prev: i > 0 ? root.items[i - 1] : null}); return root; })()");
            assertTrue(dst.eval("js", "(r) => r.items[10].parent === r && r.items[10].prev === r.items[9] && r.items[49].name === 'n49'")
                .execute(v).asBoolean());
        }
        roundTrip("(() => { const a = []; for (let i = 0; i < 30; i++) a.push(JSON.parse('{\"__proto__\": ' + i + ', \"x\": 1}')); return a; })()");
        assertTrue(dst.eval("js", "(a) => a.every((o, i) => Object.getPrototypeOf(o) === Object.prototype && o.__proto__ === i)")
            .execute(roundTrip("(() => { const a = []; for (let i = 0; i < 30; i++) a.push(JSON.parse('{\"__proto__\": ' + i + '}')); return a; })()"))
            .asBoolean());
        // odd keys in hot shapes
        roundTrip("(() => { const a = []; for (let i = 0; i < 30; i++) a.push({'a\"b': i, '\\\\': 2, '\u2028': 3, 'lone\ud800': 4, '0': 5, '': 6}); return a; })()");
        // refusal deep inside a hot shape names the right path
        assertRefused("{list: Array.from({length: 40}, (_, i) => ({id: i, cb: i === 33 ? (() => 1) : null}))}",
            "state.list[33].cb is a function and cannot be moved");
        assertRefused("{list: Array.from({length: 40}, (_, i) => ({id: i, cb: i === 3 ? (() => 1) : null}))}",
            "state.list[3].cb is a function and cannot be moved");
    }
}
