package io.rdc.interpreter;

/** A length of time, written {@code 200ms}, {@code 5s}, {@code 2m} or {@code 1h}. */
public record DurationValue(long millis) {
    @Override
    public String toString() {
        if (millis != 0 && millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis != 0 && millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis != 0 && millis % 1_000 == 0) {
            return millis / 1_000 + "s";
        }
        return millis + "ms";
    }
}
