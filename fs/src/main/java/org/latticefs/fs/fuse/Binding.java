package org.latticefs.fs.fuse;

/**
 * Which FUSE binding serves a mount: {@link #LIBFUSE}, fs's byte-name binding of libfuse2's
 * path-based API ({@code fs.fuse.libfuse}), or {@link #KERNEL}, the kernel's protocol spoken on
 * {@code /dev/fuse} directly ({@code fs.fuse.kernel}: 1 MiB writes, READDIRPLUS, notifications;
 * needs root for {@code mount(2)}).
 */
public enum Binding {
  LIBFUSE,
  KERNEL
}
