package org.latticefs.gc.pin;

import java.io.IOException;
import org.latticefs.cas.ManifestRoots;

/**
 * This node's hash pins as roots of the collector: {@link #stored()} (trees that are whole here: a
 * node of one that cannot be read is a problem that stops the sweep) and {@link #pending()} (trees
 * still being fetched: what is here of them is kept, what is not yet here is no problem).
 *
 * <p>Inode pins add no roots: an inode pin names the current content of a file or folder, which the
 * filesystem's roots already name, every head of it. Reads the pins page by page from the root
 * store (streamed, see {@link PinBook#forEach}).
 */
public final class PinRoots {
  private final PinBook book;

  public PinRoots(PinBook book) {
    this.book = book;
  }

  /** Hash pins marked {@code stored}. */
  public ManifestRoots stored() {
    return sink -> roots(PinState.STORED, sink);
  }

  /** Hash pins still {@code pending}. */
  public ManifestRoots pending() {
    return sink -> roots(PinState.PENDING, sink);
  }

  private void roots(PinState state, ManifestRoots.Sink sink) throws IOException {
    book.forEach(
        pin -> {
          if (pin.state() == state && pin.target() instanceof PinTarget.Manifest m) {
            sink.root(m.ref());
          }
        });
  }
}
