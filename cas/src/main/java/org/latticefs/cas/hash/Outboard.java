package org.latticefs.cas.hash;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import org.latticefs.cas.BlobRef;

/**
 * What it takes to verify any part of a blob without reading all of it: the BLAKE3 chaining values
 * of its 16 KiB groups, authenticated by its ref (in the manner of Bao, with 16 KiB groups).
 *
 * <h2>Groups</h2>
 *
 * BLAKE3 hashes 1 KiB chunks into a binary tree whose left subtrees hold a power of two of chunks.
 * A blob is cut into {@link #GROUP_SIZE groups} of 16 chunks at aligned offsets (the last may be
 * shorter); when there are two or more, each group is a subtree of that tree, so its chaining value
 * (CV) depends only on its bytes and its position, and the blob's hash follows from the group CVs.
 * An outboard holds {@value #CV_LENGTH} bytes per group: 2 KiB for a 1 MiB blob, 0.2 % of its size.
 *
 * <h2>Trust</h2>
 *
 * An {@code Outboard} always agrees with its {@link #ref()}: {@link #compute} derives the ref and
 * the CVs from the bytes in one pass, and {@link #of} and {@link #decode} merge the given CVs into
 * a root and reject them unless it is the ref, so a tampered or mixed-up outboard never exists.
 * {@link #verifies} then accepts bytes only if they hash to the CVs of their groups. The {@link
 * #size()} is pinned by the number of groups (through the root) and, within the last group, by the
 * last group's CV whenever that group is verified. A blob of one group (at most 16 KiB) has no CVs:
 * its bytes are verified whole against the ref.
 *
 * <h2>Availability</h2>
 *
 * Outboards need the tree entry points of the native BLAKE3 library; the pure-Java fallback cannot
 * compute group CVs. {@link #isAvailable()} says which; without it the methods that compute throw
 * {@link IllegalStateException}, and callers read and verify whole blobs instead.
 *
 * <p>Immutable and thread-safe.
 */
public final class Outboard {
  /** Bytes per group: 16 BLAKE3 chunks. */
  public static final int GROUP_SIZE = 16 * 1024;

  /** Bytes per chaining value. */
  public static final int CV_LENGTH = 32;

  private static final byte VERSION = 1;
  private static final int HEADER = 1 + Long.BYTES;

  /** The largest blob an outboard describes: the largest array a blob can be fetched into. */
  public static final long MAX_BLOB_SIZE = Integer.MAX_VALUE - 16;

  /** Largest {@link #encode() encoded} outboard: that of a {@link #MAX_BLOB_SIZE} blob. */
  public static final int MAX_ENCODED_SIZE = HEADER + groupCount(MAX_BLOB_SIZE) * CV_LENGTH;

  private final BlobRef ref;
  private final long size;
  private final int groups;

  /** {@code groups * CV_LENGTH} bytes; empty when there is one group. */
  private final byte[] cvs;

  private Outboard(BlobRef ref, long size, byte[] cvs) {
    this.ref = ref;
    this.size = size;
    this.groups = groupCount(size);
    this.cvs = cvs;
  }

  /** Whether outboards can be computed and checked in this JVM (the native library is in use). */
  public static boolean isAvailable() {
    try {
      return Blake3.nativeLib() != null;
    } catch (IllegalStateException forcedButUnusable) {
      return false;
    }
  }

  /** The number of groups of a blob of {@code size} bytes: at least 1. */
  public static int groupCount(long size) {
    if (size < 0 || size > MAX_BLOB_SIZE) {
      throw new IllegalArgumentException(
          "blob size " + size + " outside [0, " + MAX_BLOB_SIZE + "]");
    }
    return size <= GROUP_SIZE ? 1 : (int) ((size + GROUP_SIZE - 1) / GROUP_SIZE);
  }

