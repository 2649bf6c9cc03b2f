package org.latticefs.node;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.StoreUsage;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.gc.GcService;
import org.latticefs.gc.pin.PinState;
import org.latticefs.gc.pin.PinStatus;
import org.latticefs.gc.pin.PinTarget;
import org.latticefs.kv.store.DiskStores;
import org.latticefs.kv.store.LogStore;
import org.latticefs.node.NodeApi.PinRow;
import org.latticefs.node.NodeApi.StoreHealth;
import org.latticefs.node.NodeApi.StoreRow;
import org.latticefs.node.gc.NodePins;

/**
 * The figures {@code status} and the status page show about a running node's health: stores (mode,
 * files, bytes), files, space against the quota and the disk, quarantined blobs, rejected log
 * entries and equivocations, the collector's runs, pins in progress, where metrics are served. Each
 * figure that cannot be read right now is shown as unknown (-1) rather than failing the whole
 * status.
 */
final class NodeHealth {
  private NodeHealth() {}

  /** The node's parts the figures come from. */
  record Parts(
      LocalNode local,
      LatticeFileSystem fs,
      DiskBlobStore blobs,
      DiskStores stores,
      GcService gc,
      NodePins pins) {}

  static NodeApi.Health of(Parts p, long quotaBytes, String metrics) {
    List<StoreRow> declared;
    try {
      declared = p.local().stores();
    } catch (IOException e) {
      declared = List.of();
    }
    long files = -1;
    try {
      org.latticefs.fs.FsStats st = p.fs().statfs();
      files = st.files() - st.freeFiles();
    } catch (IOException e) {
      // Shown as not counted yet.
    }
    long free = -1;
    long size = -1;
    try {
      free = p.blobs().usableSpace();
      size = p.blobs().totalSpace();
    } catch (IOException e) {
      // Shown as unknown.
    }
    long rejected = 0;
    long equivocations = 0;
    for (LogStore.Stats st : p.stores().openStoreStats().values()) {
      rejected += st.rejected();
      equivocations += st.equivocations();
    }
    GcService.Stats gcStats = p.gc().stats();
    List<PinStatus> pins;
    try {
      pins = p.pins().statuses();
    } catch (IOException e) {
      pins = List.of();
    }
    List<PinRow> inProgress = new ArrayList<>();
    long inProgressCount = 0;
    Map<UUID, String> names = new HashMap<>();
    for (StoreRow r : declared) {
      names.put(UUID.fromString(r.id()), r.name());
    }
    for (PinStatus s : pins) {
      if (inProgress(s)) {
        inProgressCount++;
        if (inProgress.size() < NodeApi.STATUS_PINS) {
          inProgress.add(pinRow(s, names));
        }
      }
    }
    return new NodeApi.Health(
        Daemon.version(),
        stores(declared, p.fs().storeUsage(), p.pins()),
        files,
        quotaBytes,
        p.blobs().usedBytes(),
        free,
        size,
        p.blobs().corruptRefs().size(),
        rejected,
        equivocations,
        gcStats.passes(),
        gcStats.failures(),
        gcStats.lastSuccess() == null ? -1 : gcStats.lastSuccess().toEpochMilli(),
        metrics,
        inProgress,
        inProgressCount,
        pins.size());
  }

  /** Not yet whole here (pending), or being walked now. */
  static boolean inProgress(PinStatus s) {
    return s.state() == PinState.PENDING || s.phase().equals("walking");
  }

  static PinRow pinRow(PinStatus s, Map<UUID, String> storeNames) {
    String store =
        s.target() instanceof PinTarget.Inode in
            ? storeNames.getOrDefault(in.store(), in.store().toString())
            : null;
    return new PinRow(
        s.target().text(),
        store,
        s.state().text(),
        s.phase(),
        s.blobs(),
        s.bytes(),
        s.missing(),
        s.problems().isEmpty() ? null : s.problems().get(0));
  }

  private static List<StoreHealth> stores(
      List<StoreRow> declared, Map<UUID, StoreUsage> usage, NodePins pins) {
    List<StoreHealth> out = new ArrayList<>();
    for (StoreRow r : declared) {
      UUID id = UUID.fromString(r.id());
      String mode;
      try {
        mode = pins.mode(id).text();
      } catch (IOException | RuntimeException e) {
        mode = "unknown";
      }
      StoreUsage u = usage.get(id);
      out.add(
          new StoreHealth(
              r.id(),
              r.name(),
              r.createdAtMillis(),
              mode,
              u == null ? -1 : u.inodes(),
              u == null ? -1 : u.files(),
              u == null ? -1 : u.fileBytes()));
    }
    return out;
  }
}
