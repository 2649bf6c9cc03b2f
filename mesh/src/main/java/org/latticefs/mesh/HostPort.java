package org.latticefs.mesh;

import java.net.InetSocketAddress;

/**
 * A host (name, IPv4, or IPv6 in brackets) and a TCP port (0 only to listen: any free port): {@code
 * 192.168.1.5:4710}, {@code nas.local:4710}, {@code [fd00::5]:4710}. Text form is what {@link
 * #parse} reads.
 */
public record HostPort(String host, int port) {
  /** The default port of the mesh. */
  public static final int DEFAULT_PORT = 4710;

  public HostPort {
    if (host == null || host.isEmpty() || host.length() > 253) {
      throw new IllegalArgumentException("an address has a host of 1 to 253 characters");
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (!(Character.isLetterOrDigit(c) && c < 128) && ".-:_%".indexOf(c) < 0) {
        throw new IllegalArgumentException("invalid character '" + c + "' in host '" + host + "'");
      }
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("a port is 1..65535 (0: any free port), got " + port);
    }
  }

  /**
   * Parses {@code HOST:PORT} ({@code [IPv6]:PORT} for IPv6).
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static HostPort parse(String text) {
    String t = text == null ? "" : text.trim();
    String host;
    String port;
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("not [IPv6]:PORT: '" + text + "'");
      }
      host = t.substring(1, close);
      port = t.substring(close + 2);
    } else {
      int colon = t.lastIndexOf(':');
      if (colon <= 0 || t.indexOf(':') != colon) {
        throw new IllegalArgumentException(
            "not HOST:PORT (an IPv6 address goes in brackets: [::1]:4710): '" + text + "'");
      }
      host = t.substring(0, colon);
      port = t.substring(colon + 1);
    }
    try {
      return new HostPort(host, Integer.parseInt(port));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a port number: '" + port + "' in '" + text + "'");
    }
  }

  /** An unresolved socket address (resolved when connecting). */
  public InetSocketAddress toSocketAddress() {
    return InetSocketAddress.createUnresolved(host, port);
  }

  /** Of a resolved socket address. */
  public static HostPort of(InetSocketAddress a) {
    String h = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    int pct = h.indexOf('%');
    return new HostPort(pct > 0 && h.contains(":") ? h.substring(0, pct) : h, a.getPort());
  }

  @Override
  public String toString() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
