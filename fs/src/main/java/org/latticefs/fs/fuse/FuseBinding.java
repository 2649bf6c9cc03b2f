package org.latticefs.fs.fuse;

import java.nio.file.Path;
import org.latticefs.fs.core.LatticeFileSystem;

/**
 * A FUSE binding serving one {@link LatticeFileSystem}: the adapter between a FUSE library's
 * callbacks and the filesystem's path-based API. {@link FuseMount} runs it and takes the mount
 * down; a second binding implements this and needs nothing else changed. {@link LatticeFuse} is the
 * jnr-fuse one.
 */
public interface FuseBinding {
  /** The filesystem served (committed and flushed before an unmount). */
  LatticeFileSystem fileSystem();

  /**
   * Mounts at {@code mountPoint} with the library's {@code options} and serves requests until the
   * mount is taken down; blocks for that long. Throws (or returns early) if the mount fails; the
   * caller sees that through {@code /proc/self/mountinfo}.
   */
  void serve(Path mountPoint, String[] options) throws Exception;
}
