package org.latticefs.fs.inode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.kv.KeyBytes;

/** Round trips and fuzzing of the inode encoding: the decoder never throws anything else. */
class InodeCodecTest {
  /** Byte strings as names are held: 1 to 40 bytes, no NUL, any other byte (UTF-8 or not). */
  static Arbitrary<String> byteNames() {
    return Arbitraries.bytes()
        .filter(b -> b != 0)
        .array(byte[].class)
        .ofMinSize(1)
        .ofMaxSize(40)
        .map(KeyBytes::decode);
  }

  @Provide
  Arbitrary<Inode> inodes() {
    Arbitrary<Integer> mode = Arbitraries.integers().between(0, 07777);
    Arbitrary<Integer> ids = Arbitraries.integers();
    Arbitrary<Long> times = Arbitraries.longs();
    Arbitrary<byte[]> inline = Arbitraries.bytes().array(byte[].class).ofMaxSize(Inode.MAX_INLINE);
    Arbitrary<String> names =
        Arbitraries.oneOf(
            byteNames(),
            Arbitraries.strings()
                .ofMinLength(1)
                .ofMaxLength(40)
                .filter(KeyBytes::isCanonical)
                .filter(n -> n.indexOf('\0') < 0));
    Arbitrary<TreeMap<String, byte[]>> xattrs =
        Arbitraries.maps(names, Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
            .ofMaxSize(5)
            .map(TreeMap::new);
    Arbitrary<Integer> kind = Arbitraries.integers().between(0, 6);
    return Combinators.combine(kind, mode, ids, ids, times, inline, xattrs, names)
        .as(
            (k, m, uid, gid, t, bytes, x, target) ->
                switch (k) {
                  case 0 ->
                      new Inode(
                          Inode.Kind.FILE,
                          m,
                          uid,
                          gid,
                          1,
                          bytes.length,
                          t,
                          t + 1,
                          t - 1,
                          0,
                          null,
                          bytes,
                          null,
                          x);
                  case 1 ->
                      new Inode(
                          Inode.Kind.FILE,
                          m,
                          uid,
                          gid,
                          3,
                          Math.abs(t / 2),
                          t,
                          t,
                          t,
                          0,
                          Blake3.hash(bytes),
                          null,
                          null,
                          x);
                  case 2 ->
                      Inode.create(Inode.Kind.DIRECTORY, m, uid, gid, t, null).withXattrs(x, t);
                  case 3 -> Inode.create(Inode.Kind.SYMLINK, m, uid, gid, t, target);
                  case 4 -> Inode.create(Inode.Kind.FIFO, m, uid, gid, t, null).withXattrs(x, t);
                  case 5 -> Inode.create(Inode.Kind.SOCKET, m, uid, gid, t, null);
                  default ->
                      Inode.create(
                          uid % 2 == 0 ? Inode.Kind.CHAR_DEVICE : Inode.Kind.BLOCK_DEVICE,
                          m,
                          uid,
                          gid,
                          t,
                          null,
                          t == 0 ? 1 : t);
                });
  }

  @Property(tries = 300)
  void roundTrips(@ForAll("inodes") Inode inode) throws Exception {
    assertEquals(inode, Inode.decode(inode.encode()));
  }

  @Property(tries = 2000)
  void randomBytesDecodeOrFailCleanly(@ForAll @Size(max = 400) byte[] data) {
    try {
      Inode.decode(data);
    } catch (CorruptInodeException expected) {
      // the only allowed failure
    }
  }

  @Property(tries = 2000)
  void mutatedEncodingsDecodeOrFailCleanly(
      @ForAll("inodes") Inode inode,
      @ForAll @IntRange(min = 0, max = 10_000) int where,
      @ForAll byte value,
      @ForAll @IntRange(min = 0, max = 3) int how) {
    byte[] enc = inode.encode();
    int at = where % enc.length;
    byte[] mutated =
        switch (how) {
          case 0 -> {
            byte[] m = enc.clone();
            m[at] = value;
            yield m;
          }
          case 1 -> Arrays.copyOf(enc, at);
          case 2 -> {
            byte[] m = Arrays.copyOf(enc, enc.length + 1);
            m[enc.length] = value;
            yield m;
          }
          default -> {
            byte[] m = enc.clone();
            m[at] ^= (byte) 0x80;
            yield m;
          }
        };
    try {
      Inode back = Inode.decode(mutated);
      assertEquals(back, Inode.decode(back.encode()));
    } catch (CorruptInodeException expected) {
      // the only allowed failure
    }
  }

  @Test
  void specialFilesKeepTheirKindAndDeviceNumber() throws Exception {
    long dev = (8L << 8) | 1; // makedev(8, 1): /dev/sda1
    for (Inode.Kind kind : Inode.Kind.values()) {
      if (!kind.isSpecial()) {
        continue;
      }
      Inode i = Inode.create(kind, 0640, 7, 8, 1_000, null, kind.isDevice() ? dev : 0);
      Inode back = Inode.decode(i.encode());
      assertEquals(i, back);
      assertEquals(kind, back.kind());
      assertEquals(kind.isDevice() ? dev : 0, back.rdev());
      assertEquals(0, back.size());
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> Inode.create(Inode.Kind.FIFO, 0644, 0, 0, 1, null, 5),
        "only device nodes carry a device number");
  }

  @Test
  void targetsAndXattrNamesThatAreNotUtf8KeepTheirBytes() throws Exception {
    byte[] latin1 = {'c', 'a', 'f', (byte) 0xe9};
    String name = KeyBytes.decode(latin1);
    Inode link = Inode.create(Inode.Kind.SYMLINK, 0777, 0, 0, 1, name);
    assertEquals(4, link.size(), "a symlink's size counts the target's bytes");
    TreeMap<String, byte[]> x = new TreeMap<>();
    x.put(KeyBytes.decode(new byte[] {'u', 's', 'e', 'r', '.', (byte) 0xff}), new byte[] {1});
    x.put(KeyBytes.decode(new byte[] {'u', 's', 'e', 'r', '.', (byte) 0xe8}), new byte[] {2});
    Inode back = Inode.decode(link.withXattrs(x, 2).encode());
    assertArrayEquals(latin1, KeyBytes.encode(back.target()));
    assertEquals(2, back.xattrs().size());
    assertArrayEquals(
        new byte[] {'u', 's', 'e', 'r', '.', (byte) 0xe8},
        KeyBytes.encode(back.xattrs().firstKey()),
        "xattr names are ordered by their bytes");
  }

  /** A version-1 encoding, as builds before special files wrote it, byte by byte. */
  private static byte[] version1(int kind, int flags, int nlink, byte[] tail) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(new byte[] {1, (byte) kind, (byte) flags});
    out.writeBytes(new byte[] {(byte) 0xed, 0x03}); // mode 0755
    out.writeBytes(new byte[] {(byte) 0xe8, 0x07, (byte) 0xe8, 0x07}); // uid, gid 1000
    out.write(nlink);
    out.write(tail.length == 0 ? 0 : tail[0]); // size
    for (int t = 1; t <= 3; t++) {
      out.writeBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) t});
    }
    out.writeBytes(Arrays.copyOfRange(tail, tail.length == 0 ? 0 : 1, tail.length));
    return out.toByteArray();
  }

  @Test
  void version1InodesDecodeAsTheyWere() throws Exception {
    // A directory (nlink 1, as every directory was written) with two xattrs.
    byte[] dir = version1(2, 0, 1, new byte[] {0, 2, 1, 'a', 1, 9, 1, 'b', 0});
    Inode d = Inode.decode(dir);
    assertEquals(Inode.Kind.DIRECTORY, d.kind());
    assertEquals(0755, d.mode());
    assertEquals(1000, d.uid());
    assertEquals(1, d.nlink(), "the old count is kept as it was (read as unknown)");
    assertEquals(List.of("a", "b"), List.copyOf(d.xattrs().keySet()));
    assertEquals(3, d.ctimeNanos());
    // A symlink to "é" in UTF-8 (size 2).
    Inode l = Inode.decode(version1(3, 4, 1, new byte[] {2, 2, (byte) 0xc3, (byte) 0xa9, 0}));
    assertEquals("\u00e9", l.target());
    assertEquals(l, Inode.decode(l.encode()), "and it is written again as version 2");
    assertEquals(2, l.encode()[0]);
    // Version 1 never held invalid UTF-8, nor special kinds.
    assertThrows(
        CorruptInodeException.class,
        () -> Inode.decode(version1(3, 4, 1, new byte[] {1, 1, (byte) 0xe9, 0})));
    assertThrows(
        CorruptInodeException.class, () -> Inode.decode(version1(4, 0, 1, new byte[] {0})));
  }

  @Test
  void kindsAndVersionsFromANewerBuildAreClearErrors() {
    byte[] enc = Inode.create(Inode.Kind.FIFO, 0644, 0, 0, 1, null).encode();
    byte[] unknownKind = enc.clone();
    unknownKind[1] = 9;
    CorruptInodeException kind =
        assertThrows(CorruptInodeException.class, () -> Inode.decode(unknownKind));
    assertTrue(kind.getMessage().contains("unknown inode kind 9"), kind.getMessage());
    assertTrue(kind.getMessage().contains("newer build"), kind.getMessage());
    byte[] unknownVersion = enc.clone();
    unknownVersion[0] = 3;
    CorruptInodeException version =
        assertThrows(CorruptInodeException.class, () -> Inode.decode(unknownVersion));
    assertTrue(version.getMessage().contains("newer build"), version.getMessage());
  }

  @Test
  void rejectsOversizedAndTrailingInput() {
    assertThrows(CorruptInodeException.class, () -> Inode.decode(new byte[Inode.MAX_ENCODED + 1]));
    byte[] enc = Inode.create(Inode.Kind.DIRECTORY, 0755, 0, 0, 1, null).encode();
    byte[] trailing = Arrays.copyOf(enc, enc.length + 1);
    assertThrows(CorruptInodeException.class, () -> Inode.decode(trailing));
    assertThrows(CorruptInodeException.class, () -> Inode.decode(new byte[0]));
  }

  @Test
  void theLargestInodeRoundTrips() throws Exception {
    // The largest inline content and all the xattr room together must decode: an inode that
    // encodes but does not decode is a committed file that can no longer be read.
    byte[] content = new byte[Inode.MAX_INLINE];
    Arrays.fill(content, (byte) 7);
    TreeMap<String, byte[]> xattrs = new TreeMap<>(KeyBytes.ORDER);
    xattrs.put("user.a", new byte[Inode.MAX_XATTR_VALUE]);
    xattrs.put("user.b", new byte[Inode.MAX_XATTR_TOTAL - Inode.MAX_XATTR_VALUE - 12]);
    Inode big =
        Inode.create(Inode.Kind.FILE, 0644, 0, 0, 1, null)
            .withContent(content.length, null, content)
            .withXattrs(xattrs, 2);
    assertEquals(Inode.MAX_XATTR_TOTAL, Inode.xattrBytes(xattrs));
    assertEquals(big, Inode.decode(big.encode()));
  }
}
