package org.latticefs.node.metrics;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsObserver;
import org.latticefs.fs.FsOp;

/**
 * Measures the mount: the {@link FsObserver} node hands to fs, backed by Prometheus metrics.
 *
 * <ul>
 *   <li>{@code lattice_fuse_request_duration_seconds{op,result}}: a histogram of the time the
 *       filesystem took per request; its {@code _count} is the number of requests. {@code op} is an
 *       {@link FsOp} label, {@code result} is {@code ok} or the errno name ({@code ENOENT}…): both
 *       bounded.
 *   <li>{@code lattice_fuse_read_bytes_total}, {@code lattice_fuse_written_bytes_total}: bytes
 *       answered to reads and accepted from writes at the mount.
 *   <li>{@code lattice_fuse_open_files}: files open through the mount now.
 * </ul>
 *
 * <h2>Cost</h2>
 *
 * A successful request costs one array lookup and one histogram observation (no lock, no
 * allocation; classic buckets only, no exemplars: there is no tracing to link them to): the data
 * point of each {@code (op, ok)} is made once, here; those of failures on first use. Thread-safe.
 */
public final class FuseMetrics implements FsObserver {
  /** Request latency buckets, in seconds: 50 µs to 10 s. */
  static final double[] BUCKETS = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    2.5, 5, 10
  };

  private final Histogram latency;
  private final DistributionDataPoint[] ok = new DistributionDataPoint[FsOp.values().length];
  private final ConcurrentHashMap<Integer, DistributionDataPoint> failed =
      new ConcurrentHashMap<>();
  private final LongAdder bytesRead = new LongAdder();
  private final LongAdder bytesWritten = new LongAdder();

  /**
   * Registers the FUSE metrics in {@code registry}; {@code openFiles} is read at scrape time (fs's
   * {@code LatticeFileSystem::openFileCount}).
   */
  public FuseMetrics(PrometheusRegistry registry, IntSupplier openFiles) {
    latency =
        Histogram.builder()
            .name("lattice_fuse_request_duration_seconds")
            .help("Time the filesystem took to answer a FUSE request, by operation and result")
            .labelNames("op", "result")
            .classicOnly()
            .classicUpperBounds(BUCKETS)
            .withoutExemplars()
            .register(registry);
    for (FsOp op : FsOp.values()) {
      ok[op.ordinal()] = latency.labelValues(op.label(), "ok");
    }
    CounterWithCallback.builder()
        .name("lattice_fuse_read_bytes_total")
        .help("Bytes returned by reads through the mount")
        .callback(cb -> cb.call(bytesRead.sum()))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_fuse_written_bytes_total")
        .help("Bytes accepted by writes through the mount")
        .callback(cb -> cb.call(bytesWritten.sum()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lattice_fuse_open_files")
        .help("Files open through the mount")
        .callback(cb -> cb.call(openFiles.getAsInt()))
        .register(registry);
  }

  @Override
  public void answered(FsOp op, int result, long nanos) {
    double seconds = nanos / 1e9;
    if (result >= 0) {
      ok[op.ordinal()].observe(seconds);
      if (op == FsOp.READ) {
        bytesRead.add(result);
      } else if (op == FsOp.WRITE) {
        bytesWritten.add(result);
      }
      return;
    }
    int errno = -result;
    failed
        .computeIfAbsent(
            op.ordinal() * 4096 + Math.min(errno, 4095),
            k -> latency.labelValues(op.label(), errnoName(errno)))
        .observe(seconds);
  }

  /** {@code ENOENT} for 2; {@code errno_N} for a number {@link Errno} does not name. */
  static String errnoName(int errno) {
    for (Errno e : Errno.values()) {
      if (e.code() == errno) {
        return e.name();
      }
    }
    return errno == 4 ? "EINTR" : errno == 11 ? "EAGAIN" : "errno_" + Math.min(errno, 4095);
  }
}
