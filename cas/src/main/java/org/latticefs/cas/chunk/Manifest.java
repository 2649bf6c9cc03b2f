package org.latticefs.cas.chunk;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.latticefs.cas.BlobRef;

/**
 * One node of a file's manifest tree: the ordered list of entries that make up a byte range of the
 * file. In a leaf (level 0) an entry is a chunk (ref, length) or a <b>hole</b>: a run of zero bytes
 * that is never chunked, hashed or stored, only counted. In a node of level {@code k > 0} an entry
 * is a manifest node of level {@code k - 1}, with the number of file bytes below it and how many of
 * those are holes. A file's manifest ref is the ref of the root node's encoding; an empty file is
 * an empty leaf.
 *
 * <p>Immutable and thread-safe; equal when the encodings are equal. Looking up the entry that holds
 * a byte offset is a binary search over cumulative offsets ({@link #indexOf(long)}).
 *
 * <h2>Encoding, version 1 (no holes)</h2>
 *
 * <pre>
 * "LMF" 0x01          magic and version
 * u8                  level, 0..{@link #MAX_LEVEL}
 * varint              entry count n, 1..{@link #MAX_ENTRIES} (0 only for the empty leaf)
 * varint              total length: the sum of the entry lengths
 * n x (ref[32], varint length)   length >= 1; in a leaf <= {@link #MAX_CHUNK_LENGTH}
 * </pre>
 *
 * <h2>Encoding, version 2 (a node with a hole in it or below it)</h2>
 *
 * <pre>
 * "LMF" 0x02          magic and version
 * u8                  level
 * varint              entry count n, 1..{@link #MAX_ENTRIES}
 * varint              total length
 * varint              hole bytes: 1..total length, the sum of the entries' hole bytes
 * in a leaf:     n x (u8 0, ref[32], varint length)   a chunk, as in version 1
 *                   | (u8 1, varint length)           a hole of length >= 1 (no limit)
 * in a node:     n x (ref[32], varint length, varint hole bytes below it, 0..length)
 * </pre>
 *
 * A node is written as version 2 exactly when it has hole bytes, so a file without holes keeps the
 * manifest refs it always had, and version 1 encodings decode unchanged. Two holes are never next
 * to each other in a leaf (they would be one hole). Varints are unsigned LEB128 in their shortest
 * form, at most 63 bits. Nothing may follow the last entry. {@link #decode(byte[])} enforces all of
 * it, so every accepted input is the unique encoding of its manifest.
 */
public final class Manifest {
  /**
   * The newest encoding version this class writes and reads (it writes 1 for nodes without holes).
   */
  public static final int VERSION = 2;

  /** The encoding of nodes without holes. */
  static final int VERSION_NO_HOLES = 1;

  /** Most entries in one node. */
  public static final int MAX_ENTRIES = 1 << 16;

  /** Highest level of a node (a leaf is level 0). */
  public static final int MAX_LEVEL = 32;

  /** Longest chunk a leaf may list (readers fetch a chunk into one array). */
  public static final int MAX_CHUNK_LENGTH = 16 << 20;

  private static final int MAX_VARINT = 9;

  /** Longest valid encoding; longer input is rejected before it is parsed. */
  public static final int MAX_ENCODED_SIZE =
      4 + 1 + 3 * MAX_VARINT + MAX_ENTRIES * (BlobRef.LENGTH + 2 * MAX_VARINT);

  private static final byte KIND_CHUNK = 0;
  private static final byte KIND_HOLE = 1;

  private static final Manifest EMPTY = new Manifest(0, new byte[0], new long[] {0}, null);

  private final int level;
  private final byte[] refs;
  private final long[] offsets;

  /** Hole bytes per entry (in a leaf: the entry's length for a hole, else 0); null: none. */
  private final long[] holes;

  private final long holeBytes;

  private Manifest(int level, byte[] refs, long[] offsets, long[] holes) {
    this.level = level;
    this.refs = refs;
    this.offsets = offsets;
    long h = 0;
    if (holes != null) {
      for (long x : holes) {
        h += x;
      }
    }
    this.holes = h == 0 ? null : holes;
    this.holeBytes = h;
  }

  /**
   * One entry: a chunk (in a leaf), a hole (in a leaf: no ref, all of its bytes are hole bytes), or
   * a child node with the number of file bytes below it and how many of those are holes.
   *
   * @param ref the chunk or child node; null for a hole
   * @param length file bytes, at least 1
   * @param holeBytes how many of them are holes: {@code length} for a hole, 0 for a chunk, {@code
   *     0..length} for a child node
   */
  public record Entry(BlobRef ref, long length, long holeBytes) {
    public Entry {
      if (length < 1) {
        throw new IllegalArgumentException("entry length must be >= 1, got " + length);
      }
      if (ref == null ? holeBytes != length : holeBytes < 0 || holeBytes > length) {
        throw new IllegalArgumentException(
            "an entry of " + length + " bytes cannot have " + holeBytes + " hole bytes");
      }
    }

