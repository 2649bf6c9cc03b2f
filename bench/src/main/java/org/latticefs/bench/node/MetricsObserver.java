package org.latticefs.bench.node;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.latticefs.fs.FsObserver;
import org.latticefs.fs.FsOp;
import org.latticefs.node.metrics.FuseMetrics;

/**
 * The daemon's FUSE metrics as a no-argument {@link FsObserver}, for fs's {@code FsBench} (its
 * {@code MountMain} loads it by name with {@code -Dmountmain.observer}), so the benchmark's mount
 * counts exactly what a daemon's does. How to run the before/after comparison: BENCHMARKS.md,
 * "Metrics overhead".
 */
public final class MetricsObserver implements FsObserver {
  private final FuseMetrics metrics = new FuseMetrics(new PrometheusRegistry(), () -> 0);

  @Override
  public void answered(FsOp op, int result, long nanos) {
    metrics.answered(op, result, nanos);
  }
}
