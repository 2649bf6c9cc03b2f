package org.latticefs.gc.pin;

import java.util.Objects;
import java.util.UUID;
import org.latticefs.cas.BlobRef;

/**
 * What a pin keeps on a node: one manifest as it is ({@link Manifest}, {@code pin add HASH}), or a
 * file or folder of an app store that the pin follows through renames and new content ({@link
 * Inode}, {@code pin add PATH}).
 */
public sealed interface PinTarget {
  /** The pin's key in the root store for {@code node} (see {@link PinKeys}). */
  String key(String node);

  /** Short text for listings: the manifest's hex, or {@code inode/{store}/{id}}. */
  String text();

  /** One manifest and everything its tree reaches, as it is. */
  record Manifest(BlobRef ref) implements PinTarget {
    public Manifest {
      Objects.requireNonNull(ref, "ref");
    }

    @Override
    public String key(String node) {
      return PinKeys.pins(node) + ref.hex();
    }

    @Override
    public String text() {
      return ref.hex();
    }
  }

  /**
   * An inode of an app store: a file (every concurrent head's content) or a folder (everything
   * below it, including what is added later).
   *
   * @param id the inode id as the filesystem writes it in its keys (16 lower-case hex digits)
   */
  record Inode(UUID store, String id) implements PinTarget {
    public Inode {
      Objects.requireNonNull(store, "store");
      if (id == null || !id.matches("[0-9a-f]{16}")) {
        throw new IllegalArgumentException("an inode id is 16 lower-case hex digits: " + id);
      }
    }

    @Override
    public String key(String node) {
      return PinKeys.pins(node) + "inode/" + store + "/" + id;
    }

    @Override
    public String text() {
      return "inode/" + store + "/" + id;
    }
  }
}
