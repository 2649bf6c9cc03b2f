package org.latticefs.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.store.CachingBlobFetcher;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.FsConfig;
import org.latticefs.fs.Owners;
import org.latticefs.fs.fuse.FuseMount;
import org.latticefs.kv.Stores;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.NodeConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns node's settings into what the mount is built from: the filesystem's {@link FsConfig} over
 * this node's stores, fetchers and blob store, and the FUSE options the mount is made with.
 */
final class MountSetup {
  private static final Logger log = LoggerFactory.getLogger(MountSetup.class);

  /**
   * How long the kernel may answer from its cache of names and attributes before asking the
   * filesystem again (libfuse2's default is 1 s each). A change a peer made shows in this mount at
   * most this long after it arrived here: node does not yet tell the kernel which names a peer
   * changed (the direct binding could, through {@code FuseMount.invalidate}; libfuse2 cannot), so
   * the timeouts bound how stale they are. {@code mount.options} may set others (they come later).
   */
  static final List<String> KERNEL_CACHE_OPTIONS =
      List.of("-o", "entry_timeout=0.5,attr_timeout=0.5");

  private MountSetup() {}

  /** The filesystem's configuration: where it reads and stores bytes, and node's settings. */
  static FsConfig fsConfig(
      NodeConfig config,
      DataDir dir,
      Stores stores,
      BlobFetcher fetcher,
      CachingBlobFetcher chunkCache,
      DiskBlobStore blobs,
      QuotaSpace space)
      throws IOException {
    return FsConfig.of(stores, fetcher, chunkCache, new FileIngester(blobs), dir.staging())
        .withReadaheadBytes(config.readaheadBytes())
        .withAtimeFile(dir.atimes())
        .withStagingMemoryBytes(config.stagingMemoryBytes())
        .withSpace(space)
        .withOwners(owners(config.fsOwner()))
        // What open files store stays held until committed; the collector respects holds.
        .withHolder(blobs);
  }

  /**
   * The mount's FUSE options: fs's defaults, the kernel cache timeouts, then {@code mount.options}
   * (which come last, so they win; what they risk is logged as a warning).
   */
  static List<String> fuseOptions(NodeConfig config) {
    List<String> options = new ArrayList<>(FuseMount.DEFAULT_OPTIONS);
    options.addAll(KERNEL_CACHE_OPTIONS);
    if (!config.mountOptions().isEmpty()) {
      for (String w : config.mountOptions().warnings()) {
        log.warn(w);
      }
      options.add("-o");
      options.add(config.mountOptions().joined());
    }
    return options;
  }

  /**
   * Who files show as owned by ({@code fs.owner}): by default the stored numbers (POSIX chown
   * semantics); {@code mount} shows every file as owned by the user running this daemon, whichever
   * node wrote it (uids are local to each box); {@code UID:GID} one fixed owner.
   */
  static Owners owners(String setting) throws IOException {
    if (setting.equals("stored")) {
      return Owners.stored();
    }
    if (setting.equals("mount")) {
      Path self = Path.of("/proc/self");
      return Owners.everything(
          (Integer) Files.getAttribute(self, "unix:uid"),
          (Integer) Files.getAttribute(self, "unix:gid"));
    }
    String[] ug = setting.split(":");
    return Owners.everything(Integer.parseInt(ug[0]), Integer.parseInt(ug[1]));
  }
}
