package io.rdc.runtime.ref;

/** Rights carried by an incarnation handle (§7.1): propagating with reduced rights removes some. */
public final class Rights {
    private Rights() {}

    public static final int DESTROY = 1;
    public static final int FREEZE = 2;     // freeze and unfreeze
    public static final int MIGRATE = 4;
    public static final int STATUS = 8;
    public static final int EVENTS = 16;    // setInterest
    public static final int DEPEND = 32;    // makeDependent
    public static final int ALL = 63;
    /** What "reduced rights" leaves when no explicit mask is given: observe, but not control. */
    public static final int OBSERVE = STATUS | EVENTS;

    public static String describe(int r) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"destroy", "freeze", "migrate", "status", "events", "depend"};
        for (int i = 0; i < names.length; i++)
            if ((r & (1 << i)) != 0) sb.append(sb.length() == 0 ? "" : ",").append(names[i]);
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
