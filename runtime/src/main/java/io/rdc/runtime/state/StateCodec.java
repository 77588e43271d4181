package io.rdc.runtime.state;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.Proxy;
import org.graalvm.polyglot.proxy.ProxyArray;
import org.graalvm.polyglot.proxy.ProxyExecutable;

/**
 * Snapshot codec for {@code ctx.state} and message bodies: turns a JS value of one context into bytes
 * and the bytes into an equivalent value in another context (of the same or another engine/node).
 *
 * <h2>What moves</h2>
 * undefined, null, booleans, numbers (int32 fast path, otherwise IEEE double; -0 and NaN kept),
 * strings (exact UTF-16, lone surrogates kept), BigInt, plain objects (prototype
 * {@code Object.prototype}, or {@code null}: own enumerable string keys in {@code Object.keys} order;
 * accessors are read once, like JSON; symbol keys and non-enumerable properties are dropped), arrays
 * (prototype {@code Array.prototype}; dense: holes become undefined; non-index properties dropped),
 * Date, Map, Set, ArrayBuffer, the eleven integer/float typed arrays and DataView (raw bytes, never
 * per element; views keep sharing their buffer, byteOffset and length; a view always carries its
 * whole buffer; resizable buffers come back fixed-length), and references (polyglot proxies accepted
 * by the {@link ReferenceCodec}). Shared substructure and cycles are kept: every object/array/Map/
 * Set/Date/buffer/view/reference is written once and later occurrences are back-references, so
 * {@code a.x === a.y} and cycles survive.
 *
 * <h2>What is refused</h2>
 * functions, symbols, Promises, class instances and any object whose prototype is not one of the
 * above, subclasses of built-ins, Error, RegExp, WeakMap/WeakSet/WeakRef, boxed primitives,
 * SharedArrayBuffer (and views on it), host objects, proxies that are not references. The encode
 * fails with {@link UnmovableValueException} naming the path ({@code state.clients[3].onDone is a
 * function and cannot be moved}); nothing is written to the output in that case. Values nested more
 * deeply than the JS stack allows are refused the same way (path = root).
 *
 * <h2>How</h2>
 * The walk runs <em>inside the context</em>, in JS (see {@link CodecScript}), evaluated once per
 * context from one cached {@code Source}, so the code is parsed once per engine and JIT-compiled:
 * per-property interop from Java is avoided. The JS encoder writes the structure into a reusable JS
 * Uint8Array, collects every string into one "string heap" ({@code Array.join}) and collects the
 * ArrayBuffers met; Java then copies the structure and each ArrayBuffer with
 * {@link Value#readBuffer(long, byte[], int, int)} (a memcpy) and the heap with one String
 * conversion. {@link #encodeLater} defers that copying: a migration writes the snapshot through one
 * frame-sized array straight into Aeron's log, so a large state is never held whole in Java. References are encoded by a Java callback invoked only for non-plain objects.
 *
 * <p>Plain objects are grouped by shape (their key list, cached per context across snapshots, bounded):
 * a shape is written once per snapshot and later objects of that shape carry only their values. Once a
 * shape has been used more than 8 times the JS side generates (with {@code new Function}, keys embedded
 * as JSON string literals) an accessor reading the properties with constant keys, and on the decoding
 * side a factory creating the object from an object literal, so property access is monomorphic rather
 * than keyed/megamorphic. This is what makes object state faster than JSON (measured below); shapes
 * containing a {@code __proto__} key never get a factory.
 *
 * <p>Decoding must move bytes <em>into</em> a context; the polyglot API has no bulk buffer write.
 * Measured on the 2-core dev box (16 MB of random bytes, best of 10 after warm-up, fresh context each):
 * the structure and buffers as one Latin-1 String read with {@code charCodeAt}, four chars per Int32Array
 * store: 1.2 ms/MB; the buffer section as a read-only heap {@code ByteBuffer} viewed in JS as an
 * {@code ArrayBuffer} ({@code new ArrayBuffer(hostBuffer)}, no copy) and copied element to element
 * through Int32Arrays: 0.45 ms/MB, bit-exact (the same through Float64Arrays: 0.45; a DataView:
 * 0.6–2.1; {@code TypedArray.prototype.set} from the host view: 1.0; {@code slice}: 14.6; a direct
 * ByteBuffer is 2–4× slower than a heap one). So the structure stays a Latin-1 String (its bytes are
 * small and read one by one) and the buffer section is read through a host buffer, which needs
 * {@link #HOST_ACCESS}: {@code HostAccess.NONE} plus buffer access. Guest code is never handed a host
 * object, so it gains nothing from that. (Host access to buffers is decided per engine, by the first
 * context built on it: a {@code NONE} context on an engine whose first context allowed buffers sees
 * them too, and the reverse.)
 *
 * <h2>Measured</h2>
 * {@code StateCodecBench} (run via {@code StateCodecBenchTest}, see there), 2 shared cores with load
 * average 4–10 from parallel builds, so figures are noisy; best of the last 20 of 40 iterations,
 * encode in one context + decode into another:
 * <pre>
 * Float64Array  1 MB: enc 0.21–0.92 ms, dec 1.4–6.3 ms                 (decode-only, 4 MB x 100: best 0.61 ms/MB)
 * Float64Array  4 MB: enc 1.2–2.1 ms,  dec 5.5–6.5 ms   = 1.7–2.1 ms/MB
 * Float64Array 16 MB: enc 2.0–2.6 ms,  dec 9.3–21 ms    = 0.7–1.5 ms/MB
 * 10k records (1.28 MB as JSON, 0.64 MB snapshot): enc+dec 25–51 ms vs JSON.stringify+parse 82–112 ms (ratio 0.23–0.62)
 * 40k records (5.27 MB as JSON, 2.61 MB snapshot): enc+dec 85–99 ms vs JSON.stringify+parse 207–252 ms (ratio 0.39–0.45)
 * </pre>
 * Encoding binary state costs ~0.15 ms/MB (one {@code readBuffer} memcpy straight into the result);
 * decoding is bounded by the JS copy loop (~0.5–0.6 ms/MB when the machine is quiet); the rest is
 * allocation/GC of the multi-MB buffers and noise.
 *
 * <h2>Limits</h2>
 * The walk is recursive: nesting depth is limited by the thread stack like {@code JSON.stringify}
 * (with -Xss4m: 500 levels always, ~1000 once compiled; JSON.stringify fails at 1000 in the same
 * setting); deeper values are refused with {@code "state is nested too deeply"}. A sparse array is
 * walked over its whole {@code length}. Getters run during encode; a throwing getter aborts the encode
 * with a {@link StateCodecException}. JS {@code Proxy} objects are walked through their traps like the
 * object they claim to be.
 *
 * <h2>Format (version 1, little-endian)</h2>
 * <pre>
 *  0  int   magic 'RDCS'          4 byte version (1)       5 byte heap coder (0 Latin-1, 1 UTF-16LE)
 *  6  short reserved (0)          8 int  structure length  12 int buffers length
 * 16  int   heap length (bytes)  20 int  references length
 * 24  structure | buffers (raw bytes of each ArrayBuffer, in order) | heap | references (int len + bytes each)
 * </pre>
 * The structure is a pre-order stream of tagged values (see {@link CodecScript}); object keys are
 * interned per snapshot. Decoding validates the header, bounds every count and length by the
 * remaining input, and requires every section to be consumed exactly; any inconsistency raises
 * {@link CorruptSnapshotException} (no unbounded allocation, no infinite loop).
 *
 * <h2>Threading, cost</h2>
 * Static methods, thread-safe; a context is single-threaded anyway. Per-thread scratch (reference
 * buffer, identity map) is reused; the JS side keeps its structure buffer between calls (up to 1 MB).
 * The JS functions live in the context's polyglot bindings (not visible to guest code since polyglot
 * access is denied); {@link #install(Context)} evaluates them eagerly, which is recommended right after
 * the context is created: the codec captures the built-ins it uses at that time, so later
 * monkey-patching by guest code of {@code Object.keys} etc. cannot affect it (it still iterates
 * Map/Set with their current iterators, and reads accessors).
 */
