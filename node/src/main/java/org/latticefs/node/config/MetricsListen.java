package org.latticefs.node.config;

import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * Where the daemon's HTTP server (Prometheus {@code /metrics} and the status page {@code /})
 * listens: {@code HOST:PORT} ({@code [v6]:PORT} for an IPv6 literal), or {@code off}.
 *
 * <p>The default, {@code 127.0.0.1:9347}, is loopback only. The server has no authentication and
 * the page shows the node id, the data directory and file names of unsaved content: binding another
 * address (say {@code 0.0.0.0:9347} so that a Prometheus on another box can scrape) shows them to
 * everyone who can reach the port; do it only on a trusted LAN or behind a firewall rule.
 *
 * @param host the address to bind (a name or literal), null when off
 * @param port the TCP port (0: any free port, for tests), -1 when off
 */
public record MetricsListen(String host, int port) {
  /** {@code 127.0.0.1:9347}. */
  public static final MetricsListen DEFAULT = new MetricsListen("127.0.0.1", 9347);

  /** Nothing served. */
  public static final MetricsListen OFF = new MetricsListen(null, -1);

  public MetricsListen {
    if (host == null ? port != -1 : (port < 0 || port > 65535 || host.isBlank())) {
      throw new IllegalArgumentException("not a listen address: " + host + ":" + port);
    }
  }

  /** Parses {@code off}, {@code HOST:PORT} or {@code [V6]:PORT}. */
  public static MetricsListen parse(String s) {
    String t = s.trim();
    if (t.toLowerCase(Locale.ROOT).equals("off")) {
      return OFF;
    }
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException(
          "metrics.listen: expected HOST:PORT or off, got '" + s + "' (example: 127.0.0.1:9347)");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("metrics.listen: bad port in '" + s + "'");
    }
    if (port < 0 || port > 65535 || host.isEmpty()) {
      throw new IllegalArgumentException("metrics.listen: bad address '" + s + "'");
    }
    return new MetricsListen(host, port);
  }

  public boolean isOff() {
    return host == null;
  }

  /** The socket address to bind (resolves the host); only when not {@link #isOff()}. */
  public InetSocketAddress socketAddress() {
    return new InetSocketAddress(host, port);
  }

  /** The form {@link #parse} reads: {@code off}, {@code HOST:PORT} or {@code [V6]:PORT}. */
  @Override
  public String toString() {
    if (isOff()) {
      return "off";
    }
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
