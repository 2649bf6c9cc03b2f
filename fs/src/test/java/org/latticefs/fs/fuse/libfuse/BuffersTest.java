package org.latticefs.fs.fuse.libfuse;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.Closure;
import com.kenai.jffi.ClosureManager;
import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The native windows a filesystem fills: {@link ReplyBuffer}'s three conventions, {@link
 * NativeDirFiller} against a C-callable filler, {@link FileInfo}'s bits, and {@link CStrings}'
 * limits.
 */
class BuffersTest {
  private static final MemoryIO IO = MemoryIO.getInstance();
  private final List<Long> allocated = new ArrayList<>();

  @AfterEach
  void free() {
    allocated.forEach(IO::freeMemory);
  }

  private long zeroed(long size) {
    long a = IO.allocateMemory(size, true);
    allocated.add(a);
    return a;
  }

  private static byte[] bytes(long address, int n) {
    byte[] b = new byte[n];
    IO.getByteArray(address, b, 0, n);
    return b;
  }

  @Test
  void replyValueAnswersSizeQueriesRangeErrorsAndCopies() {
    byte[] v = {1, 2, 3, 0, (byte) 0xff};
    assertEquals(5, new ReplyBuffer(0, 0).replyValue(v), "size query");
    long buf = zeroed(8);
    assertEquals(-Errnos.ERANGE, new ReplyBuffer(buf, 4).replyValue(v));
    assertEquals(5, new ReplyBuffer(buf, 8).replyValue(v));
    assertArrayEquals(v, bytes(buf, 5));
  }

  @Test
  void replyNamesWritesNulSeparatedNames() {
    List<byte[]> names = List.of("user.a".getBytes(ISO_8859_1), "user.\u00e9".getBytes(ISO_8859_1));
    assertEquals(14, new ReplyBuffer(0, 0).replyNames(names));
    long buf = zeroed(14);
    assertEquals(-Errnos.ERANGE, new ReplyBuffer(buf, 13).replyNames(names));
    assertEquals(14, new ReplyBuffer(buf, 14).replyNames(names));
    assertArrayEquals("user.a\0user.\u00e9\0".getBytes(ISO_8859_1), bytes(buf, 14));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ReplyBuffer(buf, 14).replyNames(List.of(new byte[] {'a', 0, 'b'})));
  }

  @Test
  void replyLinkRefusesWhatDoesNotFitInsteadOfCuttingIt() {
    long buf = zeroed(8);
    byte[] target = "t\u00e9/\u00ff".getBytes(ISO_8859_1);
    assertEquals(0, new ReplyBuffer(buf, 8).replyLink(target));
    assertArrayEquals(Arrays.copyOf(target, target.length + 1), bytes(buf, target.length + 1));
    assertEquals(-Errnos.ENAMETOOLONG, new ReplyBuffer(buf, 4).replyLink(target));
    assertThrows(
        IllegalArgumentException.class, () -> new ReplyBuffer(buf, 8).replyLink(new byte[] {0}));
  }

  /** A C-callable {@code fuse_fill_dir_t} that records entries and reports full after {@code n}. */
  private static final class Filler implements Closure {
    final List<byte[]> names = new ArrayList<>();
    final List<long[]> stats = new ArrayList<>();
    final List<Long> offsets = new ArrayList<>();
    int capacity = Integer.MAX_VALUE;

    @Override
    public void invoke(Closure.Buffer b) {
      if (names.size() >= capacity) {
        b.setIntReturn(1);
        return;
      }
      long name = b.getAddress(1);
      long stat = b.getAddress(2);
      names.add(bytes(name, (int) IO.indexOf(name, (byte) 0, 2000)));
      stats.add(
          stat == 0
              ? null
              : new long[] {
                IO.getLong(stat + Stat.LAYOUT.ino()), IO.getInt(stat + Stat.LAYOUT.mode())
              });
      offsets.add(b.getLong(3));
      b.setIntReturn(0);
    }
  }

  @Test
  void dirFillerHandsNamesAsBytesWithTypeAndStopsWhenFull() {
    Filler f = new Filler();
    Closure.Handle handle =
        ClosureManager.getInstance()
            .newClosure(
                f,
                new CallContext(Type.SINT, Type.POINTER, Type.POINTER, Type.POINTER, Type.SINT64));
    try (NativeDirFiller filler = new NativeDirFiller(0, handle.getAddress())) {
      byte[] latin = "caf\u00e9".getBytes(ISO_8859_1);
      byte[] max = new byte[DirFiller.MAX_NAME];
      Arrays.fill(max, (byte) 0xff);
      assertTrue(filler.add(latin, 7));
      assertTrue(filler.add(max, 77, Stat.S_IFDIR | 0755, 8));
      f.capacity = 2;
      assertFalse(filler.add("x".getBytes(ISO_8859_1), 9), "full");
      assertArrayEquals(latin, f.names.get(0));
      assertArrayEquals(max, f.names.get(1));
      assertNull(f.stats.get(0));
      assertArrayEquals(new long[] {77, Stat.S_IFDIR}, f.stats.get(1), "ino and type only");
      assertEquals(List.of(7L, 8L), f.offsets);
      for (byte[] bad :
          new byte[][] {{}, {'a', 0}, {'a', '/', 'b'}, new byte[DirFiller.MAX_NAME + 1]}) {
        assertThrows(IllegalArgumentException.class, () -> filler.add(bad, 10));
      }
    } finally {
      handle.dispose();
    }
  }

  @Test
  void fileInfoBitsAreSetAndClearedAlone() {
    long fi = zeroed(FileInfo.SIZEOF);
    FileInfo info = new FileInfo(fi);
    info.setFh(0x1234_5678_9abcL).setDirectIo(true).setKeepCache(true).setNonSeekable(true);
    assertEquals(0x1234_5678_9abcL, IO.getLong(fi + FileInfo.FH));
    assertEquals(
        FileInfo.DIRECT_IO | FileInfo.KEEP_CACHE | FileInfo.NONSEEKABLE,
        IO.getInt(fi + FileInfo.BITS));
    info.setKeepCache(false);
    assertEquals(FileInfo.DIRECT_IO | FileInfo.NONSEEKABLE, IO.getInt(fi + FileInfo.BITS));
    assertFalse(info.isFlush());
    IO.putInt(fi + FileInfo.BITS, FileInfo.FLUSH);
    assertTrue(info.isFlush());
  }

  @Test
  void cStringsReadBytesWithinTheirLimit() throws Exception {
    byte[] s = "/caf\u00e9\u00ff".getBytes(ISO_8859_1);
    long a = CStrings.allocate(s);
    allocated.add(a);
    assertArrayEquals(s, CStrings.read(a, 100));
    assertArrayEquals(s, CStrings.read(a, s.length + 1), "the NUL at the last allowed byte");
    assertThrows(CStrings.TooLongException.class, () -> CStrings.read(a, s.length));
    assertNull(CStrings.read(0L, 10));
    assertTrue(CStrings.isComponent("caf\u00e9".getBytes(ISO_8859_1)));
    assertFalse(CStrings.isComponent(new byte[0]));
    assertFalse(CStrings.isComponent("a/b".getBytes(ISO_8859_1)));
  }
}
