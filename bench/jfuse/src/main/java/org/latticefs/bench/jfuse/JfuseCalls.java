package org.latticefs.bench.jfuse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.cryptomator.jfuse.api.DirFiller;
import org.cryptomator.jfuse.api.Errno;
import org.cryptomator.jfuse.api.FileInfo;

/** Turns the shared bench trees' results into jfuse's callback types (handles, fillers, times). */
final class JfuseCalls {
  private JfuseCalls() {}

  /** Stores a handle in {@code fi} and returns 0, or returns the negative errno unchanged. */
  static int handle(long fhOrErrno, FileInfo fi) {
    if (fhOrErrno < 0) {
      return (int) fhOrErrno;
    }
    fi.setFh(fhOrErrno);
    return 0;
  }

  /** Runs {@code list} with a consumer that fills {@code filler}; -EIO if the filler fails. */
  static int fill(Errno errno, DirFiller filler, ToIntFunction<Consumer<String>> list) {
    try {
      return list.applyAsInt(
          name -> {
            try {
              filler.fill(name);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      return -errno.eio();
    }
  }

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }
}
