package org.latticefs.cas;

import java.nio.ByteBuffer;

/**
 * BLAKE3-256 hashing, the only hash Lattice uses.
 *
 * <p>The implementation is chosen once per JVM: see {@link #implementation()}. All implementations
 * pass the official test vectors and produce identical output.
 */
public final class Blake3 {
  private Blake3() {}

  /** A fresh hasher. The caller closes it. */
  public static Blake3Hasher newHasher() {
    return new JavaBlake3Hasher();
  }

  /** The hash of {@code data[off, off+len)}. */
  public static BlobRef hash(byte[] data, int off, int len) {
    try (Blake3Hasher h = newHasher()) {
      h.update(data, off, len);
      return h.finish();
    }
  }

  /** The hash of {@code data}. */
  public static BlobRef hash(byte[] data) {
    return hash(data, 0, data.length);
  }

  /** The hash of the remaining bytes of {@code data}; its position ends at its limit. */
  public static BlobRef hash(ByteBuffer data) {
    try (Blake3Hasher h = newHasher()) {
      h.update(data);
      return h.finish();
    }
  }

  /** A short description of the implementation in use, for logs and {@code --version}. */
  public static String implementation() {
    return "java (BouncyCastle)";
  }
}
