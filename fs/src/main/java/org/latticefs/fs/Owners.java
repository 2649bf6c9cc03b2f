package org.latticefs.fs;

/**
 * Who {@code stat} says owns files: uids and gids are numbers local to each box, so a file written
 * on one node by uid 1000 means nothing, or someone else, on another.
 *
 * <ul>
 *   <li>{@link #stored()}: the numbers recorded when the file was created or chowned, as they are
 *       (like NFS without id mapping, or {@code rsync --numeric-ids}): right when every node has
 *       the same users with the same numbers (a directory service, or one admin's boxes).
 *   <li>{@link #everything(int, int)}: every file and folder shows as owned by one user and group
 *       on this node, whoever wrote it where (like sshfs or an SMB mount): the user who mounts it.
 *       What chown sets is still recorded (and shown by a node that uses {@link #stored()}).
 * </ul>
 *
 * Permission bits are replicated as they are in both cases.
 *
 * @param uid the owner shown for everything, or -1 for the stored numbers
 * @param gid the group shown for everything, or -1 for the stored numbers
 */
public record Owners(int uid, int gid) {
  private static final Owners STORED = new Owners(-1, -1);

  public Owners {
    if ((uid < 0) != (gid < 0) || uid < -1 || gid < -1) {
      throw new IllegalArgumentException("owner " + uid + ":" + gid + " out of range");
    }
  }

  /** The numbers as recorded. */
  public static Owners stored() {
    return STORED;
  }

  /** Everything owned by {@code uid}:{@code gid} on this node. */
  public static Owners everything(int uid, int gid) {
    if (uid < 0 || gid < 0) {
      throw new IllegalArgumentException("owner " + uid + ":" + gid + " out of range");
    }
    return new Owners(uid, gid);
  }

  /** Whether the stored numbers are shown. */
  public boolean isStored() {
    return uid < 0;
  }

  /** The uid to show for a file whose recorded owner is {@code recorded}. */
  public int uidFor(int recorded) {
    return uid < 0 ? recorded : uid;
  }

  /** The gid to show for a file whose recorded group is {@code recorded}. */
  public int gidFor(int recorded) {
    return gid < 0 ? recorded : gid;
  }
}
