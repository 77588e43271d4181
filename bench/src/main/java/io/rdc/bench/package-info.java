/**
 * Raw-Aeron baseline for rdc's benchmarks: the same channel types and idle strategies as rdc, without rdc.
 * <p>
 * Library use (from {@code rdc bench}):
 * <pre>{@code
 * LatencyResult l = AeronBaseline.pingPong(Transport.UDP, 50_000, 10_000, 32, Idle.YIELDING);
 * ThroughputResult t = AeronBaseline.throughput(Transport.IPC, 5_000_000, 32, Idle.YIELDING,
 *     BaselineOptions.DEFAULTS.withThreadingMode(ThreadingMode.DEDICATED));
 * System.out.println(l.toJson());
 * }</pre>
 * Command line: {@code java <aeron flags> -cp ... io.rdc.bench.AeronBaseline --help} prints the options;
 * output is one JSON object per line ({@code "bench":"aeron-pingpong"} or {@code "bench":"aeron-throughput"}, or
 * an {@code "error"} field if that measurement failed).
 * <p>
 * Transports: {@link io.rdc.bench.Transport#IPC} (one embedded driver), {@code UDP} (this JVM plus a child
 * JVM started with the same java, flags and class path, each with its own driver; the child is the pong/subscriber
 * and is always terminated), {@code UDP_SAME_JVM} (UDP loopback through one driver). Driver directories live under
 * /dev/shm (else java.io.tmpdir) as {@code rdc-bench-<pid>-...}, are deleted on start and close, and ones left by
 * killed processes are swept on the next run.
 * <p>
 * On a 2-core machine: never busy-spin both application threads and the driver (the defaults back off, and a
 * busy-spinning application gets a yielding driver); for IPC the driver is off the data path, so a backing-off driver
 * ({@code --driver-idle backoff}) frees a core for the pinger and ponger.
 */
package io.rdc.bench;
