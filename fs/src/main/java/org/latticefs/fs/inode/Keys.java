package org.latticefs.fs.inode;

import java.util.HexFormat;

/**
 * The keys of an app store's inode tree.
 *
 * <ul>
 *   <li>{@code /inodes/{id}}: the {@link Inode} value; ids are 16 lower-case hex digits (this build
 *       draws them below 2^63).
 *   <li>{@code /dirents/{parent id}/{name}}: the child's id as 16 hex digits (ASCII). The name is a
 *       byte string as {@link org.latticefs.kv.KeyBytes} holds it ({@code
 *       KeyBytes.decode(nameBytes)}), at most 255 bytes.
 * </ul>
 *
 * The store's root directory has id {@link #ROOT}.
 */
public final class Keys {
  /** The id of every store's root directory. */
  public static final long ROOT = 1;

  private static final HexFormat HEX = HexFormat.of();

  private Keys() {}

  public static String id(long id) {
    return HEX.toHexDigits(id);
  }

  /** Parses 16 hex digits; throws {@link IllegalArgumentException} otherwise. */
  public static long parseId(String text) {
    if (text.length() != 16) {
      throw new IllegalArgumentException("an inode id is 16 hex digits: " + text);
    }
    return HexFormat.fromHexDigitsToLong(text);
  }

  public static String inode(long id) {
    return "/inodes/" + id(id);
  }

  public static String dirent(long parent, String name) {
    return "/dirents/" + id(parent) + "/" + name;
  }

  public static String direntPrefix(long parent) {
    return "/dirents/" + id(parent) + "/";
  }
}
