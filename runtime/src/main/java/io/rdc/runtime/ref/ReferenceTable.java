package io.rdc.runtime.ref;

import java.util.ArrayList;
import java.util.List;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * An incarnation's reference table (part of its pincdata, §8.2): the only way it can name streams,
 * ports, handles and other incarnations. Guarded by its own monitor: the owner's thread adds and
 * uses entries, the kernel reads them for status and migration.
 */
public final class ReferenceTable {
    private final Int2ObjectHashMap<Ref> refs = new Int2ObjectHashMap<>();
    private final String ownerName;
    private int nextId = 1;

    public ReferenceTable(String ownerName) {
        this.ownerName = ownerName;
    }

    public synchronized Ref add(RefKind kind, Object target, int rights, boolean noFurther) {
        Ref r = new Ref(nextId++, kind, this, target, rights, noFurther);
        refs.put(r.id, r);
        return r;
    }

    /** Looks up an id; refuses ids this table does not hold. */
    public synchronized Ref get(int id) {
        Ref r = refs.get(id);
        if (r == null) throw new ReferenceException(ownerName + " holds no reference #" + id);
        return r;
    }

    /** Checks that a reference object belongs to this table, is open and of one of the expected kinds. */
    public Ref check(Ref r, RefKind... kinds) {
        if (r == null) throw new ReferenceException("no reference given");
        if (r.table != this) throw new ReferenceException(ownerName + " does not hold " + r);
        if (r.isClosed()) throw new ReferenceException(r + " is closed");
        if (kinds.length > 0) {
            for (RefKind k : kinds) if (r.kind == k) return r;
            StringBuilder want = new StringBuilder();
            for (RefKind k : kinds) want.append(want.length() == 0 ? "" : " or ").append(k.label);
            throw new ReferenceException("expected a " + want + ", got a " + r.kind.label + " (#" + r.id + ")");
        }
        return r;
    }

    public synchronized void remove(Ref r) {
        r.markClosed();
        refs.remove(r.id);
    }

    public synchronized List<Ref> snapshot() {
        return new ArrayList<>(refs.values());
    }

    public synchronized int size() {
        return refs.size();
    }

    public String ownerName() {
        return ownerName;
    }
}
