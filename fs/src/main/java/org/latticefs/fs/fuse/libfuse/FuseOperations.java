package org.latticefs.fs.fuse.libfuse;

import jnr.ffi.Runtime;
import jnr.ffi.Struct;

/**
 * libfuse 2.9's {@code struct fuse_operations} ({@code fuse.h}, the same for {@code
 * FUSE_USE_VERSION} 26 to 29): 38 function pointers, one word of flag bits, 6 more function
 * pointers; 360 bytes on 64-bit targets.
 *
 * <p>Members this binding never registers ({@code getdir} and {@code utime}, superseded; {@code
 * lock}, {@code bmap}, {@code ioctl}, {@code poll}, {@code write_buf}, {@code read_buf}, {@code
 * flock}) are pointers left NULL, so libfuse answers them itself ({@code ENOSYS}, or its fallback).
 * {@code LayoutTest} checks every offset against {@code offsetof} from the C compiler.
 *
 * <h2>Flags</h2>
 *
 * The word after {@code bmap} holds {@code flag_nullpath_ok} (bit 0), {@code flag_nopath} (bit 1)
 * and {@code flag_utime_omit_ok} (bit 2), then 29 reserved bits; the next pointer is aligned to 8,
 * leaving 4 bytes of padding. (GCC allocates bit-fields from the least significant bit on the
 * little-endian targets this binding supports.)
 *
 * <p>libfuse copies the structure in {@code fuse_new}, so its memory may be freed afterwards; the
 * callbacks it points to must stay alive until {@code fuse_destroy} has returned.
 */
final class FuseOperations extends Struct {
  static final int FLAG_NULLPATH_OK = 1;
  static final int FLAG_NOPATH = 1 << 1;
  static final int FLAG_UTIME_OMIT_OK = 1 << 2;

  final Function<Callbacks.PathPointer> getattr = function(Callbacks.PathPointer.class);
  final Function<Callbacks.PathBuffer> readlink = function(Callbacks.PathBuffer.class);
  final Pointer getdir = new Pointer();
  final Function<Callbacks.Mknod> mknod = function(Callbacks.Mknod.class);
  final Function<Callbacks.PathMode> mkdir = function(Callbacks.PathMode.class);
  final Function<Callbacks.Path> unlink = function(Callbacks.Path.class);
  final Function<Callbacks.Path> rmdir = function(Callbacks.Path.class);
  final Function<Callbacks.PathPointer> symlink = function(Callbacks.PathPointer.class);
  final Function<Callbacks.PathPointer> rename = function(Callbacks.PathPointer.class);
  final Function<Callbacks.PathPointer> link = function(Callbacks.PathPointer.class);
  final Function<Callbacks.PathMode> chmod = function(Callbacks.PathMode.class);
  final Function<Callbacks.Chown> chown = function(Callbacks.Chown.class);
  final Function<Callbacks.Truncate> truncate = function(Callbacks.Truncate.class);
  final Pointer utime = new Pointer();
  final Function<Callbacks.PathInfo> open = function(Callbacks.PathInfo.class);
  final Function<Callbacks.ReadWrite> read = function(Callbacks.ReadWrite.class);
  final Function<Callbacks.ReadWrite> write = function(Callbacks.ReadWrite.class);
  final Function<Callbacks.PathPointer> statfs = function(Callbacks.PathPointer.class);
  final Function<Callbacks.PathInfo> flush = function(Callbacks.PathInfo.class);
  final Function<Callbacks.PathInfo> release = function(Callbacks.PathInfo.class);
  final Function<Callbacks.Fsync> fsync = function(Callbacks.Fsync.class);
  final Function<Callbacks.Setxattr> setxattr = function(Callbacks.Setxattr.class);
  final Function<Callbacks.Getxattr> getxattr = function(Callbacks.Getxattr.class);
  final Function<Callbacks.PathBuffer> listxattr = function(Callbacks.PathBuffer.class);
  final Function<Callbacks.PathPointer> removexattr = function(Callbacks.PathPointer.class);
  final Function<Callbacks.PathInfo> opendir = function(Callbacks.PathInfo.class);
  final Function<Callbacks.Readdir> readdir = function(Callbacks.Readdir.class);
  final Function<Callbacks.PathInfo> releasedir = function(Callbacks.PathInfo.class);
  final Function<Callbacks.Fsync> fsyncdir = function(Callbacks.Fsync.class);
  final Function<Callbacks.Init> init = function(Callbacks.Init.class);
  final Function<Callbacks.Destroy> destroy = function(Callbacks.Destroy.class);
  final Function<Callbacks.PathMode> access = function(Callbacks.PathMode.class);
  final Function<Callbacks.Create> create = function(Callbacks.Create.class);
  final Function<Callbacks.Ftruncate> ftruncate = function(Callbacks.Ftruncate.class);
  final Function<Callbacks.Fgetattr> fgetattr = function(Callbacks.Fgetattr.class);
  final Pointer lock = new Pointer();
  final Function<Callbacks.PathPointer> utimens = function(Callbacks.PathPointer.class);
  final Pointer bmap = new Pointer();
  final Unsigned32 flags = new Unsigned32();
  final Pointer ioctl = new Pointer();
  final Pointer poll = new Pointer();
  final Pointer writeBuf = new Pointer();
  final Pointer readBuf = new Pointer();
  final Pointer flock = new Pointer();
  final Function<Callbacks.Fallocate> fallocate = function(Callbacks.Fallocate.class);

  FuseOperations(Runtime runtime) {
    super(runtime);
  }
}
