package io.rdc.bench;

import io.aeron.Publication;

import java.nio.ByteOrder;

/**
 * Wire layout shared by the measuring side and the responder (in-JVM thread or child JVM).
 * <ul>
 *     <li>ping: {@code [sendTimeNs:long][padding]}, echoed back verbatim by the echo responder;</li>
 *     <li>throughput data: {@code [sequence:long][padding]}, counted by the sink responder;</li>
 *     <li>sync: {@code [SYNC:long][token:long]}, answered by the sink with an ack
 *     {@code [token:long][received:long][outOfOrder:long]}, after which its counters restart at sequence 0.</li>
 * </ul>
 */
final class Protocol
{
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final int TO_RESPONDER_STREAM_ID = 1001;
    static final int FROM_RESPONDER_STREAM_ID = 1002;
    static final long SYNC = Long.MIN_VALUE;
    static final int SYNC_LENGTH = 2 * Long.BYTES;
    static final int ACK_LENGTH = 3 * Long.BYTES;
    static final int MIN_PAYLOAD = Long.BYTES;
    static final String READY = "RDC-BENCH-RESPONDER-READY";

    private Protocol()
    {
    }

    /**
     * @param result a negative return of {@code offer}/{@code tryClaim}.
     * @return {@code true} if retrying may succeed (back pressure, admin action), {@code false} if the publication
     * is not connected, closed or at its max position.
     */
    static boolean isRetryable(final long result)
    {
        return result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION;
    }

    static String describe(final long result)
    {
        if (result == Publication.NOT_CONNECTED)
        {
            return "NOT_CONNECTED";
        }
        if (result == Publication.BACK_PRESSURED)
        {
            return "BACK_PRESSURED";
        }
        if (result == Publication.ADMIN_ACTION)
        {
            return "ADMIN_ACTION";
        }
        if (result == Publication.CLOSED)
        {
            return "CLOSED";
        }
        if (result == Publication.MAX_POSITION_EXCEEDED)
        {
            return "MAX_POSITION_EXCEEDED";
        }
        return Long.toString(result);
    }
}
