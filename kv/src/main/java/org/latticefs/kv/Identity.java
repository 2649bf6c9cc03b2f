package org.latticefs.kv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.latticefs.cas.io.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's Ed25519 key pair. Its public key is the node's {@link NodeId}. Keys are derived with
 * BouncyCastle's RFC 8032 code; signing and verifying run on the process's {@link Ed25519Engine}
 * under Lattice's one rule ({@link Signatures}).
 *
 * <h2>Key file</h2>
 *
 * {@link #loadOrCreate} keeps the key in {@code {dataDir}/identity.key}, mode 0600, three lines of
 * US-ASCII text, each ending in {@code \n}:
 *
 * <pre>
 * lattice-identity-v1
 * ed25519-seed {64 lower-case hex digits: the 32-byte RFC 8032 private key (seed)}
 * node-id {the NodeId text form of the public key derived from the seed}
 * </pre>
 *
 * The file is written whole to a temporary file ({@link AtomicFile}) and linked into place, so it
 * appears whole or not at all, and two processes racing to create it end up with the same key. A
 * file that does not match this format exactly (or whose node id does not match its seed) is
 * reported as corrupt and never replaced: the node id is the node's name in every mesh it joined. A
 * key file readable by group or others is used but logged as a warning.
 *
 * <p>Instances are immutable and thread-safe. {@link #toString()} never prints the private key.
 */
public final class Identity {
  /** The key file's name under the data directory. */
  public static final String FILE_NAME = "identity.key";

  /** Length of an Ed25519 signature. */
  public static final int SIGNATURE_LENGTH = Ed25519.SIGNATURE_SIZE;

  private static final Logger LOG = LoggerFactory.getLogger(Identity.class);
  private static final String HEADER = "lattice-identity-v1";
  private static final int MAX_FILE_BYTES = 1024;
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  // RFC 8410: the DER prefixes of an Ed25519 OneAsymmetricKey (PKCS#8) and SubjectPublicKeyInfo.
  private static final byte[] PKCS8_ED25519_PREFIX =
      HexFormat.of().parseHex("302e020100300506032b657004220420");
  private static final byte[] X509_ED25519_PREFIX =
      HexFormat.of().parseHex("302a300506032b6570032100");

  static {
    Ed25519.precompute();
  }

  private final byte[] seed;
  private final byte[] publicKey;
  private final NodeId id;

  private Identity(byte[] seed) {
    this.seed = seed.clone();
    this.publicKey = new byte[Ed25519.PUBLIC_KEY_SIZE];
    Ed25519.generatePublicKey(this.seed, 0, publicKey, 0);
    this.id = new NodeId(publicKey);
  }

  /** A key pair from a 32-byte RFC 8032 private key (seed). */
  public static Identity fromSeed(byte[] seed) {
    if (seed == null || seed.length != Ed25519.SECRET_KEY_SIZE) {
      throw new IllegalArgumentException("an Ed25519 seed is 32 bytes");
    }
    return new Identity(seed);
  }

  /**
   * A fresh key pair drawn from {@code random}: a {@link SecureRandom} for real nodes, a seeded
   * generator in tests.
   */
  public static Identity generate(RandomGenerator random) {
    byte[] seed = new byte[Ed25519.SECRET_KEY_SIZE];
    random.nextBytes(seed);
    return new Identity(seed);
  }

  /**
   * Loads the identity of {@code dataDir}, creating the directory and a new key (from a {@link
   * SecureRandom}) if there is none.
   *
   * @throws KvException if the key file exists but is unreadable or corrupt (it is left as is), or
   *     cannot be created
   */
  public static Identity loadOrCreate(Path dataDir) throws KvException {
    Path file = dataDir.resolve(FILE_NAME);
    try {
      Files.createDirectories(dataDir);
      try {
        return load(file);
      } catch (NoSuchFileException e) {
        // Not created yet: fall through.
      }
      Identity fresh = generate(new SecureRandom());
      // Written whole and durable beside the key file (AtomicFile, mode 0600), then linked into
      // place: unlike a rename, a link never replaces a key another creator linked first.
      Path tmp = dataDir.resolve(".identity-" + Long.toHexString(new SecureRandom().nextLong()));
      AtomicFile.write(tmp, fresh.fileText().getBytes(StandardCharsets.US_ASCII));
      try {
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException raced) {
        return load(file);
      } finally {
        Files.deleteIfExists(tmp);
      }
      AtomicFile.fsyncDirectory(dataDir);
      return fresh;
    } catch (KvException e) {
      throw e;
    } catch (IOException e) {
      throw new KvException("cannot load or create the identity key " + file + ": " + e, e);
    }
  }

  private static Identity load(Path file) throws IOException {
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw new KvException(
          "identity key file "
              + file
              + " is corrupt ("
              + Files.size(file)
              + " bytes, a key file is under "
              + MAX_FILE_BYTES
              + "); it was left untouched");
    }
    byte[] bytes = Files.readAllBytes(file);
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    if (!OWNER_ONLY.containsAll(perms)) {
      LOG.warn(
          "identity key file {} is readable by others ({}): chmod 600 it",
          file,
          PosixFilePermissions.toString(perms));
    }
    String text = new String(bytes, StandardCharsets.US_ASCII);
    String[] lines = text.split("\n", -1);
    String problem = null;
    Identity identity = null;
    if (bytes.length > MAX_FILE_BYTES || lines.length != 4 || !lines[3].isEmpty()) {
      problem = "expected three lines ending in a newline";
    } else if (!lines[0].equals(HEADER)) {
      problem = "first line is not \"" + HEADER + "\"";
    } else if (!lines[1].matches("ed25519-seed [0-9a-f]{64}")) {
      problem = "second line is not \"ed25519-seed\" and 64 lower-case hex digits";
    } else {
      identity = new Identity(HexFormat.of().parseHex(lines[1].substring(13)));
      if (!lines[2].equals("node-id " + identity.id())) {
        problem = "its node id does not match its seed";
        identity = null;
      }
    }
    if (problem != null) {
      throw new KvException(
          "identity key file "
              + file
              + " is corrupt ("
              + problem
              + "); it was left untouched: restore it from a backup, or move it away to give"
              + " this node a new identity");
    }
    return identity;
  }

  private String fileText() {
    return HEADER + "\ned25519-seed " + HexFormat.of().formatHex(seed) + "\nnode-id " + id + "\n";
  }

  /**
   * The private key as a JCA key (algorithm {@code Ed25519}, PKCS#8): for a TLS stack that signs
   * its handshakes with the node key. The key never leaves the process through this class.
   */
  public java.security.PrivateKey jcaPrivateKey() {
    byte[] pkcs8 = new byte[PKCS8_ED25519_PREFIX.length + seed.length];
    System.arraycopy(PKCS8_ED25519_PREFIX, 0, pkcs8, 0, PKCS8_ED25519_PREFIX.length);
    System.arraycopy(seed, 0, pkcs8, PKCS8_ED25519_PREFIX.length, seed.length);
    try {
      return java.security.KeyFactory.getInstance("Ed25519")
          .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(pkcs8));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519 key factory", e);
    } finally {
      Arrays.fill(pkcs8, (byte) 0);
    }
  }

  /** The public key as a JCA key (algorithm {@code Ed25519}, X.509 SubjectPublicKeyInfo). */
  public static java.security.PublicKey jcaPublicKey(NodeId id) {
    byte[] spki = new byte[X509_ED25519_PREFIX.length + NodeId.LENGTH];
    System.arraycopy(X509_ED25519_PREFIX, 0, spki, 0, X509_ED25519_PREFIX.length);
    id.copyTo(spki, X509_ED25519_PREFIX.length);
    try {
      return java.security.KeyFactory.getInstance("Ed25519")
          .generatePublic(new java.security.spec.X509EncodedKeySpec(spki));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519 key factory", e);
    }
  }

  /**
   * The node id of a JCA Ed25519 public key (as a TLS peer certificate carries it), or empty if it
   * is not one.
   */
  public static java.util.Optional<NodeId> idOf(java.security.PublicKey key) {
    byte[] spki = key.getEncoded();
    if (spki == null
        || spki.length != X509_ED25519_PREFIX.length + NodeId.LENGTH
        || !Arrays.equals(
            spki,
            0,
            X509_ED25519_PREFIX.length,
            X509_ED25519_PREFIX,
            0,
            X509_ED25519_PREFIX.length)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(NodeId.of(spki, X509_ED25519_PREFIX.length));
  }

  /** This node's id: its public key. */
  public NodeId id() {
    return id;
  }

  /** The 64-byte Ed25519 signature of {@code message}. */
  public byte[] sign(byte[] message) {
    return sign(message, 0, message.length);
  }

  /** The 64-byte Ed25519 signature of {@code message[off, off+len)}. */
  public byte[] sign(byte[] message, int off, int len) {
    Objects.checkFromIndexSize(off, len, message.length);
    byte[] sig = new byte[SIGNATURE_LENGTH];
    Signatures.engine().sign(seed, publicKey, message, off, len, sig);
    return sig;
  }

  /**
   * Whether {@code signature} is {@code author}'s valid Ed25519 signature of {@code message} under
   * Lattice's rule ({@link Signatures#verify}).
   */
  public static boolean verify(NodeId author, byte[] message, byte[] signature) {
    return Signatures.verify(author, message, 0, message.length, signature);
  }

  /**
   * Whether {@code signature} is {@code author}'s valid Ed25519 signature of {@code message[off,
   * off+len)} under Lattice's rule ({@link Signatures#verify}). Thread-safe.
   */
  public static boolean verify(NodeId author, byte[] message, int off, int len, byte[] signature) {
    return Signatures.verify(author, message, off, len, signature);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Identity other && Arrays.equals(seed, other.seed);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "Identity[" + id + "]";
  }
}
