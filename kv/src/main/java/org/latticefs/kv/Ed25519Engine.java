package org.latticefs.kv;

/**
 * One implementation of Ed25519 arithmetic that kv signs and verifies with: the small interface
 * through which node hands kv a faster one (libsodium through jnr-ffi) than kv's own {@link
 * BouncyCastleEd25519}, which stays the default and the fallback. Which engine runs changes speed,
 * never an outcome: {@link Signatures} applies Lattice's one rule around it, and every engine must
 * give the same answer on every input (node's differential test checks libsodium against
 * BouncyCastle).
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>{@link #verify} is only called with a public key {@link Signatures} has admitted: a
 *       canonical encoding of a point of prime order L (never small or mixed order). For such a key
 *       it returns true exactly when BouncyCastle's {@code Ed25519.verify} does (the rule, spelled
 *       out in {@link Signatures}): S below L, R a canonical point encoding, and [8][S]B = [8]R +
 *       [8][k]A. An engine whose own check is stricter (libsodium's, without the cofactor) must ask
 *       {@link BouncyCastleEd25519} before it answers false. It never throws for bad input: a
 *       malformed signature is false.
 *   <li>{@link #sign} writes RFC 8032's deterministic signature: the same 64 bytes whatever the
 *       engine.
 *   <li>Both are thread-safe and keep no state between calls except caches of decoded keys.
 * </ul>
 */
public interface Ed25519Engine {
  /** A short name for logs and benchmarks ({@code "bouncycastle"}, {@code "libsodium 1.0.18"}). */
  String name();

  /**
   * Whether {@code signature} (64 bytes) is valid for {@code message[off, off+len)} under {@code
   * publicKey} (32 bytes, admitted: see the class documentation).
   */
  boolean verify(byte[] publicKey, byte[] message, int off, int len, byte[] signature);

  /**
   * Writes the signature of {@code message[off, off+len)} by the key pair ({@code seed}, the
   * 32-byte RFC 8032 private key; {@code publicKey}, derived from it) into {@code signature[0,
   * 64)}.
   */
  void sign(byte[] seed, byte[] publicKey, byte[] message, int off, int len, byte[] signature);
}