public final class StateCodec {
    private StateCodec() {}

    static final int MAGIC = 'R' | 'D' << 8 | 'C' << 16 | 'S' << 24;
    static final byte VERSION = 1;
    static final int HEADER_LENGTH = 24;
    static final byte HEAP_LATIN1 = 0, HEAP_UTF16 = 1;
    private static final String BINDING = "io.rdc.runtime.state.StateCodec";
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private static final byte[] EMPTY = new byte[0];
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Evaluates the codec's JS functions in {@code context} if not done yet (idempotent). */
    public static void install(Context context) {
        functions(context);
    }

    /** Encodes {@code value} (root path name {@code state}) into a new byte array. */
    public static byte[] encode(Value value, ReferenceCodec refs) {
        return encode(value, refs, "state");
    }

    /** Encodes {@code value} into a new byte array; {@code rootName} starts paths in error messages. */
    public static byte[] encode(Value value, ReferenceCodec refs, String rootName) {
        Scratch sc = acquire();
        try {
            int total = prepare(sc, value, refs == null ? ReferenceCodec.NONE : refs, rootName);
            byte[] result = new byte[total];
            sc.view.wrap(result);
            write(sc, sc.view, 0);
            return result;
        } finally {
            sc.end();
        }
    }

    /**
     * Encodes {@code value} lazily: the walk runs now (so what cannot move is refused now), but the
     * bytes, above all those of its ArrayBuffers, are read from the context only when the result is
     * written to a sink, straight into the sink's array. Until then the context must not run (its
     * buffers and the encoder's structure buffer are read as they are then), and no other encode may
     * run in it: the caller is the context's own thread, stopped between handlers (a migration).
     * Closing the result without writing it releases it.
     */
    public static io.rdc.runtime.util.ByteSource encodeLater(Value value, ReferenceCodec refs, String rootName) {
        Scratch sc = acquire();
        int total;
        try {
            total = prepare(sc, value, refs == null ? ReferenceCodec.NONE : refs, rootName);
        } catch (RuntimeException e) {
            sc.end();
            throw e;
        }
        return new io.rdc.runtime.util.ByteSource() {
            private boolean open = true;

            @Override
            public int length() {
                return total;
            }

            @Override
            public void writeTo(io.rdc.runtime.util.ByteSink sink) {
                if (!open) throw new IllegalStateException("an encoded state is written once");
                try {
                    write(sc, sink);
                } finally {
                    close();
                }
            }

            @Override
            public void close() {
                if (open) {
                    open = false;
                    sc.end();
                }
            }
        };
    }

