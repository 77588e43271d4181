package io.rdc.runtime.ref;

/** The six kinds of reference of §3.2.2 (plus the reply handle an invoked receiver holds). */
public enum RefKind {
    INCARNATION("incarnation handle"),
    STREAM("stream"),
    PORT("port"),
    STREAM_HANDLE("stream handle"),
    PORT_HANDLE("port handle"),
    BUFFER_HANDLE("buffer handle"),
    REPLY_HANDLE("reply handle");

    public final String label;

    RefKind(String label) {
        this.label = label;
    }

    public static RefKind of(int ordinal) {
        RefKind[] all = values();
        if (ordinal < 0 || ordinal >= all.length) throw new IllegalArgumentException("bad reference kind " + ordinal);
        return all[ordinal];
    }
}
