package org.latticefs.cas.hash;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.Pinned;
import jnr.ffi.types.size_t;
import jnr.ffi.types.u_int64_t;
import jnr.ffi.types.uintptr_t;
import org.latticefs.cas.BlobRef;

/**
 * The official BLAKE3 C implementation (with its SSE2/SSE4.1/AVX2/AVX-512 or NEON code, chosen by
 * the C library for this CPU), called through jnr-ffi.
 *
 * <h2>Where the library comes from</h2>
 *
 * The build compiles {@code liblattice-blake3.so} from the BLAKE3 C sources (see {@code
 * src/main/native/build-blake3.sh}) into the jar at {@code native/linux-<arch>/}. {@link #load}
 * copies it to a private temporary file, loads it, deletes the file (the mapping stays) and checks
 * it against official test vectors before anyone uses it. System property {@value
 * #LIBRARY_PROPERTY} names an already-built library file to load instead.
 *
 * <h2>Memory</h2>
 *
 * Direct buffers are hashed in place by address. Heap arrays are pinned for the duration of the
 * call (JNI critical section, no copy), at most {@value #MAX_PINNED} bytes at a time so that a huge
 * array never holds the garbage collector back for long.
 *
 * <p>Thread-safe: the library keeps no state of its own; each hasher's state is separate.
 */
public final class NativeBlake3 {
  /**
   * System property: path of a prebuilt {@code liblattice-blake3.so} to use instead of the jar's.
   */
  static final String LIBRARY_PROPERTY = "lattice.blake3.library";

  /** Largest slice of a heap array pinned in one native call. */
  static final int MAX_PINNED = 1 << 20;

  private static final String LIBRARY_FILE = "liblattice-blake3.so";

  /**
   * The C entry points of {@code lattice_blake3.c}. Public only because jnr-ffi generates its
   * implementation in another class loader.
   */
  @IgnoreError
  public interface Library {
    String lattice_blake3_version();

    @size_t
    long lattice_blake3_simd_degree();

    @uintptr_t
    long lattice_blake3_new();

    void lattice_blake3_free(@uintptr_t long hasher);

    void lattice_blake3_reset(@uintptr_t long hasher);

    void lattice_blake3_update(
        @uintptr_t long hasher, @uintptr_t long base, @size_t long off, @size_t long len);

    void lattice_blake3_update(
        @uintptr_t long hasher, @Pinned @In byte[] base, @size_t long off, @size_t long len);

    void lattice_blake3_finalize(@uintptr_t long hasher, @Pinned @Out byte[] out);

    void lattice_blake3_hash(
        @uintptr_t long base, @size_t long off, @size_t long len, @Pinned @Out byte[] out);

    void lattice_blake3_hash(
        @Pinned @In byte[] base, @size_t long off, @size_t long len, @Pinned @Out byte[] out);

    @size_t
    long lattice_blake3_group_cvs(
        @uintptr_t long base,
        @size_t long off,
        @size_t long len,
        @u_int64_t long chunkCounter,
        @Pinned @Out byte[] cvs,
        @size_t long cvsOff);

    @size_t
    long lattice_blake3_group_cvs(
        @Pinned @In byte[] base,
        @size_t long off,
        @size_t long len,
        @u_int64_t long chunkCounter,
        @Pinned @Out byte[] cvs,
        @size_t long cvsOff);

    int lattice_blake3_outboard(
        @Pinned @In byte[] base,
        @size_t long off,
        @size_t long len,
        @Pinned @Out byte[] cvs,
        @Pinned @Out byte[] root);

    int lattice_blake3_root_from_cvs(
        @Pinned @In byte[] cvs, @u_int64_t long groups, @Pinned @Out byte[] root);

    int lattice_cdc_cut(
        @Pinned @In byte[] base,
        int off,
        int len,
        int min,
        int avg,
        int max,
        @Pinned @In long[] gear,
        @u_int64_t long maskSmall,
        @u_int64_t long maskLarge);
  }

  /** Why the native implementation could not be used. */
  static final class UnavailableException extends Exception {
    UnavailableException(String message, Throwable cause) {
      super(message, cause);
    }

    UnavailableException(String message) {
      super(message);
    }
  }

  /** Hasher states allocated and not yet freed, across all instances: lets tests see leaks. */
  private static final AtomicLong LIVE_STATES = new AtomicLong();

  private final Library lib;
  private final MemoryIO memory;
  private final String description;

  private NativeBlake3(Library lib, String source) {
    this.lib = lib;
    this.memory = MemoryIO.getInstance();
    long degree = lib.lattice_blake3_simd_degree();
    this.description =
        "native (BLAKE3 C "
            + lib.lattice_blake3_version()
            + ", "
            + simdName(degree)
            + ", via jnr-ffi, "
            + source
            + ")";
  }