    /** As {@link #write(Scratch, MutableDirectBuffer, int)}, in order into a sink, buffers read straight into its array. */
    private static void write(Scratch sc, io.rdc.runtime.util.ByteSink sink) {
        putHeader(sc, sc.header, 0);
        sink.put(sc.header.byteArray(), 0, HEADER_LENGTH);
        readInto(sc.struct, sc.structLen, sink);
        for (int i = 0; i < sc.nBufs; i++) {
            readInto(sc.bufValues[i], (int) sc.bufValues[i].getBufferSize(), sink);
            sc.bufValues[i] = null;
        }
        if (sc.heapCoder == HEAP_LATIN1) {
            sink.put(sc.heapBytes);
        } else {
            // Char by char (lone surrogates kept, which a charset encoder would replace), through the chunk.
            byte[] chunk = sc.chunk;
            String heap = sc.heap;
            int at = 0;
            for (int i = 0, n = heap.length(); i < n; i++) {
                char c = heap.charAt(i);
                chunk[at++] = (byte) c;
                chunk[at++] = (byte) (c >>> 8);
                if (at == chunk.length) {
                    sink.put(chunk, 0, at);
                    at = 0;
                }
            }
            sink.put(chunk, 0, at);
        }
        sink.put(sc.classifier.buf.byteArray(), 0, sc.classifier.len);
    }