  /**
   * The outboard of the blob {@code data[off, off+len)}, computed in one pass that also hashes it:
   * {@link #ref()} is its BLAKE3 hash, as {@link Blake3#hash(byte[], int, int)} gives it, at about
   * the same cost.
   *
   * @throws IllegalStateException if outboards are not {@link #isAvailable() available}
   */
  public static Outboard compute(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    NativeBlake3 lib = requireNative();
    int groups = groupCount(len);
    if (groups == 1) {
      return new Outboard(lib.hash(data, off, len), len, new byte[0]);
    }
    byte[] cvs = new byte[groups * CV_LENGTH];
    BlobRef ref = lib.outboard(data, off, len, cvs);
    return new Outboard(ref, len, cvs);
  }

  /**
   * The outboard of blob {@code ref} of {@code size} bytes with the given group CVs ({@value
   * #CV_LENGTH} bytes per group, none for a blob of one group), after checking that they merge into
   * {@code ref}.
   *
   * @throws IllegalArgumentException if the size is out of range, the CVs are not one per group, or
   *     they do not belong to {@code ref}
   * @throws IllegalStateException if outboards are not {@link #isAvailable() available}
   */
  public static Outboard of(BlobRef ref, long size, byte[] cvs) {
    Objects.requireNonNull(ref, "ref");
    int groups = groupCount(size);
    int expected = groups == 1 ? 0 : groups * CV_LENGTH;
    if (cvs.length != expected) {
      throw new IllegalArgumentException(
          "an outboard of a "
              + size
              + "-byte blob has "
              + expected
              + " bytes of chaining values, got "
              + cvs.length);
    }
    byte[] copy = cvs.clone();
    if (groups > 1) {
      BlobRef root = requireNative().rootFromCvs(copy, groups);
      if (!root.equals(ref)) {
        throw new IllegalArgumentException(
            "outboard does not belong to blob " + ref + ": its chaining values merge into " + root);
      }
    }
    return new Outboard(ref, size, copy);
  }

  /**
   * Decodes what {@link #encode()} wrote and checks it against {@code ref} as {@link #of} does.
   *
   * @throws IllegalArgumentException if {@code encoded} is longer than {@link #MAX_ENCODED_SIZE},
   *     malformed, or not the outboard of {@code ref}; the message says which
   * @throws IllegalStateException if outboards are not {@link #isAvailable() available}
   */
  public static Outboard decode(BlobRef ref, byte[] encoded) {
    if (encoded.length > MAX_ENCODED_SIZE) {
      throw new IllegalArgumentException(
          "encoded outboard of " + encoded.length + " bytes exceeds " + MAX_ENCODED_SIZE);
    }
    if (encoded.length < HEADER) {
      throw new IllegalArgumentException(
          "encoded outboard of " + encoded.length + " bytes is shorter than its header");
    }
    ByteBuffer in = ByteBuffer.wrap(encoded);
    byte version = in.get();
    if (version != VERSION) {
      throw new IllegalArgumentException("unknown outboard version " + (version & 0xff));
    }
    long size = in.getLong();
    if (size < 0 || size > MAX_BLOB_SIZE) {
      throw new IllegalArgumentException("outboard claims a blob of " + size + " bytes");
    }
    return of(ref, size, Arrays.copyOfRange(encoded, HEADER, encoded.length));
  }

  /** Version byte, the blob size (8 bytes, big-endian), then the group CVs in order. */
  public byte[] encode() {
    return ByteBuffer.allocate(HEADER + cvs.length).put(VERSION).putLong(size).put(cvs).array();
  }

  /** The blob this outboard verifies. */
  public BlobRef ref() {
    return ref;
  }

  /** The blob's size in bytes. */
  public long size() {
    return size;
  }

  /** Number of groups, at least 1. */
  public int groupCount() {
    return groups;
  }

