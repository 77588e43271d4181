package io.rdc.runtime.ref;

/**
 * One entry of an incarnation's reference table. {@code target} is the kernel object it refers to
 * (a Stream, a Port, or a RefDescriptor for remote things such as incarnation handles). JavaScript
 * never sees the id as something it could forge: it holds an opaque proxy wrapping this entry.
 */
public final class Ref {
    public final int id;
    public final RefKind kind;
    public final ReferenceTable table;
    private final Object target;
    private final int rights;
    private final boolean noFurther;
    private volatile boolean closed;
    /** The object a host hands to code for this reference (one per entry, so identity is stable). */
    public volatile Object attachment;

    Ref(int id, RefKind kind, ReferenceTable table, Object target, int rights, boolean noFurther) {
        this.id = id;
        this.kind = kind;
        this.table = table;
        this.target = target;
        this.rights = rights;
        this.noFurther = noFurther;
    }

    public Object target() {
        return target;
    }

    public int rights() {
        return rights;
    }

    public boolean noFurtherPropagation() {
        return noFurther;
    }

    public boolean isClosed() {
        return closed;
    }

    void markClosed() {
        closed = true;
    }

    @Override
    public String toString() {
        return kind.label + "#" + id + (closed ? " (closed)" : "");
    }
}
