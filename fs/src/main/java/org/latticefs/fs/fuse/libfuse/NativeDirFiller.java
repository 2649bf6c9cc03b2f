package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.Type;

/**
 * A {@link DirFiller} that calls libfuse's {@code fuse_fill_dir_t} for one {@code readdir} call.
 *
 * <p>Owns one native scratch block (a NUL-terminated name and a {@code struct stat}), allocated at
 * the first entry and freed by {@link #close()}, which the dispatcher calls when the callback
 * returns.
 */
final class NativeDirFiller implements DirFiller, AutoCloseable {
  private static final MemoryIO IO = MemoryIO.getInstance();
  private static final Invoker INVOKER = Invoker.getInstance();

  /** {@code int (*fuse_fill_dir_t)(void *buf, const char *name, const struct stat *, off_t)}. */
  private static final CallContext FILL =
      new CallContext(Type.SINT, Type.POINTER, Type.POINTER, Type.POINTER, Type.SINT64);

  private static final int STAT_AT = (MAX_NAME + 1 + 7) & ~7;

  private final long buf;
  private final long filler;
  private long scratch;

  NativeDirFiller(long buf, long filler) {
    this.buf = buf;
    this.filler = filler;
  }

  @Override
  public boolean add(byte[] name, long nextOffset) {
    long at = name(name);
    return (int) INVOKER.invokeN4(FILL, filler, buf, at, 0L, nextOffset) == 0;
  }

  @Override
  public boolean add(byte[] name, long ino, int mode, long nextOffset) {
    long at = name(name);
    Stat stat = new Stat(at + STAT_AT).clear();
    stat.setIno(ino).setMode(mode & Stat.S_IFMT);
    return (int) INVOKER.invokeN4(FILL, filler, buf, at, at + STAT_AT, nextOffset) == 0;
  }

  private long name(byte[] name) {
    if (name.length > MAX_NAME || !CStrings.isComponent(name)) {
      throw new IllegalArgumentException(
          "not a directory entry name (" + name.length + " bytes, empty or with NUL or '/')");
    }
    if (scratch == 0) {
      scratch = IO.allocateMemory(STAT_AT + Stat.size(), false);
      if (scratch == 0) {
        throw new OutOfMemoryError("malloc for a directory entry failed");
      }
    }
    IO.putByteArray(scratch, name, 0, name.length);
    IO.putByte(scratch + name.length, (byte) 0);
    return scratch;
  }

  @Override
  public void close() {
    if (scratch != 0) {
      IO.freeMemory(scratch);
      scratch = 0;
    }
  }
}
