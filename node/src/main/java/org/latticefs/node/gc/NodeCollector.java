package org.latticefs.node.gc;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.SplittableRandom;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.inode.InodeRoots;
import org.latticefs.gc.CollectableStore;
import org.latticefs.gc.Collector;
import org.latticefs.gc.GcService;
import org.latticefs.gc.GcSettings;
import org.latticefs.kv.Stores;
import org.latticefs.node.config.NodeConfig;

/**
 * Wires the garbage collector of one node: the blob store and its holds, the filesystem's inodes as
 * roots ({@link InodeRoots}; pins join here with issue 12 part 2), the settings from the config,
 * and the jobs the CLI starts. In the daemon it also runs on its own ({@link #startBackground}) and
 * frees space for writes that find none; without a daemon it only runs the jobs asked for.
 */
public final class NodeCollector implements AutoCloseable {
  private final GcService service;
  private final GcJobs jobs;

  public NodeCollector(DiskBlobStore blobs, Stores stores, NodeConfig config, Path staging) {
    Collector collector =
        new Collector(
            CollectableStore.of(blobs),
            List.of(new InodeRoots(stores)),
            InstantSource.system(),
            System::nanoTime,
            new SplittableRandom());
    GcSettings settings =
        GcSettings.defaults(config.storageQuota()).withInterval(config.gcInterval());
    this.service = new GcService(collector, settings, blobs::usedBytes, InstantSource.system());
    this.jobs = new GcJobs(service, blobs, staging, config.storageQuota());
  }

  /**
   * Runs the collector on its own (timer, high watermark) and lets writes that find no room wait
   * for a pass before they fail with ENOSPC.
   */
  public NodeCollector startBackground(DiskBlobStore blobs) {
    service.start();
    blobs.setReclaimer(service);
    return this;
  }

  public GcJobs jobs() {
    return jobs;
  }

  public GcService service() {
    return service;
  }

  @Override
  public void close() {
    service.close();
  }
}