    private static void putHeader(Scratch sc, MutableDirectBuffer out, int p) {
        out.putInt(p, MAGIC, LE);
        out.putByte(p + 4, VERSION);
        out.putByte(p + 5, sc.heapCoder);
        out.putShort(p + 6, (short) 0, LE);
        out.putInt(p + 8, sc.structLen, LE);
        out.putInt(p + 12, sc.buffersLen, LE);
        out.putInt(p + 16, sc.heapLen, LE);
        out.putInt(p + 20, sc.classifier.len, LE);
    }

    private static void readInto(Value buffer, int len, io.rdc.runtime.util.ByteSink sink) {
        for (int done = 0; done < len; ) {
            int n = Math.min(len - done, sink.remaining());
            buffer.readBuffer(done, sink.array(), sink.position(), n);
            sink.advance(n);
            done += n;
        }
    }

    /**
     * Encodes {@code value} into {@code out} at {@code offset} (an expandable buffer grows as needed,
     * otherwise it must be large enough or {@link IndexOutOfBoundsException} is thrown before anything
     * is written).
     *
     * @return the number of bytes written
     * @throws UnmovableValueException if some part of the value cannot move; {@code out} is untouched
     */
    public static int encode(Value value, ReferenceCodec refs, String rootName, MutableDirectBuffer out, int offset) {
        Scratch sc = acquire();
        try {
            int total = prepare(sc, value, refs == null ? ReferenceCodec.NONE : refs, rootName);
            out.checkLimit(offset + total); // expands expandable buffers, throws otherwise
            return write(sc, out, offset);
        } finally {
            sc.end();
        }
    }

    /** This thread's scratch, or a new one if it is in use (an encode within an encode); released by {@link Scratch#end}. */
    private static Scratch acquire() {
        Scratch sc = SCRATCH.get();
        if (sc.busy) sc = new Scratch();
        sc.busy = true;
        return sc;
    }

    /** Runs the JS walk and computes the snapshot size; the parts are kept in {@code sc} for {@link #write}. */
    private static int prepare(Scratch sc, Value value, ReferenceCodec refs, String rootName) {
        Value fns = functions(value.getContext());
        sc.classifier.begin(refs);
        Value res;
        try {
            res = fns.getArrayElement(0).execute(value, rootName, sc.classifier);
        } catch (PolyglotException e) {
            throw translateEncode(e, rootName);
        }
        Value struct = res.getArrayElement(0);
        int structLen = res.getArrayElement(1).asInt();
        String heap = res.getArrayElement(2).asString();
        Value bufs = res.getArrayElement(3);
        int nBufs = (int) bufs.getArraySize();
        Value[] bufValues = sc.bufValues(nBufs);
        long buffersLen = 0;
        for (int i = 0; i < nBufs; i++) {
            Value b = bufs.getArrayElement(i);
            bufValues[i] = b;
            buffersLen += b.getBufferSize();
        }
        byte[] heapBytes = heap.getBytes(StandardCharsets.ISO_8859_1);
        byte heapCoder = HEAP_LATIN1;
        for (int i = 0; i < heapBytes.length; i++) {
            if (heapBytes[i] == '?' && heap.charAt(i) != '?') {
                heapCoder = HEAP_UTF16;
                break;
            }
        }
        long heapLen = heapCoder == HEAP_LATIN1 ? heapBytes.length : 2L * heap.length();
        int refsLen = sc.classifier.len;
        long total = HEADER_LENGTH + (long) structLen + buffersLen + heapLen + refsLen;
        if (total > Integer.MAX_VALUE - 64) {
            throw new StateCodecException(rootName + " is too large to snapshot (" + total + " bytes)");
        }
        sc.struct = struct;
        sc.structLen = structLen;
        sc.nBufs = nBufs;
        sc.buffersLen = (int) buffersLen;
        sc.heap = heap;
        sc.heapBytes = heapBytes;
        sc.heapCoder = heapCoder;
        sc.heapLen = (int) heapLen;
        return (int) total;
    }