    /** A chunk, or a child node without holes. */
    public Entry(BlobRef ref, long length) {
      this(Objects.requireNonNull(ref, "ref"), length, 0);
    }

    /** A hole of {@code length} bytes (in a leaf). */
    public static Entry hole(long length) {
      return new Entry(null, length, length);
    }

    public boolean isHole() {
      return ref == null;
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
    long[] holes = new long[n];
    for (int i = 0; i < n; i++) {
      Entry e = entries.get(i);
      if (level == 0) {
        if (!e.isHole() && (e.length() > MAX_CHUNK_LENGTH || e.holeBytes() != 0)) {
          throw new IllegalArgumentException(
              "a chunk is 1.." + MAX_CHUNK_LENGTH + " bytes without holes, got " + e);
        }
        if (e.isHole() && i > 0 && entries.get(i - 1).isHole()) {
          throw new IllegalArgumentException("two holes next to each other at entry " + i);
        }
      } else if (e.isHole()) {
        throw new IllegalArgumentException(
            "holes are listed by leaves only, not at level " + level);
      }
      if (!e.isHole()) {
        e.ref().copyTo(refs, i * BlobRef.LENGTH);
      }
      holes[i] = e.holeBytes();
      offsets[i + 1] = Math.addExact(offsets[i], e.length());
    }
    return new Manifest(level, refs, offsets, holes);
  }

  /**
   * Builds a node from parallel arrays without copying them; the caller gives them up and vouches
   * that they are valid ({@code holes} may be null when there are none).
   */
  static Manifest ofTrusted(int level, byte[] refs, long[] offsets, long[] holes) {
    return new Manifest(level, refs, offsets, holes);
  }

  /** 0 for a leaf (entries are chunks and holes), k for a node whose entries are level k - 1. */
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

  /** How many of {@link #length()} are holes: bytes that read as zeros and are not stored. */
  public long holeBytes() {
    return holeBytes;
  }

  /** How many of {@link #length()} are in chunks: what the file's content takes in blobs. */
  public long dataBytes() {
    return length() - holeBytes;
  }

  /** Whether entry {@code i} is a hole (only leaves have holes). */
  public boolean isHole(int i) {
    Objects.checkIndex(i, entryCount());
    return level == 0 && holes != null && holes[i] > 0;
  }

  /**
   * Ref of entry {@code i}.
   *
   * @throws IllegalStateException if the entry is a hole (it has no ref)
   */
  public BlobRef ref(int i) {
    if (isHole(i)) {
      throw new IllegalStateException("entry " + i + " is a hole: it has no ref");
    }
    return BlobRef.of(refs, i * BlobRef.LENGTH);
  }

  /** Length of entry {@code i}. */
  public long entryLength(int i) {
    Objects.checkIndex(i, entryCount());
    return offsets[i + 1] - offsets[i];
  }

  /** Hole bytes of entry {@code i}: its length for a hole, 0 for a chunk, those below a child. */
  public long entryHoleBytes(int i) {
    Objects.checkIndex(i, entryCount());
    return holes == null ? 0 : holes[i];
  }

  /** Offset of entry {@code i} relative to the start of this node. */
  public long entryOffset(int i) {
    Objects.checkIndex(i, entryCount() + 1);
    return offsets[i];
  }

  public Entry entry(int i) {
    return isHole(i)
        ? Entry.hole(entryLength(i))
        : new Entry(ref(i), entryLength(i), entryHoleBytes(i));
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
    byte[] out = new byte[4 + 1 + 3 * MAX_VARINT + n * (1 + BlobRef.LENGTH + 2 * MAX_VARINT)];
    out[0] = 'L';
    out[1] = 'M';
    out[2] = 'F';
    out[3] = (byte) (holes == null ? VERSION_NO_HOLES : VERSION);
    out[4] = (byte) level;
    int p = putVarint(out, 5, n);
    p = putVarint(out, p, length());
    if (holes == null) {
      for (int i = 0; i < n; i++) {
        System.arraycopy(refs, i * BlobRef.LENGTH, out, p, BlobRef.LENGTH);
        p = putVarint(out, p + BlobRef.LENGTH, entryLength(i));
      }
      return Arrays.copyOf(out, p);
    }
    p = putVarint(out, p, holeBytes);
    for (int i = 0; i < n; i++) {
      if (level == 0) {
        if (holes[i] > 0) {
          out[p++] = KIND_HOLE;
          p = putVarint(out, p, entryLength(i));
          continue;
        }
        out[p++] = KIND_CHUNK;
      }
      System.arraycopy(refs, i * BlobRef.LENGTH, out, p, BlobRef.LENGTH);
      p = putVarint(out, p + BlobRef.LENGTH, entryLength(i));
      if (level > 0) {
        p = putVarint(out, p, holes[i]);
      }
    }
    return Arrays.copyOf(out, p);
  }

