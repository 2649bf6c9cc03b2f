package org.latticefs.node;

import java.io.IOException;
import java.util.List;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.gc.GcService;
import org.latticefs.kv.store.DiskStores;
import org.latticefs.kv.store.LogStore;
import org.latticefs.node.NodeApi.StoreRow;

/**
 * The figures {@code status} and the status page show about a running node's health: stores, files,
 * space against the quota and the disk, quarantined blobs, rejected log entries and equivocations,
 * the collector's runs, where metrics are served. Each figure that cannot be read right now is
 * shown as unknown (-1) rather than failing the whole status.
 */
final class NodeHealth {
  private NodeHealth() {}

  static NodeApi.Health of(
      LocalNode local,
      LatticeFileSystem fs,
      DiskBlobStore blobs,
      DiskStores stores,
      GcService gc,
      long quotaBytes,
      String metrics) {
    List<StoreRow> declared;
    try {
      declared = local.stores();
    } catch (IOException e) {
      declared = List.of();
    }
    long files = -1;
    try {
      org.latticefs.fs.FsStats st = fs.statfs();
      files = st.files() - st.freeFiles();
    } catch (IOException e) {
      // Shown as not counted yet.
    }
    long free = -1;
    long size = -1;
    try {
      free = blobs.usableSpace();
      size = blobs.totalSpace();
    } catch (IOException e) {
      // Shown as unknown.
    }
    long rejected = 0;
    long equivocations = 0;
    for (LogStore.Stats st : stores.openStoreStats().values()) {
      rejected += st.rejected();
      equivocations += st.equivocations();
    }
    GcService.Stats gcStats = gc.stats();
    return new NodeApi.Health(
        Daemon.version(),
        declared,
        files,
        quotaBytes,
        blobs.usedBytes(),
        free,
        size,
        blobs.corruptRefs().size(),
        rejected,
        equivocations,
        gcStats.passes(),
        gcStats.failures(),
        gcStats.lastSuccess() == null ? -1 : gcStats.lastSuccess().toEpochMilli(),
        metrics);
  }
}
