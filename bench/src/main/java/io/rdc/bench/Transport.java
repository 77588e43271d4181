package io.rdc.bench;

import java.util.Locale;

/**
 * Channel type a baseline measurement runs over.
 */
public enum Transport
{
    /** One embedded media driver in this JVM, {@code aeron:ipc}; responder on another thread. */
    IPC,
    /** Two JVMs over UDP loopback, each with its own embedded media driver; the responder is a child JVM. */
    UDP,
    /** UDP loopback through one embedded media driver in this JVM; responder on another thread. */
    UDP_SAME_JVM;

    /**
     * @return lower-case name used in JSON output and on the command line, e.g. {@code udp_same_jvm}.
     */
    public String jsonName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parse a transport name case-insensitively; accepts {@code -} for {@code _}.
     *
     * @param name such as {@code ipc}, {@code udp} or {@code udp-same-jvm}.
     * @return the transport.
     */
    public static Transport parse(final String name)
    {
        return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
