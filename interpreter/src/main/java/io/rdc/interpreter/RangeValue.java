package io.rdc.interpreter;

/** {@code from..to}, inclusive at both ends, never materialized unless something needs a list. */
public record RangeValue(long from, long to) {
    /** Number of elements; saturates at Long.MAX_VALUE for ranges wider than a long can count. */
    public long size() {
        if (to < from) {
            return 0;
        }
        long size = to - from + 1;
        return size <= 0 ? Long.MAX_VALUE : size;
    }

    @Override
    public String toString() {
        return from + ".." + to;
    }
}
