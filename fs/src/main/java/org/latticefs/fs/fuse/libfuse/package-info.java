/**
 * A binding of libfuse2's high-level API ({@code libfuse.so.2}, 2.9) in which every name is bytes.
 *
 * <p>jnr-fuse hands paths to Java as {@code String}s decoded with the default charset, so invalid
 * UTF-8 becomes U+FFFD and {@code caf\xe9.txt} and {@code caf\xe8.txt} become one file. Here a
 * {@link org.latticefs.fs.fuse.libfuse.RawFileSystem} receives {@code byte[]} paths, names, xattr
 * names and symlink targets exactly as the kernel sent them, and lists directories with byte names
 * ({@link org.latticefs.fs.fuse.libfuse.DirFiller}).
 *
 * <h2>Using it</h2>
 *
 * <pre>{@code
 * LibfuseMount mount = LibfuseMount.mount(myRawFs, Path.of("/mnt/x"),
 *     MountOptions.of("big_writes,max_write=131072,use_ino,default_permissions,fsname=lattice"));
 * ...
 * mount.unmount();   // fusermount -u, then waits for the last callback and destroy()
 * }</pre>
 *
 * <h2>What it binds</h2>
 *
 * {@code struct fuse_operations} of libfuse 2.9 ({@code FUSE_USE_VERSION} 26–29), as a jnr-ffi
 * {@code Struct} ({@code FuseOperations}) whose members point to jnr-ffi callbacks whose string
 * arguments are raw pointers ({@code Callbacks}); a {@code Dispatcher} turns them into calls of the
 * filesystem. libfuse's functions are resolved with {@code dlvsym} by name and symbol version
 * ({@code Libfuse}): a plain lookup of {@code fuse_new} returns a 2.2-era compatibility entry. The
 * native structures the filesystem fills are small windows onto native memory ({@link
 * org.latticefs.fs.fuse.libfuse.Stat}, {@link org.latticefs.fs.fuse.libfuse.StatVfs}, {@link
 * org.latticefs.fs.fuse.libfuse.FileInfo}, {@link org.latticefs.fs.fuse.libfuse.ReplyBuffer}), laid
 * out for x86_64 and aarch64 and checked against the C compiler by {@code LayoutTest}. jnr-fuse's
 * {@code Struct} classes were not reused: each one allocates a member object per field on every
 * call, and its {@code FuseFileInfo} has no {@code direct_io}/{@code keep_cache} bits.
 *
 * <h2>Flags</h2>
 *
 * <ul>
 *   <li>{@code flag_utime_omit_ok}, always: {@code UTIME_OMIT} and {@code UTIME_NOW} reach {@code
 *       utimens} intact ({@link org.latticefs.fs.fuse.libfuse.TimeSpec}). Without it libfuse2 drops
 *       a {@code utimensat} that sets only one of the two times, so {@code touch -m} and tar's
 *       extract leave mtimes unchanged.
 *   <li>{@code flag_nullpath_ok}, always: operations on an open file whose name is gone get a null
 *       path instead of failing, which {@code -o hard_remove} needs.
 *   <li>{@code flag_nopath}, on request ({@link
 *       org.latticefs.fs.fuse.libfuse.MountOptions#nopath()}): operations on open files get no path
 *       at all, sparing libfuse a path lookup per read and write.
 * </ul>
 *
 * <h2>Threading</h2>
 *
 * Requests are served by Java threads of the binding's own ({@code SessionLoop}), started on demand
 * up to {@link org.latticefs.fs.fuse.libfuse.MountOptions#maxWorkers()}, not by {@code
 * fuse_loop_mt}, whose native threads come and go and would each be attached to the JVM anew.
 * Callbacks run concurrently on any of these threads; which one serves a request is arbitrary, so a
 * filesystem keeps no per-request state in thread-locals, and asks {@link
 * org.latticefs.fs.fuse.libfuse.RequestContext#current()} (libfuse's {@code fuse_get_context()})
 * who the caller is. No JVM shutdown hook is registered: see {@link
 * org.latticefs.fs.fuse.libfuse.LibfuseMount}.
 *
 * <h2>Native memory: who owns what</h2>
 *
 * <ul>
 *   <li>libfuse lends, for one callback: paths and names (copied into {@code byte[]} before the
 *       filesystem sees them), the {@code stat}, {@code statvfs}, {@code fuse_file_info} and reply
 *       buffers, and the {@code ByteBuffer}s of read, write and setxattr. Nothing may keep them.
 *   <li>The binding owns, and frees: each worker's receive buffer (until the worker exits), one
 *       scratch block per {@code readdir} call (until it returns), the mount point's C string
 *       (until libfuse's unmount), the argument vector and the operations table (until {@code
 *       fuse_new} has copied them).
 *   <li>jnr-ffi owns the callbacks' native trampolines and frees each once its Java object is
 *       collected; the mount keeps them reachable until {@code fuse_destroy} has returned.
 * </ul>
 */
package org.latticefs.fs.fuse.libfuse;
