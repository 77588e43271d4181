package io.rdc.bench;

import io.aeron.driver.ThreadingMode;

import java.util.Locale;

/**
 * One-publisher-to-one-subscriber throughput of raw Aeron.
 *
 * @param transport          channel type.
 * @param idle               application idle strategy (publisher back-pressure and subscriber duty cycle).
 * @param driverIdle         idle strategy of the media driver agents.
 * @param threadingMode      media driver threading mode.
 * @param payloadBytes       message length.
 * @param claim              {@code true} if messages were written with {@code tryClaim}, {@code false} for
 *                           {@code offer} (payload longer than the max payload of one frame).
 * @param messages           messages sent in the timed run.
 * @param received           messages the subscriber counted in the timed run.
 * @param outOfOrder         messages whose sequence number was not the expected one (0 unless broken).
 * @param backPressureEvents offers or claims refused with BACK_PRESSURED or ADMIN_ACTION and retried.
 * @param elapsedNanos       from the first send until the subscriber confirmed the last message.
 * @param msgsPerSec         {@code received / elapsed}.
 * @param mbPerSec           payload megabytes (10^6 bytes) per second.
 */
public record ThroughputResult(
    Transport transport,
    Idle idle,
    Idle driverIdle,
    ThreadingMode threadingMode,
    int payloadBytes,
    boolean claim,
    long messages,
    long received,
    long outOfOrder,
    long backPressureEvents,
    long elapsedNanos,
    double msgsPerSec,
    double mbPerSec)
{
    /**
     * @return one JSON object on one line, {@code "bench":"aeron-throughput"}.
     */
    public String toJson()
    {
        return new JsonLine()
            .str("bench", "aeron-throughput")
            .str("transport", transport.jsonName())
            .str("idle", idle.jsonName())
            .str("driver_idle", driverIdle.jsonName())
            .str("threading", threadingMode.name().toLowerCase(Locale.ROOT))
            .num("payload_bytes", payloadBytes)
            .str("method", claim ? "tryClaim" : "offer")
            .num("messages", messages)
            .num("received", received)
            .num("out_of_order", outOfOrder)
            .num("back_pressure", backPressureEvents)
            .num("elapsed_ms", elapsedNanos / 1e6)
            .num("msgs_per_s", msgsPerSec)
            .num("mb_per_s", mbPerSec)
            .toString();
    }
}
