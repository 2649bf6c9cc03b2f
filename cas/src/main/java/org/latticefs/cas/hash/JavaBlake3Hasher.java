package org.latticefs.cas.hash;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.latticefs.cas.BlobRef;

/** The pure-Java fallback: BouncyCastle's {@link Blake3Digest}. */
final class JavaBlake3Hasher implements Blake3Hasher {
  private Blake3Digest digest = new Blake3Digest(256);
  private byte[] scratch;
  private boolean closed;

  @Override
  public void update(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    checkOpen();
    digest.update(data, off, len);
  }

  @Override
  public void update(ByteBuffer data) {
    checkOpen();
    if (data.hasArray()) {
      int n = data.remaining();
      digest.update(data.array(), data.arrayOffset() + data.position(), n);
      data.position(data.limit());
      return;
    }
    if (scratch == null) {
      scratch = new byte[64 * 1024];
    }
    while (data.hasRemaining()) {
      int n = Math.min(scratch.length, data.remaining());
      data.get(scratch, 0, n);
      digest.update(scratch, 0, n);
    }
  }

  @Override
  public BlobRef finish() {
    checkOpen();
    byte[] out = new byte[BlobRef.LENGTH];
    // doFinal resets the digest; keep the documented "finish does not reset" contract by
    // hashing a copy.
    Blake3Digest copy = new Blake3Digest(digest);
    copy.doFinal(out, 0);
    return new BlobRef(out);
  }

  @Override
  public void reset() {
    checkOpen();
    // Blake3Digest.reset() (BouncyCastle 1.87) leaves state behind once a message passed 1 KiB:
    // the next hash comes out wrong. A fresh digest is always right.
    digest = new Blake3Digest(256);
  }

  @Override
  public void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("hasher is closed");
    }
  }
}
