package org.latticefs.cas.chunk;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.latticefs.cas.BlobRef;

/**
 * One node of a file's manifest tree: the ordered list of (ref, length) entries that make up a byte
 * range of the file. In a leaf (level 0) the entries are chunks; in a node of level {@code k > 0}
 * they are manifest nodes of level {@code k - 1}, each with the number of file bytes below it. A
 * file's manifest ref is the ref of the root node's encoding; an empty file is an empty leaf.
 *
 * <p>Immutable and thread-safe; equal when the encodings are equal. Looking up the entry that holds
 * a byte offset is a binary search over cumulative offsets ({@link #indexOf(long)}).
 *
 * <h2>Encoding (version 1)</h2>
 *
 * <pre>
 * "LMF" 0x01          magic and version
 * u8                  level, 0..{@link #MAX_LEVEL}
 * varint              entry count n, 1..{@link #MAX_ENTRIES} (0 only for the empty leaf)
 * varint              total length: the sum of the entry lengths
 * n x (ref[32], varint length)   length >= 1; in a leaf <= {@link #MAX_CHUNK_LENGTH}
 * </pre>
 *
 * Varints are unsigned LEB128 in their shortest form, at most 63 bits. Nothing may follow the last
 * entry. {@link #decode(byte[])} enforces all of it, so every accepted input is the unique encoding
 * of its manifest.
 */
public final class Manifest {
  /** The encoding version this class writes and reads. */
  public static final int VERSION = 1;

  /** Most entries in one node. */
  public static final int MAX_ENTRIES = 1 << 16;

  /** Highest level of a node (a leaf is level 0). */
  public static final int MAX_LEVEL = 32;

  /** Longest chunk a leaf may list (readers fetch a chunk into one array). */
  public static final int MAX_CHUNK_LENGTH = 16 << 20;

  private static final int MAX_VARINT = 9;

  /** Longest valid encoding; longer input is rejected before it is parsed. */
  public static final int MAX_ENCODED_SIZE =
      4 + 1 + 2 * MAX_VARINT + MAX_ENTRIES * (BlobRef.LENGTH + MAX_VARINT);

  private static final byte[] MAGIC = {'L', 'M', 'F', VERSION};

  private static final Manifest EMPTY = new Manifest(0, new byte[0], new long[] {0});

  private final int level;
  private final byte[] refs;
  private final long[] offsets;

  private Manifest(int level, byte[] refs, long[] offsets) {
    this.level = level;
    this.refs = refs;
    this.offsets = offsets;
  }

  /** One entry: a chunk (in a leaf) or a child node, with its length in file bytes. */
  public record Entry(BlobRef ref, long length) {
    public Entry {
      Objects.requireNonNull(ref, "ref");
      if (length < 1) {
        throw new IllegalArgumentException("entry length must be >= 1, got " + length);
      }
    }
  }

  /** The manifest of the empty file. */
  public static Manifest empty() {
    return EMPTY;
  }

  /**
   * A node of the given level listing {@code entries} in order.
   *
   * @throws IllegalArgumentException if the node would not be valid (see the class doc)
   */
  public static Manifest of(int level, List<Entry> entries) {
    if (level < 0 || level > MAX_LEVEL) {
      throw new IllegalArgumentException("level must be 0.." + MAX_LEVEL + ", got " + level);
    }
    int n = entries.size();
    if (n > MAX_ENTRIES || (n == 0 && level > 0)) {
      throw new IllegalArgumentException(
          "a level " + level + " node cannot have " + n + " entries");
    }
    byte[] refs = new byte[n * BlobRef.LENGTH];
    long[] offsets = new long[n + 1];
    for (int i = 0; i < n; i++) {
      Entry e = entries.get(i);
      if (level == 0 && e.length() > MAX_CHUNK_LENGTH) {
        throw new IllegalArgumentException("chunk longer than " + MAX_CHUNK_LENGTH);
      }
      e.ref().copyTo(refs, i * BlobRef.LENGTH);
      offsets[i + 1] = Math.addExact(offsets[i], e.length());
    }
    return new Manifest(level, refs, offsets);
  }

  /** Builds a node from parallel arrays without copying them; the caller gives them up. */
  static Manifest ofTrusted(int level, byte[] refs, long[] offsets) {
    return new Manifest(level, refs, offsets);
  }

  /** 0 for a leaf (entries are chunks), k for a node whose entries are nodes of level k - 1. */
  public int level() {
    return level;
  }

  public boolean isLeaf() {
    return level == 0;
  }

  /** Number of entries. */
  public int entryCount() {
    return offsets.length - 1;
  }

  /** Number of file bytes this node covers: the sum of its entries' lengths. */
  public long length() {
    return offsets[offsets.length - 1];
  }

  /** Ref of entry {@code i}. */
  public BlobRef ref(int i) {
    Objects.checkIndex(i, entryCount());
    return BlobRef.of(refs, i * BlobRef.LENGTH);
  }

  /** Length of entry {@code i}. */
  public long entryLength(int i) {
    Objects.checkIndex(i, entryCount());
    return offsets[i + 1] - offsets[i];
  }

  /** Offset of entry {@code i} relative to the start of this node. */
  public long entryOffset(int i) {
    Objects.checkIndex(i, entryCount() + 1);
    return offsets[i];
  }

  public Entry entry(int i) {
    return new Entry(ref(i), entryLength(i));
  }

  /** The entries, as a read-only view. */
  public List<Entry> entries() {
    return new AbstractList<>() {
      @Override
      public Entry get(int i) {
        return entry(i);
      }

      @Override
      public int size() {
        return entryCount();
      }
    };
  }