  /**
   * Parses an encoding of either version, checking every rule in the class doc.
   *
   * @throws MalformedManifestException if {@code bytes} is not a valid encoding; never reads
   *     outside {@code bytes} and never allocates more than a small multiple of its length
   */
  public static Manifest decode(byte[] bytes) throws MalformedManifestException {
    if (bytes.length > MAX_ENCODED_SIZE) {
      throw new MalformedManifestException(
          "manifest of " + bytes.length + " bytes exceeds the limit of " + MAX_ENCODED_SIZE);
    }
    if (bytes.length < 7 || bytes[0] != 'L' || bytes[1] != 'M' || bytes[2] != 'F') {
      throw new MalformedManifestException("not a manifest (bad magic or too short)");
    }
    int version = bytes[3] & 0xff;
    if (version != VERSION_NO_HOLES && version != VERSION) {
      throw new MalformedManifestException(
          "unsupported manifest version "
              + version
              + " (this build reads "
              + VERSION_NO_HOLES
              + " and "
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
    boolean v2 = version == VERSION;
    long holeTotal = v2 ? c.varint("hole bytes") : 0;
    if (n == 0 && (level > 0 || total != 0 || v2)) {
      throw new MalformedManifestException("empty manifest must be a version 1 leaf of length 0");
    }
    if (v2 && (holeTotal < 1 || holeTotal > total)) {
      throw new MalformedManifestException(
          "a version 2 manifest has 1.." + total + " hole bytes, not " + holeTotal);
    }
    // The smallest entry: a hole (2 bytes) in a version 2 leaf, else a ref and a length.
    int minEntry = v2 && level == 0 ? 2 : BlobRef.LENGTH + 1;
    if ((long) n * minEntry > bytes.length - c.pos) {
      throw new MalformedManifestException(
          "truncated: " + n + " entries cannot fit in " + (bytes.length - c.pos) + " bytes");
    }
    byte[] refs = new byte[n * BlobRef.LENGTH];
    long[] offsets = new long[n + 1];
    long[] holes = v2 ? new long[n] : null;
    long holeSum = 0;
    for (int i = 0; i < n; i++) {
      boolean hole = false;
      if (v2 && level == 0) {
        if (c.pos >= bytes.length) {
          throw new MalformedManifestException("truncated at entry " + i);
        }
        int kind = bytes[c.pos++];
        if (kind == KIND_HOLE) {
          hole = true;
        } else if (kind != KIND_CHUNK) {
          throw new MalformedManifestException("entry " + i + " has unknown kind " + kind);
        }
      }
      if (!hole) {
        if (bytes.length - c.pos < BlobRef.LENGTH + 1) {
          throw new MalformedManifestException("truncated at entry " + i);
        }
        System.arraycopy(bytes, c.pos, refs, i * BlobRef.LENGTH, BlobRef.LENGTH);
        c.pos += BlobRef.LENGTH;
      }
      long len = c.varint("length of entry " + i);
      if (len < 1 || (level == 0 && !hole && len > MAX_CHUNK_LENGTH)) {
        throw new MalformedManifestException("entry " + i + " has invalid length " + len);
      }
      if (len > Long.MAX_VALUE - offsets[i]) {
        throw new MalformedManifestException("entry lengths overflow at entry " + i);
      }
      offsets[i + 1] = offsets[i] + len;
      if (v2) {
        long h;
        if (level == 0) {
          h = hole ? len : 0;
          if (hole && i > 0 && holes[i - 1] > 0) {
            throw new MalformedManifestException("two holes next to each other at entry " + i);
          }
        } else {
          h = c.varint("hole bytes of entry " + i);
          if (h > len) {
            throw new MalformedManifestException(
                "entry " + i + " of " + len + " bytes claims " + h + " hole bytes");
          }
        }
        holes[i] = h;
        holeSum += h;
      }
    }
    if (c.pos != bytes.length) {
      throw new MalformedManifestException(
          (bytes.length - c.pos) + " trailing bytes after the last entry");
    }
    if (offsets[n] != total) {
      throw new MalformedManifestException(
          "entry lengths sum to " + offsets[n] + " but the header says " + total);
    }
    if (holeSum != holeTotal) {
      throw new MalformedManifestException(
          "hole bytes sum to " + holeSum + " but the header says " + holeTotal);
    }
    return n == 0 ? EMPTY : new Manifest(level, refs, offsets, holes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Manifest m
        && m.level == level
        && Arrays.equals(m.offsets, offsets)
        && Arrays.equals(m.refs, refs)
        && Arrays.equals(m.holes, holes);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * level + Arrays.hashCode(offsets)) + Arrays.hashCode(refs))
        + Arrays.hashCode(holes);
  }

  @Override
  public String toString() {
    return "Manifest[level="
        + level
        + ", entries="
        + entryCount()
        + ", length="
        + length()
        + (holeBytes > 0 ? ", holes=" + holeBytes : "")
        + "]";
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
