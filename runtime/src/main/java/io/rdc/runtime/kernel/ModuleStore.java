package io.rdc.runtime.kernel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The modules a node holds, by content hash: a module's identity is its text (the Equus "text
 * segment", shared between incarnations of one module). A loader that lacks a hash asks for the code.
 */
public final class ModuleStore {
    public record Module(String hash, String name, String code) {}

    private final ConcurrentHashMap<String, Module> byHash = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Module> byName = new ConcurrentHashMap<>();

    public static String hashOf(String code) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Module add(String name, String code) {
        String h = hashOf(code);
        Module m = byHash.computeIfAbsent(h, k -> new Module(k, name, code));
        byName.put(name, m);
        return m;
    }

    public Module byName(String name) {
        return byName.get(name);
    }

    /** Module names are declared per RDC: two computations may each have their own "client". */
    private final ConcurrentHashMap<String, Module> declared = new ConcurrentHashMap<>();

    public void declare(long rdc, String name, Module m) {
        declared.put(rdc + "/" + name, m);
    }

    /** The module an RDC declared under a name, or null. */
    public Module declared(long rdc, String name) {
        return declared.get(rdc + "/" + name);
    }

    /** The module an RDC declared under a name, else the last module of that name known here. */
    public Module byName(long rdc, String name) {
        Module m = declared(rdc, name);
        return m != null ? m : byName.get(name);
    }

    public Module get(String hash) {
        return byHash.get(hash);
    }

    public boolean has(String hash) {
        return byHash.containsKey(hash);
    }

    public int size() {
        return byHash.size();
    }
}