    private static int write(Scratch sc, MutableDirectBuffer out, int offset) {
        int structLen = sc.structLen, nBufs = sc.nBufs, refsLen = sc.classifier.len;
        byte heapCoder = sc.heapCoder;
        byte[] heapBytes = sc.heapBytes;
        String heap = sc.heap;
        Value[] bufValues = sc.bufValues;
        int p = offset;
        putHeader(sc, out, p);
        p += HEADER_LENGTH;
        copyFrom(sc, sc.struct, structLen, out, p);
        p += structLen;
        for (int i = 0; i < nBufs; i++) {
            int len = (int) bufValues[i].getBufferSize();
            copyFrom(sc, bufValues[i], len, out, p);
            p += len;
            bufValues[i] = null;
        }
        if (heapCoder == HEAP_LATIN1) {
            out.putBytes(p, heapBytes);
            p += heapBytes.length;
        } else {
            for (int i = 0, n = heap.length(); i < n; i++, p += 2) out.putChar(p, heap.charAt(i), LE);
        }
        out.putBytes(p, sc.classifier.buf, 0, refsLen);
        p += refsLen;
        return p - offset;
    }

    private static void copyFrom(Scratch sc, Value buffer, int len, MutableDirectBuffer out, int index) {
        if (len == 0) return;
        byte[] arr = out.byteArray();
        if (arr != null) {
            buffer.readBuffer(0, arr, (int) (out.wrapAdjustment() + index), len);
            return;
        }
        byte[] chunk = sc.chunk;
        for (int done = 0; done < len; ) {
            int n = Math.min(chunk.length, len - done);
            buffer.readBuffer(done, chunk, 0, n);
            out.putBytes(index + done, chunk, 0, n);
            done += n;
        }
    }

    private static RuntimeException translateEncode(PolyglotException e, String rootName) {
        if (e.isHostException()) {
            Throwable h = e.asHostException();
            return h instanceof RuntimeException re ? re : new StateCodecException("reference encoding failed", h);
        }
        if (e.isCancelled() || e.isExit() || e.isInterrupted() || e.isResourceExhausted() && !isStackOverflow(e)) return e;
        Value g = e.getGuestObject();
        if (g != null && g.hasMembers() && g.hasMember("rdcUnmovable")) {
            Value path = g.getMember("rdcPath");
            return new UnmovableValueException(path.isString() ? path.asString() : rootName, g.getMember("rdcUnmovable").asString());
        }
        if (isStackOverflow(e)) {
            return new UnmovableValueException(rootName, "nested too deeply");
        }
        return new StateCodecException("encoding " + rootName + " failed: " + e.getMessage(), e);
    }

    private static boolean isStackOverflow(PolyglotException e) {
        String m = e.getMessage();
        return m != null && m.contains("Maximum call stack size exceeded");
    }

    /** Decodes a snapshot held in {@code bytes[offset, offset+length)} into a value living in {@code target}. */
    public static Value decode(byte[] bytes, int offset, int length, Context target, ReferenceCodec refs) {
        if (offset < 0 || length < 0 || offset > bytes.length - length) throw new IndexOutOfBoundsException();
        return decode(new UnsafeBuffer(bytes), offset, length, target, refs);
    }

