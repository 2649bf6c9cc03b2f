package org.latticefs.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.latticefs.fs.fuse.libfuse.DirFiller;
import org.latticefs.fs.fuse.libfuse.FileInfo;
import org.latticefs.fs.fuse.libfuse.RawFileSystem;
import org.latticefs.fs.fuse.libfuse.Stat;
import org.latticefs.fs.fuse.libfuse.StatVfs;
import org.latticefs.fs.fuse.libfuse.TimeSpec;

/**
 * An {@link InodeFileSystem} served through the path-based libfuse2 binding: each path is resolved
 * component by component with {@code lookup} (and the reference given back at once), so the same
 * filesystem code answers on both bindings and the binding benchmark compares bindings alone. It
 * registers the operations {@code JnrFuseAdapter} does, so every binding gets the same requests.
 * Open files' handles are their node ids.
 */
public final class InodeRawFs implements RawFileSystem {
  private static final Caller ROOT = new Caller(0, 0, 0);

  private final InodeFileSystem fs;

  public InodeRawFs(InodeFileSystem fs) {
    this.fs = fs;
  }

  /** The node at {@code path}, or {@code -errno}. */
  private long resolve(byte[] path, int end) {
    long node = 1;
    int i = 1;
    Entry e = new Entry();
    while (i < end) {
      int slash = i;
      while (slash < end && path[slash] != '/') {
        slash++;
      }
      int r = fs.lookup(ROOT, node, Arrays.copyOfRange(path, i, slash), e.clear());
      if (r != 0) {
        return r;
      }
      fs.forget(e.node, 1);
      node = e.node;
      i = slash + 1;
    }
    return node;
  }

  private static int lastSlash(byte[] path) {
    for (int i = path.length - 1; i >= 0; i--) {
      if (path[i] == '/') {
        return i;
      }
    }
    return -1;
  }

  private long parentOf(byte[] path) {
    return resolve(path, Math.max(1, lastSlash(path)));
  }

  private static byte[] nameOf(byte[] path) {
    return Arrays.copyOfRange(path, lastSlash(path) + 1, path.length);
  }

  private static void copy(Attr a, Stat st) {
    st.setIno(a.ino).setMode(a.mode).setNlink(a.nlink).setUid(a.uid).setGid(a.gid);
    st.setSize(a.size).setBlocks(a.blocks).setBlksize(a.blksize).setRdev(a.rdev);
    st.setAtime(a.atime, a.atimeNsec).setMtime(a.mtime, a.mtimeNsec).setCtime(a.ctime, a.ctimeNsec);
  }

  @Override
  public int getattr(byte[] path, Stat stat) {
    long node = resolve(path, path.length);
    return node < 0 ? (int) node : fgetattr(path, stat, node);
  }

  @Override
  public int fgetattr(byte[] path, Stat stat, long fh) {
    Attr a = new Attr();
    int r = fs.getattr(ROOT, fh, -1, a);
    if (r == 0) {
      copy(a, stat);
    }
    return r;
  }

  @Override
  public int mkdir(byte[] path, int mode) {
    long parent = parentOf(path);
    if (parent < 0) {
      return (int) parent;
    }
    Entry e = new Entry();
    int r = fs.mkdir(ROOT, parent, nameOf(path), mode, e);
    if (r == 0) {
      fs.forget(e.node, 1);
    }
    return r;
  }

  @Override
  public int unlink(byte[] path) {
    long parent = parentOf(path);
    return parent < 0 ? (int) parent : fs.unlink(ROOT, parent, nameOf(path));
  }

  @Override
  public int rmdir(byte[] path) {
    long parent = parentOf(path);
    return parent < 0 ? (int) parent : fs.rmdir(ROOT, parent, nameOf(path));
  }

  @Override
  public int rename(byte[] from, byte[] to) {
    long p1 = parentOf(from);
    long p2 = parentOf(to);
    if (p1 < 0 || p2 < 0) {
      return (int) Math.min(p1, p2);
    }
    return fs.rename(ROOT, p1, nameOf(from), p2, nameOf(to), 0);
  }

  private int setattr(byte[] path, SetAttr change) {
    long node = resolve(path, path.length);
    return node < 0 ? (int) node : fs.setattr(ROOT, node, change, new Attr());
  }

