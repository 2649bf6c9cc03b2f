package org.latticefs.kv.log;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;

/**
 * One record of one author's log for one store: the author's {@code seq}-th entry, linked to the
 * previous one by its hash, timestamped, naming the heads it supersedes, carrying a batch of
 * operations that apply atomically in order.
 *
 * <h2>Invariants (checked by the constructor)</h2>
 *
 * <ul>
 *   <li>{@code seq >= 1}; {@code prev} is {@link #GENESIS} (32 zero bytes) if and only if {@code
 *       seq == 1}.
 *   <li>1 to {@value #MAX_OPS} ops; keys are valid per {@link Op#invalidKeyReason} (start with
 *       {@code /}, no NUL, canonical {@link KeyBytes} strings, at most {@value #MAX_KEY_BYTES}
 *       bytes); put values at most {@value #MAX_VALUE_BYTES} bytes.
 *   <li>{@code parents} has exactly one {@link KeyParents} per distinct key of {@code ops}; the
 *       constructor sorts it by {@link KeyBytes#ORDER}.
 *   <li>The encoding is at most {@value #MAX_ENCODED_BYTES} bytes.
 * </ul>
 *
 * Violations throw {@link IllegalArgumentException}; {@link #decode} reports them as {@link
 * MalformedEntryException}.
 *
 * <h2>Canonical encoding</h2>
 *
 * Big-endian throughout; one encoding per entry ({@code decode(b).encode()} equals {@code b}, and
 * {@code decode} rejects every other byte string):
 *
 * <pre>
 * offset size   field
 *      0    4   magic and version: 'L' 'T' 'E' 0x01
 *      4   16   store id: UUID most significant 8 bytes, then least significant 8
 *     20   32   author: Ed25519 public key
 *     52    8   seq, signed, >= 1
 *     60   32   prev: hash of the author's previous entry, or 32 zero bytes when seq == 1
 *     92    8   HLC: Hlc.packed() (48-bit millis, 16-bit counter)
 *    100    2   P = number of parents records, unsigned, 1..10,000
 *               P times, keys strictly ascending (unsigned bytes, KeyBytes.ORDER):
 *                 2   key length K, unsigned, 1..4,096
 *                 K   key bytes (KeyBytes.encode: any bytes but NUL, first '/'; UTF-8 for text)
 *                 1   H = number of heads, 0..64
 *                 32H heads, strictly ascending (unsigned bytes)
 *      .    2   N = number of ops, unsigned, 1..10,000
 *               N times, in apply order:
 *                 1   tag: 0x01 put, 0x02 delete
 *                 2   key length K, unsigned, 1..4,096
 *                 K   key bytes
 *                 put only: 4 value length V, unsigned, 0..1,048,576; then V value bytes
 *      end          no trailing bytes; the whole is at most 16 MiB
 * </pre>
 *
 * The set of parents keys must equal the set of op keys. Keys are byte strings: a key that is not
 * UTF-8 (a Latin-1 file name) decodes to the escapes {@link KeyBytes} defines, so every byte string
 * a key can be has exactly one encoding, and keys that are UTF-8 text encode exactly as before the
 * codec existed (the same bytes, hashes and signatures).
 */