    /** Decodes a snapshot held in {@code buffer[offset, offset+length)} into a value living in {@code target}. */
    public static Value decode(DirectBuffer buffer, int offset, int length, Context target, ReferenceCodec refs) {
        if (refs == null) refs = ReferenceCodec.NONE;
        if (length < HEADER_LENGTH) throw new CorruptSnapshotException("snapshot truncated: " + length + " bytes, header needs " + HEADER_LENGTH);
        if (buffer.getInt(offset, LE) != MAGIC) throw new CorruptSnapshotException("not a state snapshot (bad magic)");
        byte version = buffer.getByte(offset + 4);
        if (version != VERSION) throw new CorruptSnapshotException("unsupported snapshot version " + version);
        byte heapCoder = buffer.getByte(offset + 5);
        int structLen = buffer.getInt(offset + 8, LE);
        int buffersLen = buffer.getInt(offset + 12, LE);
        int heapLen = buffer.getInt(offset + 16, LE);
        int refsLen = buffer.getInt(offset + 20, LE);
        if ((heapCoder != HEAP_LATIN1 && heapCoder != HEAP_UTF16) || buffer.getShort(offset + 6) != 0) {
            throw new CorruptSnapshotException("bad snapshot header");
        }
        if (structLen < 1 || buffersLen < 0 || heapLen < 0 || refsLen < 0
            || (long) HEADER_LENGTH + structLen + buffersLen + heapLen + refsLen != length
            || (heapCoder == HEAP_UTF16 && (heapLen & 1) != 0)) {
            throw new CorruptSnapshotException("snapshot section lengths inconsistent with its size " + length + " (truncated or corrupted)");
        }
        int p = offset + HEADER_LENGTH;
        String latin1 = latin1(buffer, p, structLen);
        p += structLen;
        ByteBuffer bufferBytes = buffersLen == 0 ? null : byteBufferOf(buffer, p, buffersLen);
        p += buffersLen;
        String heap;
        if (heapCoder == HEAP_LATIN1) {
            heap = latin1(buffer, p, heapLen);
        } else {
            char[] chars = new char[heapLen >> 1];
            for (int i = 0; i < chars.length; i++) chars[i] = buffer.getChar(p + 2 * i, LE);
            heap = new String(chars);
        }
        p += heapLen;
        List<Object> refObjects = new ArrayList<>();
        int refsEnd = p + refsLen;
        while (p < refsEnd) {
            if (refsEnd - p < 4) throw new CorruptSnapshotException("truncated reference section");
            int n = buffer.getInt(p, LE);
            if (n < 0 || n > refsEnd - p - 4) throw new CorruptSnapshotException("bad reference length " + n);
            Object ref;
            try {
                ref = refs.decode(buffer, p + 4, n);
            } catch (CorruptSnapshotException | io.rdc.runtime.kernel.OperationException ex) {
                throw ex; // a refusal of the reference's own (an open file that cannot be reopened) says why itself
            } catch (RuntimeException ex) {
                throw new CorruptSnapshotException("reference " + refObjects.size() + " could not be decoded: " + ex, ex);
            }
            refObjects.add(ref);
            p += 4 + n;
        }
        Value fns = functions(target);
        try {
            return fns.getArrayElement(1).execute(latin1, bufferBytes, buffersLen, heap, ProxyArray.fromList(refObjects));
        } catch (PolyglotException e) {
            if (e.isCancelled() || e.isExit() || e.isInterrupted()) throw e;
            if (e.isHostException()) {
                throw new CorruptSnapshotException("decoding failed: " + e.asHostException(), e.asHostException());
            }
            Value g = e.getGuestObject();
            if (g != null && g.hasMembers() && g.hasMember("rdcCorrupt")) {
                throw new CorruptSnapshotException("corrupt snapshot: " + e.getMessage());
            }
            if (isStackOverflow(e)) throw new CorruptSnapshotException("corrupt snapshot: nesting too deep");
            throw new CorruptSnapshotException("corrupt snapshot: " + e.getMessage(), e);
        }
    }

    /** A read-only view of {@code buffer[index, index+length)}, copied only if the buffer is neither an array nor a ByteBuffer. */
    private static ByteBuffer byteBufferOf(DirectBuffer buffer, int index, int length) {
        byte[] arr = buffer.byteArray();
        if (arr != null) return ByteBuffer.wrap(arr, (int) (buffer.wrapAdjustment() + index), length).slice().asReadOnlyBuffer();
        ByteBuffer bb = buffer.byteBuffer();
        if (bb != null) return bb.duplicate().clear().position((int) (buffer.wrapAdjustment() + index)).limit((int) (buffer.wrapAdjustment() + index) + length).slice().asReadOnlyBuffer();
        byte[] tmp = new byte[length];
        buffer.getBytes(index, tmp);
        return ByteBuffer.wrap(tmp).asReadOnlyBuffer();
    }

