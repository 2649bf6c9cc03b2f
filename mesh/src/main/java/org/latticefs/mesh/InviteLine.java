package org.latticefs.mesh;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.latticefs.kv.NodeId;

/**
 * What {@code peer invite} prints and {@code peer join} reads: one line with the inviting node's
 * id, where to reach it, a one-time secret and when the secret expires.
 *
 * <pre>
 * lattice-invite:{node id}?secret={base32}&amp;expires={unix seconds}&amp;addrs={host:port},{host:port}
 * </pre>
 *
 * The secret is 20 random bytes in lower-case base32 (32 characters). The joining node sends it
 * only after TLS has proven the other end holds the key of {@code node id}, so a wrong address or a
 * man in the middle learns nothing; the inviting node keeps only the secret's hash.
 */
public record InviteLine(NodeId node, String secret, Instant expires, List<HostPort> addrs) {
  public static final String PREFIX = "lattice-invite:";
  public static final int SECRET_CHARS = 32;
  private static final int MAX_LENGTH = 4096;

  public InviteLine {
    if (secret.length() != SECRET_CHARS || !secret.chars().allMatch(InviteLine::isBase32)) {
      throw new IllegalArgumentException(
          "an invite secret is " + SECRET_CHARS + " base32 characters (a-z, 2-7)");
    }
    addrs = List.copyOf(addrs);
  }

  private static boolean isBase32(int c) {
    return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
  }

  /**
   * Parses a line (surrounding whitespace ignored).
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static InviteLine parse(String text) {
    String t = text == null ? "" : text.trim();
    if (t.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("an invite line is at most " + MAX_LENGTH + " characters");
    }
    if (!t.startsWith(PREFIX)) {
      throw new IllegalArgumentException(
          "an invite line starts with '"
              + PREFIX
              + "' (copy the whole line 'peer invite' printed)");
    }
    int q = t.indexOf('?');
    if (q < 0) {
      throw new IllegalArgumentException("the invite line is cut short (no '?')");
    }
    NodeId node;
    try {
      node = NodeId.parse(t.substring(PREFIX.length(), q));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the invite's node id: " + e.getMessage(), e);
    }
    String secret = null;
    Instant expires = null;
    List<HostPort> addrs = new ArrayList<>();
    for (String param : t.substring(q + 1).split("&")) {
      int eq = param.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("the invite line has a malformed part: '" + param + "'");
      }
      String key = param.substring(0, eq);
      String value = param.substring(eq + 1);
      switch (key) {
        case "secret" -> secret = value;
        case "expires" -> {
          try {
            expires = Instant.ofEpochSecond(Long.parseLong(value));
          } catch (NumberFormatException | java.time.DateTimeException e) {
            throw new IllegalArgumentException(
                "the invite's expiry is not a time: '" + value + "'");
          }
        }
        case "addrs" -> {
          if (!value.isEmpty()) {
            for (String a : value.split(",")) {
              addrs.add(HostPort.parse(a));
            }
          }
        }
        default ->
            throw new IllegalArgumentException("the invite line has an unknown part '" + key + "'");
      }
    }
    if (secret == null || expires == null) {
      throw new IllegalArgumentException("the invite line is cut short (no secret or expiry)");
    }
    return new InviteLine(node, secret, expires, addrs);
  }

  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder(PREFIX)
            .append(node)
            .append("?secret=")
            .append(secret)
            .append("&expires=")
            .append(expires.getEpochSecond())
            .append("&addrs=");
    for (int i = 0; i < addrs.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(addrs.get(i));
    }
    return sb.toString();
  }
}