  /**
   * Loads the library named by {@value #LIBRARY_PROPERTY}, else the one packaged in the jar, and
   * checks it.
   *
   * @throws UnavailableException if there is no library for this platform, it does not load, or it
   *     gets a test vector wrong
   */
  static NativeBlake3 load() throws UnavailableException {
    String override = System.getProperty(LIBRARY_PROPERTY);
    return override != null && !override.isBlank() ? load(Path.of(override)) : load(null);
  }

  /**
   * Loads and checks the library at {@code file}, or the one packaged in the jar when null.
   *
   * @throws UnavailableException as {@link #load()}
   */
  static NativeBlake3 load(Path file) throws UnavailableException {
    try {
      NativeBlake3 loaded;
      if (file != null) {
        Path absolute = file.toAbsolutePath();
        if (!Files.isRegularFile(absolute)) {
          throw new UnavailableException("no native BLAKE3 library file at " + absolute);
        }
        loaded = new NativeBlake3(link(absolute), absolute.toString());
      } else {
        loaded = loadPackaged();
      }
      loaded.selfCheck();
      return loaded;
    } catch (LinkageError | RuntimeException e) {
      // e.g. jffi's own stub failing to load on an unusual platform
      throw new UnavailableException("cannot use native BLAKE3: " + e, e);
    }
  }