    /**
     * The host access a context must allow for snapshots to be decoded into it: none, except reading
     * host buffers (the codec views the snapshot's buffer section in place; guest code is never given
     * a host object, so it cannot reach any).
     */
    public static final org.graalvm.polyglot.HostAccess HOST_ACCESS = org.graalvm.polyglot.HostAccess.newBuilder().allowBufferAccess(true).build();

    private static String latin1(DirectBuffer buffer, int index, int length) {
        byte[] arr = buffer.byteArray();
        if (arr != null) {
            return new String(arr, (int) (buffer.wrapAdjustment() + index), length, StandardCharsets.ISO_8859_1);
        }
        byte[] tmp = new byte[length];
        buffer.getBytes(index, tmp);
        return new String(tmp, StandardCharsets.ISO_8859_1);
    }

    private static volatile boolean errorPathsWarmed;

    private static Value functions(Context context) {
        Value bindings = context.getPolyglotBindings();
        Value fns = bindings.getMember(BINDING);
        if (fns == null || fns.isNull()) {
            fns = context.eval(CodecScript.SOURCE);
            bindings.putMember(BINDING, fns);
            if (!errorPathsWarmed) { // class initialisation is per JVM (see warmErrorPaths in CodecScript)
                fns.getArrayElement(2).executeVoid();
                errorPathsWarmed = true;
            }
        }
        return fns;
    }

    /** Per-thread reusable state. */
    private static final class Scratch {
        boolean busy;
        final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer header = new UnsafeBuffer(new byte[HEADER_LENGTH]);
        Value struct;
        int structLen, nBufs, buffersLen, heapLen;
        String heap;
        byte[] heapBytes;
        byte heapCoder;
        final byte[] chunk = new byte[64 * 1024];
        final Classifier classifier = new Classifier();
        Value[] bufValues = new Value[16];

        Value[] bufValues(int n) {
            if (bufValues.length < n) bufValues = new Value[Math.max(n, bufValues.length * 2)];
            return bufValues;
        }

        void end() {
            busy = false;
            struct = null;
            heap = null;
            heapBytes = null;
            view.wrap(EMPTY);
            java.util.Arrays.fill(bufValues, 0, nBufs, null);
            nBufs = 0;
            classifier.end();
        }
    }

    /**
     * Called by the JS encoder for objects that are not plain JS data. Returns a reference index
     * (&ge; 0), -1 for a JS object, -2 for a proxy that is not a reference, -3 for a host object.
     */
    static final class Classifier implements ProxyExecutable {
        private final IdentityHashMap<Proxy, Integer> index = new IdentityHashMap<>();
        final ExpandableArrayBuffer buf = new ExpandableArrayBuffer(256);
        ReferenceCodec refs;
        int len;

        void begin(ReferenceCodec r) {
            refs = r;
            len = 0;
            index.clear();
        }

        void end() {
            refs = null;
            index.clear();
        }

        @Override
        public Object execute(Value... args) {
            Value v = args[0];
            if (v.isProxyObject()) {
                Proxy p = v.asProxyObject();
                Integer i = index.get(p);
                if (i != null) return i;
                if (!refs.isReference(p)) return -2;
                int start = len;
                int n = refs.encode(p, buf, start + 4);
                if (n < 0) throw new IllegalStateException("ReferenceCodec.encode returned " + n);
                buf.putInt(start, n, LE);
                len = start + 4 + n;
                int id = index.size();
                index.put(p, id);
                return id;
            }
            if (v.isHostObject()) return -3;
            return -1;
        }
    }
}
