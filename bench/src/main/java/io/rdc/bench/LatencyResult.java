package io.rdc.bench;

import io.aeron.driver.ThreadingMode;

import java.util.Arrays;

/**
 * Round-trip latency (ping to pong and back) of a raw Aeron ping-pong, in microseconds.
 *
 * @param transport     channel type.
 * @param idle          application idle strategy (pinger and ponger).
 * @param driverIdle    idle strategy of the media driver agents.
 * @param threadingMode media driver threading mode.
 * @param payloadBytes  message length.
 * @param warmup        round trips done before sampling.
 * @param messages      round trips sampled; every ping was answered by its pong.
 * @param minUs         fastest round trip.
 * @param p50Us         median round trip.
 * @param p90Us         90th percentile.
 * @param p99Us         99th percentile.
 * @param p999Us        99.9th percentile.
 * @param maxUs         slowest round trip.
 * @param meanUs        arithmetic mean.
 */
public record LatencyResult(
    Transport transport,
    Idle idle,
    Idle driverIdle,
    ThreadingMode threadingMode,
    int payloadBytes,
    int warmup,
    int messages,
    double minUs,
    double p50Us,
    double p90Us,
    double p99Us,
    double p999Us,
    double maxUs,
    double meanUs)
{
    /**
     * Build a result from raw round-trip samples; sorts {@code samplesNs[0..count)} in place.
     *
     * @param samplesNs round-trip times in nanoseconds.
     * @param count     number of valid samples, at least 1.
     * @return the summary, percentiles by nearest rank.
     */
    static LatencyResult fromSamples(
        final Transport transport,
        final Idle idle,
        final Idle driverIdle,
        final ThreadingMode threadingMode,
        final int payloadBytes,
        final int warmup,
        final long[] samplesNs,
        final int count)
    {
        if (count < 1)
        {
            throw new IllegalArgumentException("no samples");
        }
        Arrays.sort(samplesNs, 0, count);
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            sum += samplesNs[i];
        }
        return new LatencyResult(
            transport, idle, driverIdle, threadingMode, payloadBytes, warmup, count,
            samplesNs[0] / 1000.0,
            percentile(samplesNs, count, 0.50) / 1000.0,
            percentile(samplesNs, count, 0.90) / 1000.0,
            percentile(samplesNs, count, 0.99) / 1000.0,
            percentile(samplesNs, count, 0.999) / 1000.0,
            samplesNs[count - 1] / 1000.0,
            (double)sum / count / 1000.0);
    }

    static long percentile(final long[] sorted, final int count, final double p)
    {
        final int rank = (int)Math.ceil(p * count);
        return sorted[Math.min(count, Math.max(1, rank)) - 1];
    }

    /**
     * @return one JSON object on one line, {@code "bench":"aeron-pingpong"}.
     */
    public String toJson()
    {
        return new JsonLine()
            .str("bench", "aeron-pingpong")
            .str("transport", transport.jsonName())
            .str("idle", idle.jsonName())
            .str("driver_idle", driverIdle.jsonName())
            .str("threading", threadingMode.name().toLowerCase(java.util.Locale.ROOT))
            .num("payload_bytes", payloadBytes)
            .num("warmup", warmup)
            .num("messages", messages)
            .num("min_us", minUs)
            .num("p50_us", p50Us)
            .num("p90_us", p90Us)
            .num("p99_us", p99Us)
            .num("p999_us", p999Us)
            .num("max_us", maxUs)
            .num("mean_us", meanUs)
            .toString();
    }
}
