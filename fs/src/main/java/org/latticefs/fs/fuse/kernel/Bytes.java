package org.latticefs.fs.fuse.kernel;

/** A byte-string answer (a symlink target, an xattr value or name list), set by the filesystem. */
public final class Bytes {
  byte[] value;

  Bytes clear() {
    value = null;
    return this;
  }

  /** The answer; the array is not copied and must not change afterwards. */
  public void set(byte[] value) {
    this.value = value;
  }
}
