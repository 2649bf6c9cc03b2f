package org.latticefs.cas.hash;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.latticefs.cas.BlobRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BLAKE3-256 hashing, the only hash Lattice uses.
 *
 * <h2>Implementations</h2>
 *
 * The implementation is chosen once per JVM, on first use, and logged once:
 *
 * <ul>
 *   <li><b>native</b>: the official C implementation with SIMD, bundled in the jar ({@link
 *       NativeBlake3}), used when it loads and passes a self-check on official test vectors;
 *   <li><b>java</b>: BouncyCastle, about 7 times slower, used otherwise.
 * </ul>
 *
 * System property {@value #PROPERTY} forces one: {@code java}, or {@code native}, in which case an
 * unusable native library makes every method here throw {@link IllegalStateException} saying why,
 * rather than silently running slower. {@link #implementation()} says which one is in use. All
 * implementations pass the official test vectors and produce identical output.
 *
 * <p>Thread-safe: every method may be called from any thread; each {@link Blake3Hasher} belongs to
 * one thread at a time.
 */
public final class Blake3 {
  /** System property that forces an implementation: {@code java} or {@code native}. */
  public static final String PROPERTY = "lattice.blake3";

  /** Read size for streams and files: large enough that per-call costs vanish. */
  static final int READ_SIZE = 1 << 20;

  private static final Logger LOG = LoggerFactory.getLogger(Blake3.class);

  private Blake3() {}

  /** The outcome of choosing an implementation. */
  sealed interface Choice {
    /** What {@link #implementation()} reports, or the failure. */
    String description();

    /** The native library to use, null for Java; throws if this choice failed. */
    NativeBlake3 nativeLibOrThrow();

    /** The native library is in use. */
    record Native(NativeBlake3 lib) implements Choice {
      @Override
      public String description() {
        return lib.description();
      }

      @Override
      public NativeBlake3 nativeLibOrThrow() {
        return lib;
      }
    }

    /** The Java fallback is in use, for the stated reason. */
    record Java(String reason) implements Choice {
      @Override
      public String description() {
        return "java (BouncyCastle; " + reason + ")";
      }

      @Override
      public NativeBlake3 nativeLibOrThrow() {
        return null;
      }
    }

    /** The forced choice cannot be honoured: every call fails with {@code message}. */
    record Failed(String message) implements Choice {
      @Override
      public String description() {
        return message;
      }

      @Override
      public NativeBlake3 nativeLibOrThrow() {
        throw new IllegalStateException(message);
      }
    }
  }

  /** Loads the native implementation; {@link NativeBlake3#load()} in production. */
  interface NativeLoader {
    NativeBlake3 load() throws NativeBlake3.UnavailableException;
  }

  /** Applies the {@value #PROPERTY} rules to {@code forced} (null when unset). */
  static Choice choose(String forced, NativeLoader loader) {
    String mode = forced == null ? "" : forced.trim().toLowerCase(Locale.ROOT);
    switch (mode) {
      case "java":
        return new Choice.Java("forced by -D" + PROPERTY + "=java");
      case "native":
        try {
          return new Choice.Native(loader.load());
        } catch (NativeBlake3.UnavailableException e) {
          return new Choice.Failed(
              "-D" + PROPERTY + "=native, but native BLAKE3 is unavailable: " + e.getMessage());
        }
      case "":
        try {
          return new Choice.Native(loader.load());
        } catch (NativeBlake3.UnavailableException e) {
          return new Choice.Java("fallback: " + e.getMessage());
        }
      default:
        return new Choice.Failed(
            "-D" + PROPERTY + " must be 'java' or 'native', not '" + forced.trim() + "'");
    }
  }

  private static final class Chosen {
    static final Choice CHOICE = announce(choose(System.getProperty(PROPERTY), NativeBlake3::load));

    private static Choice announce(Choice choice) {
      if (choice instanceof Choice.Native) {
        LOG.info("BLAKE3: {}", choice.description());
      } else if (choice instanceof Choice.Java) {
        LOG.warn("BLAKE3: {}", choice.description());
      } else {
        LOG.error("BLAKE3: {}", choice.description());
      }
      return choice;
    }
  }

  /** The native library in use, or null for Java; throws if the forced choice failed. */
  static NativeBlake3 nativeLib() {
    return Chosen.CHOICE.nativeLibOrThrow();
  }

  /** The native library in use, or null when it is not (never throws). */
  public static NativeBlake3 nativeLibIfChosen() {
    return Chosen.CHOICE instanceof Choice.Native n ? n.lib() : null;
  }

  /** A fresh hasher. The caller closes it (an unclosed one is freed after it is unreachable). */
  public static Blake3Hasher newHasher() {
    NativeBlake3 lib = nativeLib();
    return lib != null ? lib.newHasher() : new JavaBlake3Hasher();
  }

  /**
   * A hasher of the pure-Java implementation, whatever {@link #implementation()} says: for
   * benchmarks and cross-checks. Several times slower than the native one.
   */
  public static Blake3Hasher newJavaHasher() {
    return new JavaBlake3Hasher();
  }

  /** The hash of {@code data[off, off+len)}. */
  public static BlobRef hash(byte[] data, int off, int len) {
    NativeBlake3 lib = nativeLib();
    if (lib != null) {
      return lib.hash(data, off, len);
    }
    try (Blake3Hasher h = new JavaBlake3Hasher()) {
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
    NativeBlake3 lib = nativeLib();
    if (lib != null) {
      return lib.hash(data);
    }
    try (Blake3Hasher h = new JavaBlake3Hasher()) {
      h.update(data);
      return h.finish();
    }
  }

  /**
   * The hash of a whole file, as {@code b3sum} prints it. Reads the file sequentially in 1 MiB
   * blocks straight into native memory (no copy into the Java heap). A file written to meanwhile
   * gives the hash of the bytes as they were read.
   *
   * @throws IOException if the file cannot be opened or read (e.g. missing, a directory)
   */
  public static BlobRef hashFile(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return hash(channel);
    }
  }

  /**
   * The hash of everything a blocking {@code channel} yields until end of stream. The caller closes
   * the channel; on return it is at end of stream.
   */
  public static BlobRef hash(ReadableByteChannel channel) throws IOException {
    NativeBlake3 lib = nativeLib();
    // Native hashes from a direct buffer in place; Java needs a heap array anyway.
    ByteBuffer buffer = lib != null ? Buffers.take() : ByteBuffer.allocate(READ_SIZE);
    try (Blake3Hasher h = lib != null ? lib.newHasher() : new JavaBlake3Hasher()) {
      buffer.clear();
      while (channel.read(buffer) >= 0) {
        if (!buffer.hasRemaining()) {
          h.update(buffer.flip());
          buffer.clear();
        }
      }
      h.update(buffer.flip());
      return h.finish();
    } finally {
      if (lib != null) {
        Buffers.give(buffer);
      }
    }
  }

  /**
   * The hash of everything {@code in} yields until end of stream (e.g. standard input for {@code
   * lattice-fs hash -}). The caller closes the stream.
   */
  public static BlobRef hash(InputStream in) throws IOException {
    byte[] buffer = new byte[READ_SIZE];
    try (Blake3Hasher h = newHasher()) {
      int filled = 0;
      int n;
      while ((n = in.read(buffer, filled, buffer.length - filled)) >= 0) {
        filled += n;
        if (filled == buffer.length) {
          h.update(buffer, 0, filled);
          filled = 0;
        }
      }
      h.update(buffer, 0, filled);
      return h.finish();
    }
  }

  /**
   * A short description of the implementation in use, for logs and {@code --version}: starts with
   * {@code native} or {@code java}.
   *
   * @throws IllegalStateException if {@value #PROPERTY} forces an implementation that is unusable
   */
  public static String implementation() {
    nativeLib();
    return Chosen.CHOICE.description();
  }

  /** Whether the fast native implementation is in use. */
  public static boolean isNative() {
    return nativeLib() != null;
  }

  /**
   * A few reusable 1 MiB direct read buffers: direct memory is slow to allocate and only returns to
   * the system after a garbage collection, so file hashing recycles it.
   */
  private static final class Buffers {
    private static final BlockingQueue<ByteBuffer> FREE = new ArrayBlockingQueue<>(4);

    static ByteBuffer take() {
      ByteBuffer buffer = FREE.poll();
      return buffer != null ? buffer : ByteBuffer.allocateDirect(READ_SIZE);
    }

    static void give(ByteBuffer buffer) {
      buffer.clear();
      FREE.offer(buffer);
    }
  }
}
