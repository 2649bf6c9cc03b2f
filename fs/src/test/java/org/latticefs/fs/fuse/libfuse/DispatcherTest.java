package org.latticefs.fs.fuse.libfuse;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.Type;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Struct;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher through its real native trampolines, called from Java with jffi as libfuse would
 * call them: what is registered, how paths arrive, and how results and exceptions are answered.
 */
class DispatcherTest {
  private static final MemoryIO IO = MemoryIO.getInstance();
  private static final Invoker INVOKER = Invoker.getInstance();
  private final List<Long> allocated = new ArrayList<>();

  @AfterEach
  void free() {
    allocated.forEach(IO::freeMemory);
  }

  private long cString(byte[] bytes) {
    long a = CStrings.allocate(bytes);
    allocated.add(a);
    return a;
  }

  private long zeroed(long size) {
    long a = IO.allocateMemory(size, true);
    allocated.add(a);
    return a;
  }

  private static long fn(FuseOperations ops, long offset) {
    return Struct.getMemory(ops).getAddress(offset);
  }

  /** A filesystem that records what getattr and utimens receive and answers with a set result. */
  private static final class Recording implements RawFileSystem {
    final List<byte[]> paths = new ArrayList<>();
    TimeSpec atime;
    TimeSpec mtime;
    int result;
    RuntimeException toThrow;

    @Override
    public int getattr(byte[] path, Stat stat) {
      paths.add(path);
      if (toThrow != null) {
        throw toThrow;
      }
      stat.setMode(Stat.S_IFREG | 0640).setSize(12345);
      return result;
    }

    @Override
    public int read(byte[] path, ByteBuffer dst, long offset, long fh) {
      return result;
    }

    @Override
    public int utimens(byte[] path, TimeSpec atime, TimeSpec mtime) {
      this.atime = atime;
      this.mtime = mtime;
      return 0;
    }
  }

  @Test
  void onlyOverriddenOperationsAreRegisteredAndTheFlagsAreSet() {
    Dispatcher d = new Dispatcher(new Recording());
    FuseOperations ops = d.operations(false);
    assertTrue(fn(ops, ops.getattr.offset()) != 0);
    assertTrue(fn(ops, ops.read.offset()) != 0);
    assertTrue(fn(ops, ops.utimens.offset()) != 0);
    for (long unset :
        new long[] {
          ops.mkdir.offset(), ops.init.offset(), ops.destroy.offset(), ops.create.offset(),
          ops.readdir.offset(), ops.getdir.offset(), ops.utime.offset(), ops.fallocate.offset()
        }) {
      assertEquals(0, fn(ops, unset), "offset " + unset);
    }
    assertEquals(3, d.registered());
    assertEquals(
        FuseOperations.FLAG_NULLPATH_OK | FuseOperations.FLAG_UTIME_OMIT_OK, ops.flags.get());
    FuseOperations nopath = new Dispatcher(new Recording()).operations(true);
    assertEquals(
        FuseOperations.FLAG_NULLPATH_OK
            | FuseOperations.FLAG_UTIME_OMIT_OK
            | FuseOperations.FLAG_NOPATH,
        nopath.flags.get());
  }

  @Test
  void aPathArrivesAsItsExactBytesAndStatIsFilled() {
    Recording fs = new Recording();
    Dispatcher d = new Dispatcher(fs);
    FuseOperations ops = d.operations(false);
    byte[] path = "/d\u00e9j\u00e0/caf\u00e9\u00ff".getBytes(ISO_8859_1);
    long stat = zeroed(Stat.size());
    int rc = getattr(ops, cString(path), stat);
    Reference.reachabilityFence(d);
    assertEquals(0, rc);
    assertArrayEquals(path, fs.paths.get(0));
    assertEquals(Stat.S_IFREG | 0640, IO.getInt(stat + Stat.LAYOUT.mode()));
    assertEquals(12345, IO.getLong(stat + Stat.LAYOUT.size()));
  }

  @Test
  void anExceptionIsAnsweredEio() {
    Recording fs = new Recording();
    fs.toThrow = new IllegalStateException("on purpose");
    Dispatcher d = new Dispatcher(fs);
    int rc = getattr(d.operations(false), cString("/x".getBytes(ISO_8859_1)), zeroed(256));
    Reference.reachabilityFence(d);
    assertEquals(-Errnos.EIO, rc);
  }

