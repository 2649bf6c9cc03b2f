package org.latticefs.gc;

import java.util.Objects;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.gc.pin.InodeTrees;
import org.latticefs.gc.pin.ModeRoots;
import org.latticefs.gc.pin.PinBook;
import org.latticefs.gc.pin.PinRoots;
import org.latticefs.gc.pin.Presence;
import org.latticefs.gc.pin.StoreMode;
import org.latticefs.kv.Stores;

/**
 * Where each class of live bytes that {@code du} shows starts: the roots a {@link
 * Collector#measure} pass walks, besides the collector's own, to sort the live blobs into pinned,
 * referenced and cache. Each is read once per pass; a tree not all here is no problem (what is here
 * of it is counted), since the collector's own marking decides what is live.
 *
 * @param pinned every manifest this node's pins reach now: hash pins (pending or stored) and the
 *     current content of pinned files and folders
 * @param referenced the roots that keep blobs here for good besides pins: the current content of
 *     the stores this node keeps {@code full}, and versions kept by {@code gc.keep_deleted} (open
 *     files' held trees are added by the pass itself)
 * @param cached the current content of the stores this node keeps {@code on-demand}: their chunks
 *     that neither a pin nor a referenced root reaches are cache
 */
public record UsageRoots(ManifestRoots pinned, ManifestRoots referenced, ManifestRoots cached) {
  public UsageRoots {
    Objects.requireNonNull(pinned, "pinned");
    Objects.requireNonNull(referenced, "referenced");
    Objects.requireNonNull(cached, "cached");
  }

  /**
   * A node's classes: its pins ({@link PinRoots#reached}); its {@code full} stores' content and
   * {@code kept} versions as referenced; its {@code on-demand} stores' content as cached (modes
   * read when the roots are read).
   *
   * @param kept the versions {@code gc.keep_deleted} keeps (the filesystem's)
   */
  public static UsageRoots of(
      Stores stores, Presence presence, PinBook pins, InodeTrees trees, ManifestRoots kept) {
    ModeRoots modes = new ModeRoots(stores, presence, trees);
    ManifestRoots full = modes.of(StoreMode.FULL);
    return new UsageRoots(
        new PinRoots(pins).reached(trees),
        sink -> {
          full.forEach(sink);
          kept.forEach(sink);
        },
        modes.of(StoreMode.ON_DEMAND));
  }

  /** Roots that name nothing (every live blob then counts as referenced). */
  public static UsageRoots none() {
    return new UsageRoots(ManifestRoots.none(), ManifestRoots.none(), ManifestRoots.none());
  }
}