public record Entry(
    UUID storeId,
    NodeId author,
    long seq,
    BlobRef prev,
    Hlc hlc,
    List<KeyParents> parents,
    List<Op> ops) {
  /** The {@code prev} of every first entry: 32 zero bytes. */
  public static final BlobRef GENESIS = new BlobRef(new byte[BlobRef.LENGTH]);

  public static final int MAX_KEY_BYTES = Op.MAX_KEY_BYTES;
  public static final int MAX_VALUE_BYTES = 1 << 20;
  public static final int MAX_OPS = 10_000;
  public static final int MAX_PARENTS_PER_KEY = 64;
  public static final int MAX_ENCODED_BYTES = 16 << 20;

  static final int VERSION = 1;
  private static final byte[] MAGIC = {'L', 'T', 'E', VERSION};
  private static final int FIXED_BYTES = 4 + 16 + NodeId.LENGTH + 8 + BlobRef.LENGTH + 8;
  private static final int TAG_PUT = 1;
  private static final int TAG_DELETE = 2;

  public Entry {
    Objects.requireNonNull(storeId, "storeId");
    Objects.requireNonNull(author, "author");
    Objects.requireNonNull(prev, "prev");
    Objects.requireNonNull(hlc, "hlc");
    Objects.requireNonNull(parents, "parents");
    Objects.requireNonNull(ops, "ops");
    if (seq < 1) {
      throw new IllegalArgumentException("seq must be >= 1, got " + seq);
    }
    if ((seq == 1) != prev.equals(GENESIS)) {
      throw new IllegalArgumentException(
          seq == 1
              ? "the first entry's prev must be GENESIS, got " + prev
              : "only the first entry may have prev GENESIS (seq " + seq + ")");
    }
    if (ops.isEmpty() || ops.size() > MAX_OPS) {
      throw new IllegalArgumentException(
          "an entry has 1 to " + MAX_OPS + " ops, got " + ops.size());
    }
    ops = List.copyOf(ops);
    List<KeyParents> sorted = new ArrayList<>(parents);
    sorted.forEach(p -> Objects.requireNonNull(p, "parents element"));
    sorted.sort((a, b) -> KeyBytes.ORDER.compare(a.key(), b.key()));
    parents = List.copyOf(sorted);
    long size = FIXED_BYTES + 2 + 2;
    Set<String> opKeys = new HashSet<>();
    for (Op op : ops) {
      size += 1 + 2 + checkKey(op.key());
      opKeys.add(op.key());
      if (op instanceof Op.Put put) {
        int len = put.value().length;
        if (len > MAX_VALUE_BYTES) {
          throw new IllegalArgumentException(
              "value of " + op.key() + " is " + len + " bytes, over " + MAX_VALUE_BYTES);
        }
        size += 4 + len;
      }
    }
    Set<String> parentKeys = new HashSet<>();
    for (KeyParents p : parents) {
      if (!parentKeys.add(p.key())) {
        throw new IllegalArgumentException("two parents records for key " + p.key());
      }
      size += 2 + checkKey(p.key()) + 1 + (long) BlobRef.LENGTH * p.heads().size();
    }
    if (!parentKeys.equals(opKeys)) {
      Set<String> missing = new TreeSet<>(opKeys);
      missing.removeAll(parentKeys);
      Set<String> extra = new TreeSet<>(parentKeys);
      extra.removeAll(opKeys);
      throw new IllegalArgumentException(
          "parents must name exactly the keys of the ops; missing "
              + missing
              + ", not touched by any op "
              + extra);
    }
    if (size > MAX_ENCODED_BYTES) {
      throw new IllegalArgumentException(
          "entry encodes to " + size + " bytes, over " + MAX_ENCODED_BYTES);
    }
  }

  /** The parents of {@code key}, or an empty list if this entry does not touch it. */
  public List<BlobRef> parentsOf(String key) {
    for (KeyParents p : parents) {
      if (p.key().equals(key)) {
        return p.heads();
      }
    }
    return List.of();
  }

  /** The canonical encoding (see the class documentation); the input of hash and signature. */
  public byte[] encode() {
    List<byte[]> opKeys = new ArrayList<>(ops.size());
    List<byte[]> values = new ArrayList<>(ops.size());
    int size = FIXED_BYTES + 2 + 2;
    for (Op op : ops) {
      byte[] k = KeyBytes.encode(op.key());
      opKeys.add(k);
      size += 1 + 2 + k.length;
      if (op instanceof Op.Put put) {
        byte[] v = put.value();
        values.add(v);
        size += 4 + v.length;
      } else {
        values.add(null);
      }
    }
    List<byte[]> parentKeys = new ArrayList<>(parents.size());
    for (KeyParents p : parents) {
      byte[] k = KeyBytes.encode(p.key());
      parentKeys.add(k);
      size += 2 + k.length + 1 + BlobRef.LENGTH * p.heads().size();
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(MAGIC);
    b.putLong(storeId.getMostSignificantBits()).putLong(storeId.getLeastSignificantBits());
    b.put(author.publicKey());
    b.putLong(seq);
    b.put(prev.bytes());
    b.putLong(hlc.packed());
    b.putShort((short) parents.size());
    for (int i = 0; i < parents.size(); i++) {
      byte[] k = parentKeys.get(i);
      b.putShort((short) k.length).put(k);
      List<BlobRef> heads = parents.get(i).heads();
      b.put((byte) heads.size());
      for (BlobRef h : heads) {
        b.put(h.bytes());
      }
    }
    b.putShort((short) ops.size());
    for (int i = 0; i < ops.size(); i++) {
      byte[] k = opKeys.get(i);
      byte[] v = values.get(i);
      b.put((byte) (v == null ? TAG_DELETE : TAG_PUT));
      b.putShort((short) k.length).put(k);
      if (v != null) {
        b.putInt(v.length).put(v);
      }
    }
    return b.array();
  }

  /**
   * Decodes a canonical encoding.
   *
   * @throws MalformedEntryException on any other input; never another exception, never more memory
   *     than a small multiple of the input's length
   */
  public static Entry decode(byte[] bytes) throws MalformedEntryException {
    if (bytes == null) {
      throw new MalformedEntryException("no bytes");
    }
    return decode(bytes, 0, bytes.length);
  }

  /** Decodes {@code bytes[off, off+len)}, which must hold exactly one canonical encoding. */
  public static Entry decode(byte[] bytes, int off, int len) throws MalformedEntryException {
    if (len > MAX_ENCODED_BYTES) {
      throw new MalformedEntryException(
          "entry is " + len + " bytes, over the limit of " + MAX_ENCODED_BYTES);
    }
    try {
      return new Decoder(bytes, off, len).entry();
    } catch (MalformedEntryException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new MalformedEntryException("invalid entry: " + e.getMessage(), e);
    }
  }

  /** Checks a key ({@link Op#invalidKeyReason}) and returns its length in bytes. */
  static int checkKey(String key) {
    Objects.requireNonNull(key, "key");
    String why = Op.invalidKeyReason(key);
    if (why != null) {
      String shown = KeyBytes.display(key);
      throw new IllegalArgumentException(
          "invalid key "
              + (shown.length() > 60 ? shown.substring(0, 60) + "..." : shown)
              + ": "
              + why);
    }
    return KeyBytes.encodedLength(key);
  }

  private static final class Decoder {
    private final byte[] b;
    private final int end;
    private int pos;

    Decoder(byte[] b, int off, int len) throws MalformedEntryException {
      if (off < 0 || len < 0 || off > b.length - len) {
        throw new MalformedEntryException("range out of bounds");
      }
      this.b = b;
      this.pos = off;
      this.end = off + len;
    }

    Entry entry() throws MalformedEntryException {
      need(4, "magic");
      if (b[pos] != 'L' || b[pos + 1] != 'T' || b[pos + 2] != 'E') {
        throw new MalformedEntryException("not an entry (bad magic)");
      }
      if (b[pos + 3] != VERSION) {
        throw new MalformedEntryException("unknown entry version " + (b[pos + 3] & 0xff));
      }
      pos += 4;
      UUID storeId = new UUID(i64("store id"), i64("store id"));
      need(NodeId.LENGTH, "author");
      NodeId author = NodeId.of(b, pos);
      pos += NodeId.LENGTH;
      long seq = i64("seq");
      if (seq < 1) {
        throw new MalformedEntryException("seq must be >= 1, got " + seq);
      }
      BlobRef prev = ref("prev");
      Hlc hlc = Hlc.unpack(i64("hlc"));
      int parentCount = u16("parents count");
      if (parentCount < 1 || parentCount > MAX_OPS) {
        throw new MalformedEntryException("parents count " + parentCount + " out of range");
      }
      List<KeyParents> parents = new ArrayList<>(Math.min(parentCount, 256));
      String lastKey = null;
      for (int i = 0; i < parentCount; i++) {
        String key = key("parents[" + i + "] key");
        if (lastKey != null && KeyBytes.ORDER.compare(lastKey, key) >= 0) {
          throw new MalformedEntryException(
              "parents keys not strictly ascending at index " + i + ": " + key);
        }
        lastKey = key;
        int headCount = u8("head count");
        if (headCount > MAX_PARENTS_PER_KEY) {
          throw new MalformedEntryException(
              "key " + key + " has " + headCount + " parents, over " + MAX_PARENTS_PER_KEY);
        }
        List<BlobRef> heads = new ArrayList<>(headCount);
        BlobRef lastHead = null;
        for (int h = 0; h < headCount; h++) {
          BlobRef head = ref("parent hash");
          if (lastHead != null && lastHead.compareTo(head) >= 0) {
            throw new MalformedEntryException(
                "parents of " + key + " not strictly ascending at index " + h);
          }
          heads.add(head);
          lastHead = head;
        }
        parents.add(new KeyParents(key, heads));
      }
      int opCount = u16("ops count");
      if (opCount < 1 || opCount > MAX_OPS) {
        throw new MalformedEntryException("ops count " + opCount + " out of range");
      }
      List<Op> ops = new ArrayList<>(Math.min(opCount, 256));
      for (int i = 0; i < opCount; i++) {
        int tag = u8("op tag");
        String key = key("ops[" + i + "] key");
        switch (tag) {
          case TAG_PUT -> {
            long len = u32("value length");
            if (len > MAX_VALUE_BYTES) {
              throw new MalformedEntryException(
                  "value of " + key + " is " + len + " bytes, over " + MAX_VALUE_BYTES);
            }
            need((int) len, "value");
            byte[] value = java.util.Arrays.copyOfRange(b, pos, pos + (int) len);
            pos += (int) len;
            ops.add(new Op.Put(key, value));
          }
          case TAG_DELETE -> ops.add(new Op.Delete(key));
          default -> throw new MalformedEntryException("unknown op tag " + tag + " at op " + i);
        }
      }
      if (pos != end) {
        throw new MalformedEntryException((end - pos) + " trailing bytes after the entry");
      }
      try {
        return new Entry(storeId, author, seq, prev, hlc, parents, ops);
      } catch (IllegalArgumentException e) {
        throw new MalformedEntryException("invalid entry: " + e.getMessage(), e);
      }
    }

    private void need(int n, String what) throws MalformedEntryException {
      if (n < 0 || end - pos < n) {
        throw new MalformedEntryException(
            "truncated: " + what + " needs " + n + " bytes, " + (end - pos) + " left");
      }
    }

    private long i64(String what) throws MalformedEntryException {
      need(8, what);
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = v << 8 | (b[pos++] & 0xff);
      }
      return v;
    }

    private long u32(String what) throws MalformedEntryException {
      need(4, what);
      long v = 0;
      for (int i = 0; i < 4; i++) {
        v = v << 8 | (b[pos++] & 0xff);
      }
      return v;
    }

    private int u16(String what) throws MalformedEntryException {
      need(2, what);
      int v = (b[pos] & 0xff) << 8 | (b[pos + 1] & 0xff);
      pos += 2;
      return v;
    }

    private int u8(String what) throws MalformedEntryException {
      need(1, what);
      return b[pos++] & 0xff;
    }

    private BlobRef ref(String what) throws MalformedEntryException {
      need(BlobRef.LENGTH, what);
      BlobRef r = BlobRef.of(b, pos);
      pos += BlobRef.LENGTH;
      return r;
    }

    private String key(String what) throws MalformedEntryException {
      int len = u16(what + " length");
      if (len < 1 || len > MAX_KEY_BYTES) {
        throw new MalformedEntryException(what + " length " + len + " out of range");
      }
      need(len, what);
      String s = KeyBytes.decode(b, pos, len);
      pos += len;
      return s;
    }
  }
}