  @Test
  void aResultOutsideItsRangeIsAnsweredEio() {
    Recording fs = new Recording();
    Dispatcher d = new Dispatcher(fs);
    FuseOperations ops = d.operations(false);
    fs.result = 3;
    assertEquals(-Errnos.EIO, getattr(ops, cString("/x".getBytes(ISO_8859_1)), zeroed(256)));
    fs.result = -5000;
    assertEquals(-Errnos.EIO, getattr(ops, cString("/x".getBytes(ISO_8859_1)), zeroed(256)));
    fs.result = -2;
    assertEquals(-2, getattr(ops, cString("/x".getBytes(ISO_8859_1)), zeroed(256)));

    CallContext read =
        new CallContext(
            Type.SINT, Type.POINTER, Type.POINTER, Type.ULONG, Type.SINT64, Type.POINTER);
    long buf = zeroed(4096);
    long fi = zeroed(FileInfo.SIZEOF);
    long path = cString("/x".getBytes(ISO_8859_1));
    fs.result = 4097;
    assertEquals(
        -Errnos.EIO,
        (int) INVOKER.invokeN5(read, fn(ops, ops.read.offset()), path, buf, 4096, 0, fi),
        "more bytes than the buffer holds");
    fs.result = 4096;
    assertEquals(
        4096, (int) INVOKER.invokeN5(read, fn(ops, ops.read.offset()), path, buf, 4096, 0, fi));
    Reference.reachabilityFence(d);
  }

  @Test
  void aPathWithoutNulWithinTheLimitIsNameTooLong() {
    Recording fs = new Recording();
    Dispatcher d = new Dispatcher(fs);
    long huge = zeroed(CStrings.MAX_PATH + 2L);
    IO.setMemory(huge, CStrings.MAX_PATH + 1L, (byte) 'a');
    int rc = getattr(d.operations(false), huge, zeroed(256));
    Reference.reachabilityFence(d);
    assertEquals(-Errnos.ENAMETOOLONG, rc);
    assertTrue(fs.paths.isEmpty(), "the filesystem was not called");
  }

  @Test
  void utimensPassesOmitAndNowThrough() {
    Recording fs = new Recording();
    Dispatcher d = new Dispatcher(fs);
    FuseOperations ops = d.operations(false);
    CallContext utimens = new CallContext(Type.SINT, Type.POINTER, Type.POINTER);
    long tv = zeroed(32);
    IO.putLong(tv, 0);
    IO.putLong(tv + 8, TimeSpec.UTIME_OMIT);
    IO.putLong(tv + 16, 981_173_106L);
    IO.putLong(tv + 24, 7);
    long path = cString("/f".getBytes(ISO_8859_1));
    assertEquals(0, (int) INVOKER.invokeN2(utimens, fn(ops, ops.utimens.offset()), path, tv));
    assertTrue(fs.atime.isOmit());
    assertEquals(new TimeSpec(981_173_106L, 7), fs.mtime);
    assertFalse(fs.mtime.isNow());
    assertEquals(0, (int) INVOKER.invokeN2(utimens, fn(ops, ops.utimens.offset()), path, 0L));
    assertTrue(fs.atime.isNow() && fs.mtime.isNow(), "a NULL tv means now for both");
    Reference.reachabilityFence(d);
  }

  @Test
  void overridesSeesSuperclassImplementations() {
    class Base implements RawFileSystem {
      @Override
      public int mkdir(byte[] path, int mode) {
        return 0;
      }
    }
    class Derived extends Base {}
    assertTrue(Dispatcher.overrides(Derived.class, "mkdir", byte[].class, int.class));
    assertFalse(Dispatcher.overrides(Derived.class, "rmdir", byte[].class));
  }

  private static int getattr(FuseOperations ops, long path, long stat) {
    CallContext ctx = new CallContext(Type.SINT, Type.POINTER, Type.POINTER);
    return (int) INVOKER.invokeN2(ctx, fn(ops, ops.getattr.offset()), path, stat);
  }

  @Test
  void requestContextOutsideARequestIsRefused() {
    // Before any mount libfuse has not even allocated its per-thread key: never read it blindly.
    assertThrows(IllegalStateException.class, RequestContext::current);
  }

  @Test
  void nullPathArrivesAsNull() {
    List<byte[]> seen = new ArrayList<>();
    RawFileSystem fs =
        new RawFileSystem() {
          @Override
          public int fsync(byte[] path, boolean dataOnly, long fh) {
            seen.add(path);
            return fh == 42 && dataOnly ? 0 : -Errnos.EINVAL;
          }
        };
    Dispatcher d = new Dispatcher(fs);
    FuseOperations ops = d.operations(true);
    long fi = zeroed(FileInfo.SIZEOF);
    IO.putLong(fi + FileInfo.FH, 42);
    CallContext ctx = new CallContext(Type.SINT, Type.POINTER, Type.SINT, Type.POINTER);
    assertEquals(0, (int) INVOKER.invokeN3(ctx, fn(ops, ops.fsync.offset()), 0L, 1, fi));
    Reference.reachabilityFence(d);
    assertNull(seen.get(0));
  }
}
