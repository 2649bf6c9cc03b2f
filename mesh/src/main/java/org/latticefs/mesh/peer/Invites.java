package org.latticefs.mesh.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.io.AtomicFile;
import org.latticefs.kv.Base32;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.InviteLine;

/**
 * The invites this node has handed out: one-time secrets with an expiry, kept in a file of this
 * node only (never in the replicated root store, so no other node can redeem them). Only a secret's
 * BLAKE3 hash is kept. A secret is marked used, durably, before the node that brought it is
 * admitted; so a secret admits at most one node, also across a crash.
 *
 * <h2>File</h2>
 *
 * {@code {dir}/invites}, written whole ({@link AtomicFile}), one invite per line:
 *
 * <pre>
 * {secret hash hex} {expires, unix s} {used by node id | -} {used at, unix s | 0}
 * </pre>
 *
 * Invites expired for more than a day are dropped when the file is next written; at most {@value
 * #MAX_INVITES} are kept (making one more drops the oldest unused). A file that does not parse is
 * refused with its name (never overwritten). Thread-safe.
 */
public final class Invites {
  static final int MAX_INVITES = 1000;
  private static final int SECRET_BYTES = 20;
  private static final Duration KEEP_EXPIRED = Duration.ofDays(1);

  private final Path file;
  private final InstantSource time;
  private final RandomGenerator random;

  /** An invite as kept: the hash of its secret, its expiry, who used it and when. */
  record Kept(String hash, Instant expires, NodeId usedBy, Instant usedAt) {}

  /** What {@link #redeem} decided. */
  public sealed interface Redemption permits Admitted, Refused {}

  /** The secret was good: it is now used by the node. */
  public record Admitted() implements Redemption {}

  /** The secret is refused; {@code reason} says why, for the joining node's user. */
  public record Refused(String reason) implements Redemption {}

  public Invites(Path dir, InstantSource time, RandomGenerator random) {
    this.file = dir.resolve("invites");
    this.time = time;
    this.random = random;
  }

  /** Invites in {@code dir} with the system clock and a secure random source. */
  public static Invites in(Path dir) {
    return new Invites(dir, InstantSource.system(), new SecureRandom());
  }

  /**
   * Makes a new invite valid for {@code ttl}; returns its secret (the only copy: the file keeps the
   * hash) and its expiry.
   */
  public synchronized NewInvite create(Duration ttl) throws IOException {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("an invite is valid for some time, got " + ttl);
    }
    byte[] raw = new byte[SECRET_BYTES];
    random.nextBytes(raw);
    String secret = Base32.encode(raw);
    Instant expires = time.instant().plus(ttl);
    List<Kept> all = pruned(load());
    while (all.size() >= MAX_INVITES) {
      all.remove(oldestUnusedOrFirst(all));
    }
    all.add(new Kept(hash(secret), expires, null, null));
    save(all);
    return new NewInvite(secret, expires);
  }

  /** A fresh invite's secret and expiry. */
  public record NewInvite(String secret, Instant expires) {}

  /**
   * Redeems {@code secret} for {@code node}: admitted if it is known, unused and not expired (then
   * marked used by {@code node}, durably, before this returns); refused with the reason otherwise.
   * A node that redeems the secret it already used is admitted again (a join whose answer was lost
   * may be retried).
   */
  public synchronized Redemption redeem(String secret, NodeId node) throws IOException {
    if (secret.length() != InviteLine.SECRET_CHARS) {
      return new Refused(
          "the invite secret is malformed; copy the whole line 'peer invite' printed");
    }
    String h = hash(secret);
    List<Kept> all = load();
    for (int i = 0; i < all.size(); i++) {
      Kept k = all.get(i);
      if (!k.hash().equals(h)) {
        continue;
      }
      if (k.usedBy() != null) {
        if (k.usedBy().equals(node)) {
          return new Admitted();
        }
        return new Refused(
            "this invite was already used (by "
                + k.usedBy()
                + " at "
                + k.usedAt()
                + "); an invite admits one node: ask for a new one ('peer invite')");
      }
      Instant now = time.instant();
      if (!now.isBefore(k.expires())) {
        return new Refused(
            "this invite expired at " + k.expires() + "; ask for a new one ('peer invite')");
      }
      all.set(i, new Kept(k.hash(), k.expires(), node, now));
      save(pruned(all));
      return new Admitted();
    }
    return new Refused(
        "this node made no such invite (a mistyped line, or an invite of another node); ask for a new one ('peer invite')");
  }

  /** The invites kept (hashes only), for tests and listings. */
  synchronized List<Kept> kept() throws IOException {
    return load();
  }

  private List<Kept> pruned(List<Kept> all) {
    Instant cutoff = time.instant().minus(KEEP_EXPIRED);
    List<Kept> out = new ArrayList<>();
    for (Kept k : all) {
      if (k.expires().isAfter(cutoff)) {
        out.add(k);
      }
    }
    return out;
  }

  private static int oldestUnusedOrFirst(List<Kept> all) {
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).usedBy() == null) {
        return i;
      }
    }
    return 0;
  }

  private List<Kept> load() throws IOException {
    List<String> lines;
    try {
      if (Files.size(file) > (MAX_INVITES + 10L) * 200) {
        throw new IOException(file + " is too large to be an invites file; move it away");
      }
      lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      return new ArrayList<>();
    }
    List<Kept> out = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(" ");
      try {
        if (f.length != 4 || f[0].length() != 64) {
          throw new IllegalArgumentException("four fields expected");
        }
        NodeId usedBy = f[2].equals("-") ? null : NodeId.parse(f[2]);
        Instant usedAt = usedBy == null ? null : Instant.ofEpochSecond(Long.parseLong(f[3]));
        out.add(new Kept(f[0], Instant.ofEpochSecond(Long.parseLong(f[1])), usedBy, usedAt));
      } catch (IllegalArgumentException | java.time.DateTimeException e) {
        throw new IOException(
            file
                + " is damaged (line '"
                + line
                + "': "
                + e.getMessage()
                + "); move it away to forget every invite");
      }
    }
    return out;
  }

  private void save(List<Kept> all) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Kept k : all) {
      sb.append(k.hash())
          .append(' ')
          .append(k.expires().getEpochSecond())
          .append(' ')
          .append(k.usedBy() == null ? "-" : k.usedBy().toString())
          .append(' ')
          .append(k.usedAt() == null ? 0 : k.usedAt().getEpochSecond())
          .append('\n');
    }
    Files.createDirectories(file.getParent());
    AtomicFile.write(file, sb.toString().getBytes(StandardCharsets.US_ASCII));
  }

  private static String hash(String secret) {
    return Blake3.hash(secret.getBytes(StandardCharsets.US_ASCII)).hex();
  }
}