  @Override
  public int chmod(byte[] path, int mode) {
    return setattr(path, new SetAttr(Abi.FATTR_MODE, -1, 0, 0, 0, 0, 0, mode, 0, 0));
  }

  @Override
  public int truncate(byte[] path, long size) {
    return setattr(path, new SetAttr(Abi.FATTR_SIZE, -1, size, 0, 0, 0, 0, 0, 0, 0));
  }

  @Override
  public int utimens(byte[] path, TimeSpec atime, TimeSpec mtime) {
    if (mtime.isOmit()) {
      return resolve(path, path.length) < 0 ? -2 : 0;
    }
    int valid = Abi.FATTR_MTIME | (mtime.isNow() ? Abi.FATTR_MTIME_NOW : 0);
    return setattr(
        path, new SetAttr(valid, -1, 0, 0, 0, mtime.seconds(), (int) mtime.nanos(), 0, 0, 0));
  }

  @Override
  public int open(byte[] path, FileInfo fi) {
    long node = resolve(path, path.length);
    if (node < 0) {
      return (int) node;
    }
    Opened o = new Opened();
    int r = fs.open(ROOT, node, fi.flags(), o);
    if (r == 0) {
      fi.setFh(o.fh);
    }
    return r;
  }

  @Override
  public int create(byte[] path, int mode, FileInfo fi) {
    long parent = parentOf(path);
    if (parent < 0) {
      return (int) parent;
    }
    Entry e = new Entry();
    Opened o = new Opened();
    int r = fs.create(ROOT, parent, nameOf(path), mode, fi.flags(), e, o);
    if (r == 0) {
      fs.forget(e.node, 1);
      fi.setFh(o.fh);
    }
    return r;
  }

  @Override
  public int read(byte[] path, ByteBuffer dst, long offset, long fh) {
    return fs.read(ROOT, fh, fh, offset, dst);
  }

  @Override
  public int write(byte[] path, ByteBuffer src, long offset, long fh) {
    return fs.write(ROOT, fh, fh, offset, src);
  }

  @Override
  public int statfs(byte[] path, StatVfs stat) {
    StatFs s = new StatFs();
    int r = fs.statfs(ROOT, 1, s);
    if (r == 0) {
      stat.setBlockSize(s.bsize).setBlocks(s.blocks, s.bfree, s.bavail);
      stat.setFiles(s.files, s.ffree, s.ffree).setNameMax(s.namelen);
    }
    return r;
  }

  @Override
  public int flush(byte[] path, FileInfo fi) {
    return fs.flush(ROOT, fi.fh(), fi.fh());
  }

  @Override
  public int release(byte[] path, FileInfo fi) {
    return fs.release(fi.fh(), fi.fh(), fi.flags());
  }

  @Override
  public int fsync(byte[] path, boolean dataOnly, long fh) {
    return fs.fsync(ROOT, fh, fh, dataOnly);
  }

  @Override
  public int opendir(byte[] path, FileInfo fi) {
    long node = resolve(path, path.length);
    if (node < 0) {
      return (int) node;
    }
    fi.setFh(node);
    return 0;
  }

  @Override
  public int readdir(byte[] path, DirFiller filler, long offset, long fh) {
    // Lists through a plain (non-plus) DirList into a scratch reply, then hands the names over.
    ByteBuffer scratch = ByteBuffer.allocate(1 << 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    Out out = new Out(scratch).begin(0);
    DirList list = new DirList().reset(out, 1 << 15, false, Timeouts.LIBFUSE_DEFAULT);
    int r = fs.readdir(ROOT, fh, fh, offset, list);
    if (r != 0) {
      return r;
    }
    int end = out.position();
    int at = Abi.OUT_HEADER;
    while (at < end) {
      long ino = scratch.getLong(at);
      long next = scratch.getLong(at + 8);
      int len = scratch.getInt(at + 16);
      int type = scratch.getInt(at + 20);
      byte[] name = new byte[len];
      scratch.get(at + Abi.DIRENT, name);
      if (!filler.add(name, ino, type << 12, next)) {
        break;
      }
      at += DirList.align8(Abi.DIRENT + len);
    }
    return 0;
  }

  @Override
  public int releasedir(byte[] path, FileInfo fi) {
    return 0;
  }
}
