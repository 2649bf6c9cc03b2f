package org.latticefs.fs.fuse.kernel;

/**
 * How {@link KernelMount} mounts and what it offers the kernel at INIT.
 *
 * @param maxWrite the largest write request, in bytes: a multiple of 4,096 from 4 KiB to 1 MiB (the
 *     kernel's {@code max_pages} limit is 256 pages); also the largest read
 * @param readdirplus offer READDIRPLUS (listings carry attributes; the kernel decides per listing)
 * @param timeouts entry and attribute cache timeouts of every answer
 * @param maxWorkers the most threads reading the device at once (started as requests come)
 * @param allowOther let users other than the mounting one in ({@code allow_other})
 * @param defaultPermissions the kernel checks permissions from the modes ({@code
 *     default_permissions})
 * @param autoInvalData the kernel drops a file's cached pages when its size or mtime changes
 * @param fsName the mount's source, as {@code df} and {@code /proc/mounts} show it
 * @param subtype the mount type's subtype: the type is {@code fuse.}subtype
 */
public record KernelOptions(
    int maxWrite,
    boolean readdirplus,
    Timeouts timeouts,
    int maxWorkers,
    boolean allowOther,
    boolean defaultPermissions,
    boolean autoInvalData,
    String fsName,
    String subtype) {

  public static final int MAX_WRITE_LIMIT = 1 << 20;

  public KernelOptions {
    if (maxWrite < 4096 || maxWrite > MAX_WRITE_LIMIT || maxWrite % 4096 != 0) {
      throw new IllegalArgumentException("maxWrite must be a multiple of 4096 in 4 KiB..1 MiB");
    }
    if (maxWorkers < 1 || maxWorkers > 256) {
      throw new IllegalArgumentException("maxWorkers must be 1..256");
    }
    for (String s : new String[] {fsName, subtype}) {
      if (s.isEmpty() || !s.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException("fsName and subtype: letters, digits, . _ - only");
      }
    }
  }

  /**
   * 1 MiB writes, readdirplus, 1 s timeouts (libfuse2's), up to 16 workers, default permissions,
   * not allow_other.
   */
  public static KernelOptions defaults(String fsName) {
    return new KernelOptions(
        MAX_WRITE_LIMIT, true, Timeouts.LIBFUSE_DEFAULT, 16, false, true, false, fsName, fsName);
  }

  public KernelOptions withAllowOther(boolean allow) {
    return new KernelOptions(
        maxWrite,
        readdirplus,
        timeouts,
        maxWorkers,
        allow,
        defaultPermissions,
        autoInvalData,
        fsName,
        subtype);
  }

  public KernelOptions withTimeouts(Timeouts t) {
    return new KernelOptions(
        maxWrite,
        readdirplus,
        t,
        maxWorkers,
        allowOther,
        defaultPermissions,
        autoInvalData,
        fsName,
        subtype);
  }

  /** The receive buffer each worker needs: the largest write request plus its headers. */
  int receiveBufferSize() {
    return maxWrite + 4096;
  }
}
