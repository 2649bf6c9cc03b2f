package org.latticefs.cas;

/**
 * Opens {@link Hold}s: what keeps blobs that nothing references yet from being removed. Implemented
 * by the stores that can remove blobs ({@code DiskBlobStore}, {@code MemoryBlobStore}); the
 * filesystem takes one per open file, the garbage collector respects them. Safe for concurrent use.
 */
public interface BlobHolder {
  /**
   * A new, empty hold; the caller closes it once the blobs it holds are referenced (or dropped).
   */
  Hold newHold();

  /**
   * A holder for a store nothing collects: its holds receive through {@code receiver} and keep
   * nothing, since no removal ever runs against that store (an in-memory filesystem in a test, a
   * tool that only reads). Never use it for a store a collector works on.
   */
  static BlobHolder none(BlobReceiver receiver) {
    return () ->
        new Hold() {
          @Override
          public BlobReceiver receiver() {
            return receiver;
          }

          @Override
          public void hold(BlobRef ref) {}

          @Override
          public void holdTree(BlobRef manifest) {}

          @Override
          public void close() {}
        };
  }
}