  /**
   * The index of the entry holding byte {@code pos} (relative to this node): a binary search.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= pos < length()}
   */
  public int indexOf(long pos) {
    if (pos < 0 || pos >= length()) {
      throw new IndexOutOfBoundsException("position " + pos + " outside [0, " + length() + ")");
    }
    int i = Arrays.binarySearch(offsets, pos);
    return i >= 0 ? i : -i - 2;
  }

  /** The unique encoding of this node (see the class doc). */
  public byte[] encode() {
    int n = entryCount();
    byte[] out = new byte[4 + 1 + 2 * MAX_VARINT + n * (BlobRef.LENGTH + MAX_VARINT)];
    System.arraycopy(MAGIC, 0, out, 0, 4);
    out[4] = (byte) level;
    int p = putVarint(out, 5, n);
    p = putVarint(out, p, length());
    for (int i = 0; i < n; i++) {
      System.arraycopy(refs, i * BlobRef.LENGTH, out, p, BlobRef.LENGTH);
      p = putVarint(out, p + BlobRef.LENGTH, offsets[i + 1] - offsets[i]);
    }
    return Arrays.copyOf(out, p);
  }

  /**
   * Parses an encoding, checking every rule in the class doc.
   *
   * @throws MalformedManifestException if {@code bytes} is not a valid encoding; never reads
   *     outside {@code bytes} and never allocates more than a small multiple of its length
   */
  public static Manifest decode(byte[] bytes) throws MalformedManifestException {
    if (bytes.length > MAX_ENCODED_SIZE) {
      throw new MalformedManifestException(
          "manifest of " + bytes.length + " bytes exceeds the limit of " + MAX_ENCODED_SIZE);
    }
    if (bytes.length < 7 || bytes[0] != MAGIC[0] || bytes[1] != MAGIC[1] || bytes[2] != MAGIC[2]) {
      throw new MalformedManifestException("not a manifest (bad magic or too short)");
    }
    if (bytes[3] != VERSION) {
      throw new MalformedManifestException(
          "unsupported manifest version "
              + (bytes[3] & 0xff)
              + " (this build reads "
              + VERSION
              + ")");
    }
    int level = bytes[4] & 0xff;
    if (level > MAX_LEVEL) {
      throw new MalformedManifestException("manifest level " + level + " > " + MAX_LEVEL);
    }
    Cursor c = new Cursor(bytes, 5);
    long count = c.varint("entry count");
    long total = c.varint("total length");
    if (count > MAX_ENTRIES) {
      throw new MalformedManifestException("manifest lists " + count + " > " + MAX_ENTRIES);
    }
    int n = (int) count;
    if (n == 0 && (level > 0 || total != 0)) {
      throw new MalformedManifestException("empty manifest must be a leaf of length 0");
    }
    if ((long) n * (BlobRef.LENGTH + 1) > bytes.length - c.pos) {
      throw new MalformedManifestException(
          "truncated: " + n + " entries cannot fit in " + (bytes.length - c.pos) + " bytes");
    }
    byte[] refs = new byte[n * BlobRef.LENGTH];
    long[] offsets = new long[n + 1];
    for (int i = 0; i < n; i++) {
      if (bytes.length - c.pos < BlobRef.LENGTH + 1) {
        throw new MalformedManifestException("truncated at entry " + i);
      }
      System.arraycopy(bytes, c.pos, refs, i * BlobRef.LENGTH, BlobRef.LENGTH);
      c.pos += BlobRef.LENGTH;
      long len = c.varint("length of entry " + i);
      if (len < 1 || (level == 0 && len > MAX_CHUNK_LENGTH)) {
        throw new MalformedManifestException("entry " + i + " has invalid length " + len);
      }
      if (len > Long.MAX_VALUE - offsets[i]) {
        throw new MalformedManifestException("entry lengths overflow at entry " + i);
      }
      offsets[i + 1] = offsets[i] + len;
    }
    if (c.pos != bytes.length) {
      throw new MalformedManifestException(
          (bytes.length - c.pos) + " trailing bytes after the last entry");
    }
    if (offsets[n] != total) {
      throw new MalformedManifestException(
          "entry lengths sum to " + offsets[n] + " but the header says " + total);
    }
    return n == 0 ? EMPTY : new Manifest(level, refs, offsets);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Manifest m
        && m.level == level
        && Arrays.equals(m.offsets, offsets)
        && Arrays.equals(m.refs, refs);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * level + Arrays.hashCode(offsets)) + Arrays.hashCode(refs);
  }

  @Override
  public String toString() {
    return "Manifest[level=" + level + ", entries=" + entryCount() + ", length=" + length() + "]";
  }

  private static int putVarint(byte[] out, int p, long v) {
    while ((v & ~0x7fL) != 0) {
      out[p++] = (byte) ((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out[p++] = (byte) v;
    return p;
  }

  private static final class Cursor {
    final byte[] b;
    int pos;

    Cursor(byte[] b, int pos) {
      this.b = b;
      this.pos = pos;
    }

    long varint(String what) throws MalformedManifestException {
      long v = 0;
      for (int i = 0; i < MAX_VARINT; i++) {
        if (pos >= b.length) {
          throw new MalformedManifestException("truncated in " + what);
        }
        int x = b[pos++] & 0xff;
        v |= (long) (x & 0x7f) << (7 * i);
        if ((x & 0x80) == 0) {
          if (x == 0 && i > 0) {
            throw new MalformedManifestException("non-canonical varint in " + what);
          }
          return v;
        }
      }
      throw new MalformedManifestException("varint longer than 63 bits in " + what);
    }
  }
}
