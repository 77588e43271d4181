package io.rdc.runtime.state;

import java.nio.charset.StandardCharsets;
import org.graalvm.polyglot.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

class CopyLoopAbTest {
    @Test @EnabledIfSystemProperty(named = "rdc.bench", matches = "true")
    void ab() {
        Engine e = Engine.newBuilder("js").option("engine.WarnInterpreterOnly", "false").build();
        try (Context c = StateCodecTest_ctx(e)) {
            Value f1 = c.eval("js", "(function(s){ const len=s.length; const ab=new ArrayBuffer(len), d=new Uint8Array(ab); for(let i=0;i<len;i++) d[i]=s.charCodeAt(i); return ab.byteLength; })");
            Value f4 = c.eval("js", "(function(s){ const len=s.length; const ab=new ArrayBuffer(len); const n4=len>>2, d32=new Int32Array(ab,0,n4); let i=0; for(let j=0;i<n4;i++,j+=4) d32[i]=s.charCodeAt(j)|(s.charCodeAt(j+1)<<8)|(s.charCodeAt(j+2)<<16)|(s.charCodeAt(j+3)<<24); return ab.byteLength; })");
            int n = 4 << 20;
            byte[] data = new byte[n];
            for (int i = 0; i < n; i++) data[i] = (byte) (i * 31);
            String str = new String(data, StandardCharsets.ISO_8859_1);
            double b1 = 1e9, b4 = 1e9, s1 = 0, s4 = 0;
            for (int it = 0; it < 60; it++) {
                long t0 = System.nanoTime(); f1.execute(str); long t1 = System.nanoTime(); f4.execute(str); long t2 = System.nanoTime();
                if (it >= 20) { b1 = Math.min(b1, (t1 - t0) / 1e6); b4 = Math.min(b4, (t2 - t1) / 1e6); s1 += (t1 - t0) / 1e6; s4 += (t2 - t1) / 1e6; }
            }
            System.out.printf("bytewise best %.3f ms/MB avg %.3f | int32 best %.3f ms/MB avg %.3f%n", b1 / 4, s1 / 40 / 4, b4 / 4, s4 / 40 / 4);
        }
    }
    @Test @EnabledIfSystemProperty(named = "rdc.bench", matches = "true")
    void depth() {
        Engine e = Engine.newBuilder("js").option("engine.WarnInterpreterOnly", "false").build();
        try (Context c = StateCodecTest_ctx(e)) {
            Value mk = c.eval("js", "(n) => { let o = {}; for (let i = 0; i < n; i++) o = {o}; return o; }");
            Value mkA = c.eval("js", "(n) => { let o = []; for (let i = 0; i < n; i++) o = [o]; return o; }");
            Value js = c.eval("js", "(o) => { try { JSON.stringify(o); return 'ok'; } catch (e) { return 'fail'; } }");
            for (int round = 0; round < 2; round++) {
                StringBuilder sb = new StringBuilder("round " + round + ":");
                for (int d : new int[] {500, 1000, 2000, 5000, 10000, 20000, 50000}) {
                    String r;
                    try { StateCodec.encode(mk.execute(d), null); r = "ok"; } catch (UnmovableValueException x) { r = "fail"; }
                    String ra;
                    try { StateCodec.encode(mkA.execute(d), null); ra = "ok"; } catch (UnmovableValueException x) { ra = "fail"; }
                    sb.append(" ").append(d).append(": obj ").append(r).append(" arr ").append(ra).append(" json ").append(js.execute(mk.execute(d)).asString()).append(";");
                }
                System.out.println(sb);
                for (int w = 0; w < 200; w++) StateCodec.encode(mk.execute(50), null);
            }
        }
    }

    @Test @EnabledIfSystemProperty(named = "rdc.bench", matches = "true")
    void decodeOnly() {
        Engine e = Engine.newBuilder("js").option("engine.WarnInterpreterOnly", "false").build();
        try (Context a = StateCodecTest_ctx(e); Context b = StateCodecTest_ctx(e)) {
            byte[] snap = StateCodec.encode(a.eval("js", "(() => { const f = new Float64Array(1 << 19); for (let i = 0; i < f.length; i++) f[i] = i * 1.0001; return {f}; })()"), null);
            Value raw = b.eval("js", "(s) => s.length");
            double best = 1e9, sum = 0, bestS = 1e9;
            for (int it = 0; it < 200; it++) {
                long t0 = System.nanoTime();
                StateCodec.decode(snap, 0, snap.length, b, null);
                long t1 = System.nanoTime();
                raw.execute(new String(snap, java.nio.charset.StandardCharsets.ISO_8859_1));
                long t2 = System.nanoTime();
                if (it >= 100) { best = Math.min(best, (t1 - t0) / 1e6); sum += (t1 - t0) / 1e6; bestS = Math.min(bestS, (t2 - t1) / 1e6); }
            }
            System.out.printf("decode 4MB: best %.3f ms/MB avg %.3f ms/MB; string pass only best %.3f ms/MB%n", best / 4, sum / 100 / 4, bestS / 4);
        }
    }

    static Context StateCodecTest_ctx(Engine e) { return StateCodecBench.ctx(e); }
}
