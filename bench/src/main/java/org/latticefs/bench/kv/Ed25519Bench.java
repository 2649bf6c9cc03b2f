package org.latticefs.bench.kv;

import com.google.crypto.tink.subtle.Ed25519Sign;
import com.google.crypto.tink.subtle.Ed25519Verify;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import jnr.ffi.LibraryLoader;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.latticefs.kv.Identity;
import org.latticefs.kv.NodeId;

/**
 * Ed25519 sign and verify per second on one thread, 200-byte messages: Lattice's {@link Identity}
 * (BouncyCastle's RFC 8032 code with a cached decoded public key) against BouncyCastle's {@code
 * Ed25519Signer}, Tink's {@code subtle} classes, the JDK's SunEC, and libsodium through jnr-ffi (if
 * {@code libsodium.so.23} is installed). Rounds are interleaved (A B C A B C); medians are printed
 * with ratios to Identity.
 *
 * <p>Run: {@code bench/run Ed25519Bench [seconds=1] [rounds=3]}; figures in BENCHMARKS.md, "Signed
 * log".
 */
public final class Ed25519Bench {
  private static final int MESSAGE_BYTES = 200;

  /** The libsodium calls measured (libsodium's own API names). */
  public interface Sodium {
    int sodium_init();

    int crypto_sign_seed_keypair(byte[] pk, byte[] sk, byte[] seed);

    int crypto_sign_detached(byte[] sig, long[] siglen, byte[] m, long mlen, byte[] sk);

    int crypto_sign_verify_detached(byte[] sig, byte[] m, long mlen, byte[] pk);
  }

  private record Impl(String name, Runnable sign, BooleanSupplier verify) {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    byte[] msg = new byte[MESSAGE_BYTES];
    new Random(1).nextBytes(msg);
    byte[] seed = new byte[32];
    new Random(2).nextBytes(seed);

    List<Impl> impls = new ArrayList<>();
    Identity identity = Identity.fromSeed(seed);
    NodeId id = identity.id();
    byte[] idSig = identity.sign(msg);
    impls.add(
        new Impl(
            "lattice Identity (BC rfc8032)",
            () -> identity.sign(msg),
            () -> Identity.verify(id, msg, idSig)));

    Ed25519PrivateKeyParameters bcPriv = new Ed25519PrivateKeyParameters(seed, 0);
    Ed25519Signer bcSigner = new Ed25519Signer();
    bcSigner.init(true, bcPriv);
    Ed25519Signer bcVerifier = new Ed25519Signer();
    bcVerifier.init(false, bcPriv.generatePublicKey());
    impls.add(
        new Impl(
            "BouncyCastle Ed25519Signer",
            () -> {
              bcSigner.update(msg, 0, msg.length);
              bcSigner.generateSignature();
            },
            () -> {
              bcVerifier.update(msg, 0, msg.length);
              return bcVerifier.verifySignature(idSig);
            }));

    Ed25519Sign tinkSign = new Ed25519Sign(seed);
    Ed25519Verify tinkVerify = new Ed25519Verify(id.publicKey());
    impls.add(
        new Impl(
            "Tink 1.24.0 subtle",
            () -> {
              try {
                tinkSign.sign(msg);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            () -> {
              try {
                tinkVerify.verify(idSig, msg);
                return true;
              } catch (Exception e) {
                return false;
              }
            }));

    KeyPair jdkPair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Signature jdkSigner = Signature.getInstance("Ed25519");
    jdkSigner.initSign(jdkPair.getPrivate());
    jdkSigner.update(msg);
    byte[] jdkSig = jdkSigner.sign();
    Signature jdkVerifier = Signature.getInstance("Ed25519");
    jdkVerifier.initVerify(jdkPair.getPublic());
    impls.add(
        new Impl(
            "JDK 17 SunEC",
            () -> {
              try {
                jdkSigner.update(msg);
                jdkSigner.sign();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            () -> {
              try {
                jdkVerifier.update(msg);
                return jdkVerifier.verify(jdkSig);
              } catch (Exception e) {
                return false;
              }
            }));

    String sodiumPath = "/usr/lib/x86_64-linux-gnu/libsodium.so.23";
    if (java.nio.file.Files.exists(java.nio.file.Path.of(sodiumPath))) {
      Sodium sodium = LibraryLoader.create(Sodium.class).load(sodiumPath);
      if (sodium.sodium_init() < 0) {
        throw new IllegalStateException("sodium_init failed");
      }
      byte[] pk = new byte[32];
      byte[] sk = new byte[64];
      sodium.crypto_sign_seed_keypair(pk, sk, seed);
      if (!Arrays.equals(pk, id.publicKey())) {
        throw new IllegalStateException("libsodium derived another public key");
      }
      byte[] sig = new byte[64];
      sodium.crypto_sign_detached(sig, null, msg, msg.length, sk);
      if (!Arrays.equals(sig, idSig)) {
        throw new IllegalStateException("libsodium signature differs from BouncyCastle's");
      }
      impls.add(
          new Impl(
              "libsodium 1.0.18 via jnr-ffi",
              () -> sodium.crypto_sign_detached(sig, null, msg, msg.length, sk),
              () -> sodium.crypto_sign_verify_detached(idSig, msg, msg.length, pk) == 0));
    } else {
      System.out.println("libsodium not installed (" + sodiumPath + "): skipped");
    }

    for (Impl impl : impls) {
      if (!impl.verify.getAsBoolean()) {
        throw new IllegalStateException(impl.name + " does not verify its own signature");
      }
    }
    Map<String, List<Double>> signRates = new LinkedHashMap<>();
    Map<String, List<Double>> verifyRates = new LinkedHashMap<>();
    for (Impl impl : impls) {
      rate(impl.sign, 0.3); // warm-up
      rateVerify(impl.verify, 0.3);
    }
    for (int r = 0; r < rounds; r++) {
      for (Impl impl : impls) {
        signRates.computeIfAbsent(impl.name, k -> new ArrayList<>()).add(rate(impl.sign, seconds));
        verifyRates
            .computeIfAbsent(impl.name, k -> new ArrayList<>())
            .add(rateVerify(impl.verify, seconds));
      }
    }
    double baseSign = median(signRates.get(impls.get(0).name));
    double baseVerify = median(verifyRates.get(impls.get(0).name));
    System.out.printf(
        "Ed25519, %d-byte messages, 1 thread, median of %d rounds of %.1f s%n",
        MESSAGE_BYTES, rounds, seconds);
    System.out.printf(
        "%-32s %10s %7s %10s %7s%n", "implementation", "sign/s", "ratio", "verify/s", "ratio");
    for (Impl impl : impls) {
      double s = median(signRates.get(impl.name));
      double v = median(verifyRates.get(impl.name));
      System.out.printf(
          "%-32s %10.0f %7.2f %10.0f %7.2f%n", impl.name, s, s / baseSign, v, v / baseVerify);
    }
  }

  private static double rate(Runnable op, double seconds) {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long n = 0;
    long start = System.nanoTime();
    long now;
    do {
      for (int i = 0; i < 50; i++) {
        op.run();
      }
      n += 50;
      now = System.nanoTime();
    } while (now < deadline);
    return n / ((now - start) / 1e9);
  }

  private static double rateVerify(BooleanSupplier op, double seconds) {
    return rate(
        () -> {
          if (!op.getAsBoolean()) {
            throw new IllegalStateException("verification failed");
          }
        },
        seconds);
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
