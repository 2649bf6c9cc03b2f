package org.latticefs.fs.inode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
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

/** Round trips and fuzzing of the inode encoding: the decoder never throws anything else. */
class InodeCodecTest {
  @Provide
  Arbitrary<Inode> inodes() {
    Arbitrary<Integer> mode = Arbitraries.integers().between(0, 07777);
    Arbitrary<Integer> ids = Arbitraries.integers();
    Arbitrary<Long> times = Arbitraries.longs();
    Arbitrary<byte[]> inline = Arbitraries.bytes().array(byte[].class).ofMaxSize(Inode.MAX_INLINE);
    Arbitrary<String> names = Arbitraries.strings().ofMinLength(1).ofMaxLength(40);
    Arbitrary<TreeMap<String, byte[]>> xattrs =
        Arbitraries.maps(names, Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
            .ofMaxSize(5)
            .map(TreeMap::new);
    Arbitrary<Integer> kind = Arbitraries.integers().between(0, 3);
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
                          Blake3.hash(bytes),
                          null,
                          null,
                          x);
                  case 2 ->
                      Inode.create(Inode.Kind.DIRECTORY, m, uid, gid, t, null).withXattrs(x, t);
                  default -> Inode.create(Inode.Kind.SYMLINK, m, uid, gid, t, target);
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
  void rejectsOversizedAndTrailingInput() {
    assertThrows(CorruptInodeException.class, () -> Inode.decode(new byte[Inode.MAX_ENCODED + 1]));
    byte[] enc = Inode.create(Inode.Kind.DIRECTORY, 0755, 0, 0, 1, null).encode();
    byte[] trailing = Arrays.copyOf(enc, enc.length + 1);
    assertThrows(CorruptInodeException.class, () -> Inode.decode(trailing));
    assertThrows(CorruptInodeException.class, () -> Inode.decode(new byte[0]));
  }
}
