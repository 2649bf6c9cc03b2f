package org.latticefs.node.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.HostPort;
import org.latticefs.mesh.MeshConfig;

/**
 * The {@code mesh.*} keys of the node configuration.
 *
 * @param listen where to accept peers ({@code mesh.listen}: {@code HOST:PORT}, default {@code
 *     0.0.0.0:4710}), or null for {@code off}
 * @param name the display name ({@code mesh.name}; empty: the host name)
 * @param announce the addresses to give peers ({@code mesh.announce}, comma-separated; empty: the
 *     listen address, or every interface's)
 * @param peers static peers ({@code mesh.peers}: comma-separated {@code ID@HOST:PORT}); each is
 *     trusted as {@code peer add} would
 * @param mdns whether to use mDNS on the LAN ({@code mesh.mdns}: on or off, default on)
 * @param maxRate bytes per second uploaded to peers together ({@code mesh.max_rate}, a size such as
 *     {@code 2M}; 0, the default: no cap)
 * @param forgetAfter how long a node may go unseen before it no longer counts as a holder of copies
 *     ({@code mesh.forget_after}, a duration such as {@code 30d}, the default; at least 1 s)
 */
public record MeshSettings(
    HostPort listen,
    String name,
    List<HostPort> announce,
    Map<NodeId, List<HostPort>> peers,
    boolean mdns,
    long maxRate,
    java.time.Duration forgetAfter) {
  public static final MeshSettings DEFAULTS =
      new MeshSettings(
          MeshConfig.DEFAULT_LISTEN,
          "",
          List.of(),
          Map.of(),
          true,
          0,
          java.time.Duration.ofDays(30));

  public MeshSettings {
    announce = List.copyOf(announce);
    peers = Map.copyOf(peers);
    if (maxRate < 0) {
      throw new IllegalArgumentException("mesh.max_rate is 0 (no cap) or a positive size");
    }
    if (forgetAfter.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("mesh.forget_after is at least 1s, got " + forgetAfter);
    }
    if (name.length() > 255 || name.contains("\n")) {
      throw new IllegalArgumentException("mesh.name is at most 255 characters on one line");
    }
  }

  /** This with {@code listen} (null: off). */
  public MeshSettings withListen(HostPort at) {
    return new MeshSettings(at, name, announce, peers, mdns, maxRate, forgetAfter);
  }

  /** Parses {@code off} or {@code HOST:PORT}. */
  public static HostPort parseListen(String v) {
    return v.trim().equalsIgnoreCase("off") ? null : HostPort.parse(v);
  }

  /** Reads the {@code mesh.*} keys of {@code m}; absent ones take their defaults. */
  static MeshSettings fromMap(Map<String, String> m) {
    HostPort listen = DEFAULTS.listen;
    String v = m.get("mesh.listen");
    if (v != null && !v.isEmpty()) {
      try {
        listen = parseListen(v);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("mesh.listen: " + e.getMessage() + " (or: off)", e);
      }
    }
    List<HostPort> announce = new ArrayList<>();
    for (String a : list(m.get("mesh.announce"))) {
      try {
        announce.add(HostPort.parse(a));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("mesh.announce: " + e.getMessage(), e);
      }
    }
    Map<NodeId, List<HostPort>> peers = new LinkedHashMap<>();
    for (String p : list(m.get("mesh.peers"))) {
      int at = p.indexOf('@');
      if (at < 0) {
        throw new IllegalArgumentException("mesh.peers: '" + p + "' is not ID@HOST:PORT");
      }
      try {
        peers
            .computeIfAbsent(NodeId.parse(p.substring(0, at)), k -> new ArrayList<>())
            .add(HostPort.parse(p.substring(at + 1)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("mesh.peers: '" + p + "': " + e.getMessage(), e);
      }
    }
    String mdnsText = m.getOrDefault("mesh.mdns", "on").trim().toLowerCase(java.util.Locale.ROOT);
    boolean mdns;
    switch (mdnsText) {
      case "on", "true", "" -> mdns = true;
      case "off", "false" -> mdns = false;
      default -> throw new IllegalArgumentException("mesh.mdns is on or off, got " + mdnsText);
    }
    long maxRate = 0;
    String rate = m.get("mesh.max_rate");
    if (rate != null && !rate.isBlank()) {
      try {
        maxRate = NodeConfig.parseSize(rate.trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("mesh.max_rate: " + e.getMessage(), e);
      }
    }
    java.time.Duration forgetAfter = DEFAULTS.forgetAfter;
    String forget = m.get("mesh.forget_after");
    if (forget != null && !forget.isBlank()) {
      try {
        forgetAfter = NodeConfig.parseDuration(forget);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("mesh.forget_after: " + e.getMessage(), e);
      }
    }
    return new MeshSettings(
        listen,
        m.getOrDefault("mesh.name", "").trim(),
        announce,
        peers,
        mdns,
        maxRate,
        forgetAfter);
  }

  /** The keys and their values, as they would be written in the file. */
  void toMap(Map<String, String> m) {
    m.put("mesh.listen", listen == null ? "off" : listen.toString());
    m.put("mesh.name", name);
    m.put("mesh.announce", String.join(",", announce.stream().map(HostPort::toString).toList()));
    List<String> ps = new ArrayList<>();
    peers.forEach((id, addrs) -> addrs.forEach(a -> ps.add(id + "@" + a)));
    m.put("mesh.peers", String.join(",", ps));
    m.put("mesh.mdns", mdns ? "on" : "off");
    m.put("mesh.max_rate", Long.toString(maxRate));
    m.put("mesh.forget_after", forgetAfter.toSeconds() + "s");
  }

  private static List<String> list(String v) {
    List<String> out = new ArrayList<>();
    if (v != null) {
      for (String s : v.split(",")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
    }
    return out;
  }
}