  /** The group holding byte {@code offset}; {@code offset == size} maps to the last group. */
  public int groupOf(long offset) {
    if (offset < 0 || offset > size) {
      throw new IllegalArgumentException(
          "offset " + offset + " outside blob " + ref + " of " + size + " bytes");
    }
    return (int) Math.min(offset / GROUP_SIZE, groups - 1);
  }

  /** Where group {@code group} starts in the blob. */
  public long groupStart(int group) {
    Objects.checkIndex(group, groups);
    return (long) group * GROUP_SIZE;
  }

  /** Where group {@code group} ends (exclusive): the next group's start, or the blob's end. */
  public long groupEnd(int group) {
    Objects.checkIndex(group, groups);
    return group == groups - 1 ? size : (long) (group + 1) * GROUP_SIZE;
  }

  /**
   * Whether {@code data[off, off+len)} are exactly the bytes of the consecutive groups starting at
   * {@code firstGroup} (whole groups, as {@link #groupStart}/{@link #groupEnd} delimit them). Bytes
   * of any other length, or bytes that differ anywhere, are refused.
   *
   * @throws IllegalStateException if outboards are not {@link #isAvailable() available}
   */
  public boolean verifies(int firstGroup, byte[] data, int off, int len) {
    Objects.checkIndex(firstGroup, groups);
    Objects.checkFromIndexSize(off, len, data.length);
    NativeBlake3 lib = requireNative();
    if (groups == 1) {
      return len == size && lib.hash(data, off, len).equals(ref);
    }
    if (!coversWholeGroups(firstGroup, len)) {
      return false;
    }
    byte[] got = new byte[groupCount(len) * CV_LENGTH];
    lib.groupCvs(data, off, len, firstGroup, got, 0);
    int from = firstGroup * CV_LENGTH;
    return Arrays.equals(got, 0, got.length, cvs, from, from + got.length);
  }

  /**
   * As {@link #verifies(int, byte[], int, int)}, for the remaining bytes of {@code data}; a direct
   * buffer is hashed in place. Does not move {@code data}.
   */
  public boolean verifies(int firstGroup, ByteBuffer data) {
    if (!data.isDirect() || groups == 1) {
      byte[] copy = new byte[data.remaining()];
      data.duplicate().get(copy);
      return verifies(firstGroup, copy, 0, copy.length);
    }
    Objects.checkIndex(firstGroup, groups);
    NativeBlake3 lib = requireNative();
    int len = data.remaining();
    if (!coversWholeGroups(firstGroup, len)) {
      return false;
    }
    byte[] got = new byte[groupCount(len) * CV_LENGTH];
    lib.groupCvs(data, firstGroup, got, 0);
    int from = firstGroup * CV_LENGTH;
    return Arrays.equals(got, 0, got.length, cvs, from, from + got.length);
  }

  /** Whether {@code len} bytes from group {@code firstGroup} are a whole number of its groups. */
  private boolean coversWholeGroups(int firstGroup, long len) {
    long start = groupStart(firstGroup);
    return len > 0 && start + len <= size && start + len == groupEnd(groupOf(start + len - 1));
  }

  /** The group CVs, {@value #CV_LENGTH} bytes each (empty for a blob of one group); a copy. */
  public byte[] cvs() {
    return cvs.clone();
  }

  /** About how much heap this outboard occupies, for caches. */
  public long memoryBytes() {
    return 96L + cvs.length;
  }

  private static NativeBlake3 requireNative() {
    NativeBlake3 lib = Blake3.nativeLib();
    if (lib == null) {
      throw new IllegalStateException(
          "outboards need the native BLAKE3 library, and this JVM uses " + Blake3.implementation());
    }
    return lib;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Outboard other
        && ref.equals(other.ref)
        && size == other.size
        && Arrays.equals(cvs, other.cvs);
  }

  @Override
  public int hashCode() {
    return ref.hashCode();
  }

  @Override
  public String toString() {
    return "Outboard[" + ref + ", " + size + " bytes, " + groups + " groups]";
  }
}
