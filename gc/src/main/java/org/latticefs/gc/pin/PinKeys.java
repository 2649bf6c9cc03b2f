package org.latticefs.gc.pin;

import java.util.Optional;
import java.util.UUID;
import org.latticefs.cas.BlobRef;

/**
 * The root store keys of pins, store modes and presence ({@code node} is a node id's text form,
 * {@code hash} a ref's 64 hex digits, {@code store} a store's UUID). Values are UTF-8 text.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>value</th></tr>
 *   <tr><td>{@code /cas/pins/{node}/{hash}}</td><td>{@code pending} | {@code stored}: that node
 *       keeps the manifest and its whole tree as it is</td></tr>
 *   <tr><td>{@code /cas/pins/{node}/inode/{store}/{id}}</td><td>{@code pending} | {@code stored}:
 *       that node keeps the file or folder (inode {@code id}, 16 hex digits, of app store {@code
 *       store}) with whatever content it has now and later, wherever it is renamed to</td></tr>
 *   <tr><td>{@code /nodes/{node}/stores/{store}/mode}</td><td>{@code full} | {@code on-demand};
 *       absent means {@code full}</td></tr>
 *   <tr><td>{@code /nodes/{node}/stores/{store}/holds}</td><td>{@code complete {ISO-8601 time}}:
 *       presence of a whole store, written once by a {@code full} node that found every blob of the
 *       store here; removed when it leaves {@code full}</td></tr>
 *   <tr><td>{@code /blobs/{hash}/nodes/{node}}</td><td>{@code pinned}: presence of one manifest's
 *       whole tree, for what a node holds apart from whole stores (its hash pins)</td></tr>
 * </table>
 *
 * A node writes only its own keys. Inode pins need no presence key of their own: a {@code stored}
 * inode pin says the node holds that subtree.
 */
public final class PinKeys {
  private PinKeys() {}

  /** The prefix of {@code node}'s pins. */
  public static String pins(String node) {
    return "/cas/pins/" + node + "/";
  }

  /** Presence of {@code manifest}'s tree at {@code node}. */
  public static String presence(BlobRef manifest, String node) {
    return presencePrefix(manifest) + node;
  }

  /** Every node's presence of {@code manifest}'s tree. */
  public static String presencePrefix(BlobRef manifest) {
    return "/blobs/" + manifest.hex() + "/nodes/";
  }

  public static String mode(String node, UUID store) {
    return "/nodes/" + node + "/stores/" + store + "/mode";
  }

  public static String holds(String node, UUID store) {
    return "/nodes/" + node + "/stores/" + store + "/holds";
  }

  /**
   * The target a key under {@link #pins(String)} names, or empty if the key is not a pin key (a
   * newer version's key, or a malformed one: ignored, never guessed at).
   */
  public static Optional<PinTarget> parse(String node, String key) {
    String prefix = pins(node);
    if (!key.startsWith(prefix)) {
      return Optional.empty();
    }
    String rest = key.substring(prefix.length());
    try {
      if (rest.startsWith("inode/")) {
        String[] p = rest.substring("inode/".length()).split("/", -1);
        if (p.length != 2) {
          return Optional.empty();
        }
        UUID store = UUID.fromString(p[0]);
        if (!store.toString().equals(p[0])) {
          return Optional.empty();
        }
        return Optional.of(new PinTarget.Inode(store, p[1]));
      }
      if (rest.length() == BlobRef.LENGTH * 2) {
        BlobRef ref = BlobRef.parse(rest);
        return ref.hex().equals(rest) ? Optional.of(new PinTarget.Manifest(ref)) : Optional.empty();
      }
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
