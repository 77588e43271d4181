package io.rdc.interpreter;

/** {@code from..to}, inclusive at both ends, never materialized unless something needs a list. */
public record RangeValue(long from, long to) {
    public long size() {
        return to < from ? 0 : to - from + 1;
    }

    @Override
    public String toString() {
        return from + ".." + to;
    }
}
