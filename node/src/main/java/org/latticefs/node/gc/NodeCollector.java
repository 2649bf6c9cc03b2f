package org.latticefs.node.gc;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.inode.InodeRoots;
import org.latticefs.fs.inode.InodeSubtrees;
import org.latticefs.fs.inode.KeptVersions;
import org.latticefs.gc.CacheEvictor;
import org.latticefs.gc.CollectableStore;
import org.latticefs.gc.Collector;
import org.latticefs.gc.GcService;
import org.latticefs.gc.GcSettings;
import org.latticefs.gc.HolderCheck;
import org.latticefs.gc.Scrubber;
import org.latticefs.gc.UsageRoots;
import org.latticefs.gc.pin.PinRoots;
import org.latticefs.kv.Stores;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.NodeConfig;

/**
 * Wires the garbage collector of one node: the blob store and its holds, the filesystem's inodes as
 * roots ({@link InodeRoots}) and this node's hash pins ({@link PinRoots}: stored ones as roots,
 * pending ones as partial roots), the roots of {@code du}'s classes ({@link #classes}), the
 * settings from the config, and the jobs the CLI starts. In the daemon it also runs on its own
 * ({@link #startBackground}) and frees space for writes that find none; without a daemon it only
 * runs the jobs asked for.
 */
public final class NodeCollector implements AutoCloseable {
  private final GcService service;
  private final GcJobs jobs;

  /**
   * @param holders asks other nodes, at eviction time, which cached chunks they keep
   */
  public NodeCollector(
      DiskBlobStore blobs, Stores stores, NodeConfig config, Path staging, HolderCheck holders) {
    PinRoots pins = new PinRoots(NodePins.book(stores));
    ManifestRoots kept =
        new KeptVersions(stores, config.keepDeleted(), InstantSource.system()).roots();
    Collector collector =
        new Collector(
            CollectableStore.of(blobs),
            List.of(pins.pending()),
            List.of(new InodeRoots(stores), pins.stored(), kept),
            InstantSource.system(),
            System::nanoTime,
            new SplittableRandom());
    GcSettings settings =
        GcSettings.defaults(config.storageQuota()).withInterval(config.gcInterval());
    this.service = new GcService(collector, settings, blobs::usedBytes, InstantSource.system());
    // Cached chunks of on-demand stores go only while storage.min_copies other nodes confirm, now,
    // that they keep them (asked over the mesh; a node not connected confirms nothing).
    service.setEvictor(
        new CacheEvictor(
            CollectableStore.of(blobs),
            blobs.accessTracker(),
            stores,
            NodePins.presence(stores),
            NodePins.book(stores),
            NodePins.trees(new InodeSubtrees(stores)),
            holders,
            config.minCopies()));
    this.jobs = new GcJobs(service, blobs, staging, config.storageQuota(), classes(stores, kept));
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

  /**
   * Where {@code du}'s classes start: this node's pins; full stores' content and {@code kept}
   * versions (referenced); on-demand stores' content (cache, what is not also pinned or
   * referenced).
   */
  static UsageRoots classes(Stores stores, ManifestRoots kept) {
    return UsageRoots.of(
        stores,
        NodePins.presence(stores),
        NodePins.book(stores),
        NodePins.trees(new InodeSubtrees(stores)),
        kept);
  }

  /** The fsck jobs and background scrub of a data directory (see {@link FsckJobs}). */
  public static FsckJobs fsck(
      DataDir dir, DiskBlobStore blobs, BlobFetcher fetcher, Stores stores, Duration interval) {
    InodeSubtrees files = new InodeSubtrees(stores);
    Scrubber scrubber =
        new Scrubber(
            CollectableStore.of(blobs),
            fetcher,
            sink -> files.forEachFile(sink::file),
            InstantSource.system(),
            System::nanoTime,
            nanos -> TimeUnit.NANOSECONDS.sleep(nanos));
    return new FsckJobs(
        scrubber, blobs, dir.root().resolve("scrub.properties"), interval, InstantSource.system());
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
