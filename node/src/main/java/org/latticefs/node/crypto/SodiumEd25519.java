package org.latticefs.node.crypto;

import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.u_int64_t;
import org.latticefs.kv.BouncyCastleEd25519;
import org.latticefs.kv.Ed25519Engine;
import org.latticefs.kv.Identity;
import org.latticefs.kv.Signatures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Ed25519Engine} on libsodium ({@code libsodium.so.23}, Debian's {@code libsodium23})
 * through jnr-ffi: 1.5–3.3× BouncyCastle's verify rate per CPU-second here (BENCHMARKS.md, "Mesh").
 *
 * <h2>Why its answers are kv's rule</h2>
 *
 * libsodium 1.0.18's {@code crypto_sign_ed25519_verify_detached} refuses S ≥ L, an R or A of small
 * order or in non-canonical form, and checks the equation without the cofactor: for the keys kv
 * admits (prime order) everything it accepts BouncyCastle accepts too, but it refuses some
 * signatures BouncyCastle accepts (an R with a small-order part, a small-order R), and kv's rule is
 * BouncyCastle's answer ({@link org.latticefs.kv.Signatures}). So {@link #verify} asks {@link
 * BouncyCastleEd25519} whenever libsodium says no: valid signatures take the fast path, invalid
 * ones (rare: only a broken or hostile peer sends them) cost both. {@link #load} checks the library
 * against BouncyCastle before anyone uses it (signatures must match byte for byte; a valid one must
 * pass and forms only a hostile signer makes must fail).
 *
 * <p>Thread-safe (libsodium's signing and verifying keep no state once {@code sodium_init} ran).
 */
public final class SodiumEd25519 implements Ed25519Engine {
  private static final Logger LOG = LoggerFactory.getLogger(SodiumEd25519.class);
  private static final String[] NAMES = {"sodium", "libsodium.so.23"};

  /** The libsodium functions used (their C names and types). */
  public interface Library {
    int sodium_init();

    String sodium_version_string();

    @IgnoreError
    int crypto_sign_ed25519_verify_detached(
        @In byte[] sig, @In byte[] m, @u_int64_t long mlen, @In byte[] pk);

    @IgnoreError
    int crypto_sign_ed25519_detached(
        @Out byte[] sig, Pointer siglen, @In byte[] m, @u_int64_t long mlen, @In byte[] sk);
  }

  private final Library lib;
  private final String name;

  private SodiumEd25519(Library lib) {
    this.lib = lib;
    this.name = "libsodium " + lib.sodium_version_string();
  }

  /**
   * libsodium, loaded and checked once per process, or empty if it is not installed or fails the
   * check (logged once).
   */
  public static Optional<Ed25519Engine> load() {
    return Loaded.ENGINE;
  }

  /** Loads on first use, after this class's constants exist. */
  private static final class Loaded {
    static final Optional<Ed25519Engine> ENGINE = loadChecked();
  }

  /**
   * Makes libsodium the process's engine if it {@linkplain #load loads}; otherwise kv keeps
   * BouncyCastle. Returns the engine in use. Idempotent.
   */
  public static Ed25519Engine install() {
    load().ifPresent(Signatures::use);
    return Signatures.engine();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean verify(byte[] publicKey, byte[] message, int off, int len, byte[] signature) {
    byte[] m =
        off == 0 && len == message.length ? message : Arrays.copyOfRange(message, off, off + len);
    return lib.crypto_sign_ed25519_verify_detached(signature, m, len, publicKey) == 0
        || BouncyCastleEd25519.INSTANCE.verify(publicKey, message, off, len, signature);
  }

  /** libsodium's own answer, without the fallback (for the self-check and tests). */
  boolean sodiumAlone(byte[] publicKey, byte[] message, byte[] signature) {
    return lib.crypto_sign_ed25519_verify_detached(signature, message, message.length, publicKey)
        == 0;
  }

  @Override
  public void sign(byte[] seed, byte[] publicKey, byte[] message, int off, int len, byte[] sig) {
    byte[] m =
        off == 0 && len == message.length ? message : Arrays.copyOfRange(message, off, off + len);
    byte[] sk = new byte[64];
    System.arraycopy(seed, 0, sk, 0, 32);
    System.arraycopy(publicKey, 0, sk, 32, 32);
    try {
      if (lib.crypto_sign_ed25519_detached(sig, null, m, len, sk) != 0) {
        throw new IllegalStateException("libsodium failed to sign");
      }
    } finally {
      Arrays.fill(sk, (byte) 0);
    }
  }

  private static Optional<Ed25519Engine> loadChecked() {
    Library lib = null;
    Throwable last = null;
    for (String libName : NAMES) {
      try {
        lib = LibraryLoader.create(Library.class).failImmediately().load(libName);
        break;
      } catch (RuntimeException | LinkageError e) {
        last = e;
      }
    }
    if (lib == null) {
      LOG.info(
          "libsodium not found ({}): Ed25519 runs on BouncyCastle (install libsodium23 for faster"
              + " catch-up)",
          last == null ? "?" : last.getMessage());
      return Optional.empty();
    }
    try {
      if (lib.sodium_init() < 0) {
        LOG.warn("libsodium's sodium_init failed: Ed25519 runs on BouncyCastle");
        return Optional.empty();
      }
      SodiumEd25519 engine = new SodiumEd25519(lib);
      String problem = selfCheck(engine);
      if (problem != null) {
        LOG.warn("{} disagrees with BouncyCastle ({}): not used", engine.name, problem);
        return Optional.empty();
      }
      return Optional.of(engine);
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("libsodium unusable: Ed25519 runs on BouncyCastle", e);
      return Optional.empty();
    }
  }

  /**
   * Compares {@code engine} with BouncyCastle on a few fixed inputs; the first difference, or null.
   */
  static String selfCheck(Ed25519Engine engine) {
    Ed25519Engine bc = BouncyCastleEd25519.INSTANCE;
    Random random = new Random(25519);
    for (int round = 0; round < 4; round++) {
      Identity id = Identity.generate(random);
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      Identity key = Identity.fromSeed(seed);
      byte[] pk = key.id().publicKey();
      byte[] msg = new byte[round * 100];
      random.nextBytes(msg);
      byte[] a = new byte[64];
      byte[] b = new byte[64];
      engine.sign(seed, pk, msg, 0, msg.length, a);
      bc.sign(seed, pk, msg, 0, msg.length, b);
      if (!Arrays.equals(a, b)) {
        return "signatures differ";
      }
      for (byte[] sig : variants(a)) {
        boolean want = Arrays.equals(sig, a);
        if (engine.verify(pk, msg, 0, msg.length, sig) != want
            || bc.verify(pk, msg, 0, msg.length, sig) != want
            || (engine instanceof SodiumEd25519 s && s.sodiumAlone(pk, msg, sig) != want)) {
          return "a " + (want ? "valid" : "hostile") + " signature judged otherwise";
        }
      }
      if (engine.verify(id.id().publicKey(), msg, 0, msg.length, a)) {
        return "a signature verified under another key";
      }
    }
    return null;
  }

  /**
   * {@code sig} itself, then forms only a hostile signer makes: S + L (S out of range) and R
   * replaced by each encoding of a point of small order. The first is valid, the rest are refused
   * by the rule.
   */
  static java.util.List<byte[]> variants(byte[] sig) {
    java.util.List<byte[]> out = new java.util.ArrayList<>();
    out.add(sig.clone());
    byte[] sPlusL = sig.clone();
    int carry = 0;
    for (int i = 0; i < 32; i++) {
      int v = (sPlusL[32 + i] & 0xff) + (ORDER_L[i] & 0xff) + carry;
      sPlusL[32 + i] = (byte) v;
      carry = v >>> 8;
    }
    if (carry == 0) {
      out.add(sPlusL);
    }
    for (String r : SMALL_ORDER) {
      byte[] v = sig.clone();
      System.arraycopy(java.util.HexFormat.of().parseHex(r), 0, v, 0, 32);
      out.add(v);
    }
    return out;
  }

  /** L, the prime order of the base point, little-endian. */
  private static final byte[] ORDER_L =
      java.util.HexFormat.of()
          .parseHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

  /** Encodings of the points of order 1, 2, 4 and 8 (both signs of x). */
  static final java.util.List<String> SMALL_ORDER =
      java.util.List.of(
          "0100000000000000000000000000000000000000000000000000000000000000",
          "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
          "0000000000000000000000000000000000000000000000000000000000000000",
          "0000000000000000000000000000000000000000000000000000000000000080",
          "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
          "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
          "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
          "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85");
}