  private static NativeBlake3 loadPackaged() throws UnavailableException {
    String platform = platform();
    String resource = "/native/" + platform + "/" + LIBRARY_FILE;
    Path temp = null;
    try (InputStream in = NativeBlake3.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new UnavailableException(
            "this build has no native BLAKE3 for "
                + platform
                + " (it is compiled when the build finds gcc and the BLAKE3 C sources:"
                + " apt-get install gcc librust-blake3-dev)");
      }
      // createTempFile makes the file readable and writable by its owner only.
      temp = Files.createTempFile("lattice-blake3-", ".so");
      Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
      try {
        return new NativeBlake3(link(temp), "bundled " + platform);
      } catch (UnavailableException e) {
        throw new UnavailableException(
            e.getMessage()
                + " (if "
                + temp.getParent()
                + " is mounted noexec, point -Djava.io.tmpdir elsewhere or set -D"
                + LIBRARY_PROPERTY
                + ")",
            e.getCause());
      }
    } catch (IOException e) {
      throw new UnavailableException("cannot extract " + resource + ": " + e, e);
    } finally {
      if (temp != null) {
        try {
          // The loaded library stays mapped; nothing is left behind in the temp directory.
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          temp.toFile().deleteOnExit();
        }
      }
    }
  }

  private static Library link(Path file) throws UnavailableException {
    try {
      Library lib = LibraryLoader.create(Library.class).failImmediately().load(file.toString());
      // jnr-ffi may resolve lazily: make the first call here, before the caller deletes the file.
      lib.lattice_blake3_version();
      return lib;
    } catch (LinkageError | RuntimeException e) {
      throw new UnavailableException("cannot load " + file + ": " + e, e);
    }
  }

  /** {@code linux-x86_64}, {@code linux-aarch64}, ...: the folder of the packaged library. */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (os.startsWith("linux")) {
      os = "linux";
    }
    arch =
        switch (arch) {
          case "amd64", "x86_64" -> "x86_64";
          case "aarch64", "arm64" -> "aarch64";
          default -> arch;
        };
    return os.replace(' ', '_') + "-" + arch;
  }

  /** {@code lattice_cdc_cut}: see {@link org.latticefs.cas.chunk.NativeCdc#cutLength}. */
  public int cdcCut(
      byte[] buf, int off, int len, int min, int avg, int max, long[] gear, long ms, long ml) {
    return lib.lattice_cdc_cut(buf, off, len, min, avg, max, gear, ms, ml);
  }

  private static String simdName(long degree) {
    String arch = System.getProperty("os.arch", "");
    if (arch.equals("amd64") || arch.equals("x86_64")) {
      return switch ((int) degree) {
        case 16 -> "AVX-512";
        case 8 -> "AVX2";
        case 4 -> "SSE4.1/SSE2";
        default -> "portable";
      };
    }
    return degree > 1 ? "SIMD degree " + degree : "portable";
  }

  /**
   * Official BLAKE3 test vectors (input byte i is {@code i % 251}): empty, one block, chunk plus
   * one, exactly 16 chunks (one AVX-512 batch), and two larger trees. Checked on every load, so a
   * miscompiled or wrong library is never used; constants rather than the Java implementation keep
   * startup fast.
   */
  private static final int[] CHECK_LENGTHS = {0, 64, 1025, 16384, 31744, 102400};

  private static final String[] CHECK_HASHES = {
    "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    "4eed7141ea4a5cd4b788606bd23f46e212af9cacebacdc7d1f4c6dc7f2511b98",
    "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444",
    "f875d6646de28985646f34ee13be9a576fd515f76b5b0a26bb324735041ddde4",
    "62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47",
    "bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085",
  };

  /**
   * Checks every entry point (one-shot and incremental, heap and direct, and the root merged from
   * group chaining values) on the vectors above.
   */
  private void selfCheck() throws UnavailableException {
    byte[] input = new byte[CHECK_LENGTHS[CHECK_LENGTHS.length - 1]];
    for (int i = 0; i < input.length; i++) {
      input[i] = (byte) (i % 251);
    }
    ByteBuffer direct = ByteBuffer.allocateDirect(input.length + 3);
    for (int i = 0; i < CHECK_LENGTHS.length; i++) {
      int len = CHECK_LENGTHS[i];
      direct.clear().position(3);
      direct.put(input, 0, len).flip().position(3);
      BlobRef oneShotHeap = hash(input, 0, len);
      BlobRef oneShotDirect = hash(direct.duplicate());
      BlobRef incremental;
      try (NativeBlake3Hasher h = newHasher()) {
        int half = len / 2;
        h.update(input, 0, half);
        h.update(direct.duplicate().position(3 + half));
        incremental = h.finish();
      }
      BlobRef fromOutboard = oneShotHeap;
      BlobRef fromGroups = oneShotHeap;
      BlobRef fromGroupsDirect = oneShotHeap;
      if (len > Outboard.GROUP_SIZE) {
        int groups = Outboard.groupCount(len);
        byte[] cvs = new byte[groups * Outboard.CV_LENGTH];
        fromOutboard = outboard(input, 0, len, cvs);
        groupCvs(input, 0, len, 0, cvs, 0);
        fromGroups = rootFromCvs(cvs, groups);
        direct.clear().position(3).limit(3 + len);
        groupCvs(direct, 0, cvs, 0);
        fromGroupsDirect = rootFromCvs(cvs, groups);
      }
      BlobRef[] results = {
        oneShotHeap, oneShotDirect, incremental, fromOutboard, fromGroups, fromGroupsDirect
      };
      for (BlobRef got : results) {
        if (!got.hex().equals(CHECK_HASHES[i])) {
          throw new UnavailableException(
              "native BLAKE3 failed its self-check on "
                  + len
                  + " bytes: "
                  + got.hex()
                  + " instead of "
                  + CHECK_HASHES[i]);
        }
      }
    }
  }

  /** Describes the library, CPU path and origin, for logs. */
  String description() {
    return description;
  }

  NativeBlake3Hasher newHasher() {
    return new NativeBlake3Hasher(this);
  }

  /** One-shot hash of {@code data[off, off+len)}. */
  BlobRef hash(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    if (len > MAX_PINNED) {
      try (NativeBlake3Hasher h = newHasher()) {
        h.update(data, off, len);
        return h.finish();
      }
    }
    byte[] out = new byte[BlobRef.LENGTH];
    lib.lattice_blake3_hash(data, off, len, out);
    return new BlobRef(out);
  }

  /** One-shot hash of the remaining bytes of {@code data}; its position ends at its limit. */
  BlobRef hash(ByteBuffer data) {
    if (!data.isDirect() || !data.hasRemaining()) {
      try (NativeBlake3Hasher h = newHasher()) {
        h.update(data);
        return h.finish();
      }
    }
    byte[] out = new byte[BlobRef.LENGTH];
    try {
      lib.lattice_blake3_hash(address(data), data.position(), data.remaining(), out);
      data.position(data.limit());
    } finally {
      java.lang.ref.Reference.reachabilityFence(data);
    }
    return new BlobRef(out);
  }

  /**
   * Writes the chaining values of the consecutive {@link Outboard#GROUP_SIZE groups} in {@code
   * data[off, off+len)} to {@code cvs} from {@code cvsOff}, the first group being group number
   * {@code firstGroup} of a blob of more than one group. Every group but the last must be whole; a
   * short last group must be the blob's last. Returns how many were written.
   */
  int groupCvs(byte[] data, int off, int len, long firstGroup, byte[] cvs, int cvsOff) {
    Objects.checkFromIndexSize(off, len, data.length);
    int groups = Outboard.groupCount(len);
    Objects.checkFromIndexSize(cvsOff, len == 0 ? 0 : groups * Outboard.CV_LENGTH, cvs.length);
    int written = 0;
    // Pin at most MAX_PINNED input bytes per call; MAX_PINNED is a whole number of groups.
    while (len > 0) {
      int n = Math.min(len, MAX_PINNED);
      long chunkCounter = (firstGroup + written) * (Outboard.GROUP_SIZE / 1024);
      written +=
          (int)
              lib.lattice_blake3_group_cvs(
                  data, off, n, chunkCounter, cvs, cvsOff + (long) written * Outboard.CV_LENGTH);
      off += n;
      len -= n;
    }
    return written;
  }

  /**
   * As {@link #groupCvs(byte[], int, int, long, byte[], int)}, over the remaining bytes of direct
   * buffer {@code data}, in place; does not move it.
   */
  int groupCvs(ByteBuffer data, long firstGroup, byte[] cvs, int cvsOff) {
    int len = data.remaining();
    int groups = Outboard.groupCount(len);
    Objects.checkFromIndexSize(cvsOff, len == 0 ? 0 : groups * Outboard.CV_LENGTH, cvs.length);
    if (len == 0) {
      return 0;
    }
    try {
      return (int)
          lib.lattice_blake3_group_cvs(
              address(data),
              data.position(),
              len,
              firstGroup * (Outboard.GROUP_SIZE / 1024),
              cvs,
              cvsOff);
    } finally {
      java.lang.ref.Reference.reachabilityFence(data);
    }
  }

  /**
   * The hash of the blob {@code data[off, off+len)} of more than one group, with its group chaining
   * values written to {@code cvs} ({@value Outboard#CV_LENGTH} bytes per group), in one pass.
   */
  BlobRef outboard(byte[] data, int off, int len, byte[] cvs) {
    Objects.checkFromIndexSize(off, len, data.length);
    int groups = Outboard.groupCount(len);
    if (groups < 2 || cvs.length != groups * Outboard.CV_LENGTH) {
      throw new IllegalArgumentException(
          len + " bytes (" + groups + " groups) for " + cvs.length + " bytes of chaining values");
    }
    if (len > MAX_PINNED) {
      groupCvs(data, off, len, 0, cvs, 0);
      return rootFromCvs(cvs, groups);
    }
    byte[] out = new byte[BlobRef.LENGTH];
    if (lib.lattice_blake3_outboard(data, off, len, cvs, out) != 0) {
      throw new OutOfMemoryError("native BLAKE3: malloc failed merging " + groups + " groups");
    }
    return new BlobRef(out);
  }

  /** The hash of a blob of {@code groups >= 2} groups, from its group chaining values. */
  BlobRef rootFromCvs(byte[] cvs, int groups) {
    if (groups < 2 || (long) groups * Outboard.CV_LENGTH > cvs.length) {
      throw new IllegalArgumentException(
          groups + " groups in " + cvs.length + " bytes of chaining values");
    }
    byte[] out = new byte[BlobRef.LENGTH];
    if (lib.lattice_blake3_root_from_cvs(cvs, groups, out) != 0) {
      throw new OutOfMemoryError("native BLAKE3: malloc failed merging " + groups + " groups");
    }
    return new BlobRef(out);
  }

  // The raw entry points below are for NativeBlake3Hasher, which owns the state addresses.

  long allocate() {
    long state = lib.lattice_blake3_new();
    if (state == 0) {
      throw new OutOfMemoryError("native BLAKE3 hasher: malloc failed");
    }
    LIVE_STATES.incrementAndGet();
    return state;
  }

  void free(long state) {
    lib.lattice_blake3_free(state);
    LIVE_STATES.decrementAndGet();
  }

  /** How many hasher states are allocated and not yet freed. */
  static long liveStates() {
    return LIVE_STATES.get();
  }

  void reset(long state) {
    lib.lattice_blake3_reset(state);
  }

  void update(long state, byte[] data, int off, int len) {
    while (len > 0) {
      int n = Math.min(len, MAX_PINNED);
      lib.lattice_blake3_update(state, data, off, n);
      off += n;
      len -= n;
    }
  }

  /** Hashes the remaining bytes of direct buffer {@code data} in place; does not move it. */
  void updateDirect(long state, ByteBuffer data) {
    int len = data.remaining();
    if (len > 0) {
      lib.lattice_blake3_update(state, address(data), data.position(), len);
    }
  }

  BlobRef finish(long state) {
    byte[] out = new byte[BlobRef.LENGTH];
    lib.lattice_blake3_finalize(state, out);
    return new BlobRef(out);
  }

  private long address(ByteBuffer direct) {
    long address = memory.getDirectBufferAddress(direct);
    if (address == 0) {
      throw new IllegalArgumentException("direct buffer without an address: " + direct);
    }
    return address;
  }

  @Override
  public String toString() {
    return description;
  }
}
