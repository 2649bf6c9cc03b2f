package org.latticefs.node.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The node's settings: defaults that need no file, overridden by {@code
 * $LATTICE_HOME/config.properties} (Java properties syntax). Sizes accept a {@code K}, {@code M},
 * {@code G} or {@code T} suffix (powers of 1024).
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code storage.quota}</td><td>0 (no quota)</td><td>most bytes of blobs this node
 *       keeps; writes beyond it fail with ENOSPC; statfs reports it as the size</td></tr>
 *   <tr><td>{@code storage.min_free}</td><td>1G</td><td>free space left on the data disk:
 *       writes that would go below it fail with ENOSPC</td></tr>
 *   <tr><td>{@code memory.heap}</td><td>256M</td><td>the daemon's Java heap ({@code -Xmx}); at
 *       least 64M</td></tr>
 *   <tr><td>{@code memory.direct}</td><td>64M</td><td>the daemon's direct (off-heap) buffers
 *       ({@code -XX:MaxDirectMemorySize}); at least 16M</td></tr>
 *   <tr><td>{@code cache.chunk_bytes}</td><td>64M</td><td>in-memory cache of chunks read
 *       through the mount (on the heap: at most half of {@code memory.heap})</td></tr>
 *   <tr><td>{@code cache.kv_bytes}</td><td>32M</td><td>cache of the kv state's pages (on the
 *       heap: at most a quarter of {@code memory.heap})</td></tr>
 *   <tr><td>{@code fs.readahead_bytes}</td><td>32M</td><td>the most a sequential reader of one
 *       file fetches ahead (0: none)</td></tr>
 *   <tr><td>{@code fs.staging_memory}</td><td>32M</td><td>the most the files being written keep
 *       in memory together before they stage on disk (on the heap: at most a quarter of {@code
 *       memory.heap})</td></tr>
 *   <tr><td>{@code log.level}</td><td>warn</td><td>error, warn, info, debug or trace;
 *       {@code -v} means debug</td></tr>
 *   <tr><td>{@code mount.options}</td><td>(none)</td><td>extra comma-separated FUSE mount
 *       options, checked by {@link MountOptions}, e.g. {@code allow_other}</td></tr>
 *   <tr><td>{@code gc.interval}</td><td>10m</td><td>time between garbage collection passes
 *       ({@code s}, {@code m}, {@code h}, {@code d} suffixes; 0: only on demand and when
 *       space runs short)</td></tr>
 *   <tr><td>{@code storage.min_copies}</td><td>1</td><td>copies of a blob other nodes must hold
 *       before cache eviction may drop this node's copy of it (on-demand stores only; a
 *       copy counts if that node keeps the whole store or pinned it and says so, over the mesh,
 *       at eviction time; a node not connected confirms nothing)</td></tr>
 *   <tr><td>{@code fsck.interval}</td><td>30d</td><td>time between background scrubs (every
 *       blob re-hashed, rate-limited; 0: only {@code lattice-fs fsck})</td></tr>
 *   <tr><td>{@code gc.keep_deleted}</td><td>0</td><td>how long superseded and deleted file
 *       versions stay live before they become garbage ({@code lattice-fs versions PATH} lists
 *       them; 0: off)</td></tr>
 *   <tr><td>{@code fs.owner}</td><td>stored</td><td>who files show as owned by: {@code stored}
 *       (the numbers as written or chowned), {@code mount} (the user running the daemon, on
 *       every node) or {@code UID:GID}</td></tr>
 *   <tr><td>{@code mesh.listen}</td><td>0.0.0.0:4710</td><td>where peers connect ({@code
 *       HOST:PORT}, or {@code off}); see {@link MeshSettings}</td></tr>
 *   <tr><td>{@code mesh.name}</td><td>the host name</td><td>this node's name for its peers</td></tr>
 *   <tr><td>{@code mesh.announce}</td><td>(derived)</td><td>addresses peers should dial, e.g. a
 *       router's forwarded port</td></tr>
 *   <tr><td>{@code mesh.peers}</td><td>(none)</td><td>static peers, {@code ID@HOST:PORT,…}</td></tr>
 *   <tr><td>{@code mesh.mdns}</td><td>on</td><td>find trusted peers on the LAN</td></tr>
 *   <tr><td>{@code metrics.listen}</td><td>127.0.0.1:9347</td><td>where the daemon serves
 *       Prometheus metrics ({@code /metrics}) and its status page ({@code /}): {@code HOST:PORT},
 *       or {@code off}; see {@link MetricsListen}</td></tr>
 *   <tr><td>{@code mesh.max_rate}</td><td>0</td><td>bytes per second this node uploads to all
 *       peers together (size suffixes as above; 0: no cap)</td></tr>
 *   <tr><td>{@code mesh.forget_after}</td><td>30d</td><td>a node unseen this long (or revoked,
 *       or forgotten with {@code peer forget}) no longer counts as a holder of copies: cache
 *       eviction asks it nothing and keeps what only it held</td></tr>
 * </table>
 *
 * Unknown keys are an error (a typo must not be silently ignored), and so are values that cannot
 * work together (a cache larger than the heap it lives on).
 */
public record NodeConfig(
    long storageQuota,
    long minFreeSpace,
    long heapBytes,
    long directBytes,
    long chunkCacheBytes,
    long kvCacheBytes,
    long readaheadBytes,
    long stagingMemoryBytes,
    String logLevel,
    MountOptions mountOptions,
    Duration gcInterval,
    int minCopies,
    MeshSettings mesh,
    String fsOwner,
    Duration fsckInterval,
    Duration keepDeleted,
    MetricsListen metricsListen) {

  public static final NodeConfig DEFAULTS =
      new NodeConfig(
          0,
          1L << 30,
          256L << 20,
          64L << 20,
          64L << 20,
          32L << 20,
          32L << 20,
          32L << 20,
          "warn",
          MountOptions.NONE,
          Duration.ofMinutes(10),
          1,
          MeshSettings.DEFAULTS,
          "stored",
          Duration.ofDays(30),
          Duration.ZERO,
          MetricsListen.DEFAULT);

  static final long MIN_HEAP = 64L << 20;
  static final long MIN_DIRECT = 16L << 20;

  static final Set<String> KEYS =
      Set.of(
          "storage.quota",
          "storage.min_free",
          "memory.heap",
          "memory.direct",
          "cache.chunk_bytes",
          "cache.kv_bytes",
          "fs.readahead_bytes",
          "fs.staging_memory",
          "log.level",
          "mount.options",
          "gc.interval",
          "storage.min_copies",
          "mesh.listen",
          "mesh.name",
          "mesh.announce",
          "mesh.peers",
          "mesh.mdns",
          "mesh.max_rate",
          "mesh.forget_after",
          "fs.owner",
          "fsck.interval",
          "gc.keep_deleted",
          "metrics.listen");

  private static final Set<String> LEVELS = Set.of("error", "warn", "info", "debug", "trace");

  public NodeConfig {
    if (gcInterval == null || gcInterval.isNegative()) {
      throw new IllegalArgumentException("gc.interval must be 0 or more, got " + gcInterval);
    }
    if (minCopies < 1) {
      throw new IllegalArgumentException("storage.min_copies must be at least 1, got " + minCopies);
    }
    if (fsckInterval == null || fsckInterval.isNegative()) {
      throw new IllegalArgumentException("fsck.interval must be 0 or more, got " + fsckInterval);
    }
    if (keepDeleted == null || keepDeleted.isNegative()) {
      throw new IllegalArgumentException("gc.keep_deleted must be 0 or more, got " + keepDeleted);
    }
    if (!fsOwner.equals("mount")
        && !fsOwner.equals("stored")
        && !fsOwner.matches("\\d{1,9}:\\d{1,9}")) {
      throw new IllegalArgumentException(
          "fs.owner is mount, stored or UID:GID, got '" + fsOwner + "'");
    }
    if (heapBytes < MIN_HEAP) {
      throw new IllegalArgumentException(
          "memory.heap must be at least " + (MIN_HEAP >> 20) + "M, got " + heapBytes);
    }
    if (directBytes < MIN_DIRECT) {
      throw new IllegalArgumentException(
          "memory.direct must be at least " + (MIN_DIRECT >> 20) + "M, got " + directBytes);
    }
    if (chunkCacheBytes > heapBytes / 2) {
      throw new IllegalArgumentException(
          "cache.chunk_bytes ("
              + chunkCacheBytes
              + ") must be at most half of memory.heap ("
              + heapBytes
              + "): the cache lives on the heap; raise memory.heap or lower the cache");
    }
    if (kvCacheBytes > heapBytes / 4) {
      throw new IllegalArgumentException(
          "cache.kv_bytes ("
              + kvCacheBytes
              + ") must be at most a quarter of memory.heap ("
              + heapBytes
              + "): the cache lives on the heap; raise memory.heap or lower the cache");
    }
    if (stagingMemoryBytes > heapBytes / 4) {
      throw new IllegalArgumentException(
          "fs.staging_memory ("
              + stagingMemoryBytes
              + ") must be at most a quarter of memory.heap ("
              + heapBytes
              + "): it lives on the heap; raise memory.heap or lower it");
    }
  }

  /** Reads {@code file}; a missing file means the defaults. */
  public static NodeConfig load(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (NoSuchFileException e) {
      return DEFAULTS;
    }
    Map<String, String> m = new TreeMap<>();
    for (String k : p.stringPropertyNames()) {
      m.put(k, p.getProperty(k).trim());
    }
    try {
      return fromMap(m);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Builds a config from key/value pairs; absent keys take their defaults. */
  public static NodeConfig fromMap(Map<String, String> m) {
    for (String k : m.keySet()) {
      if (!KEYS.contains(k)) {
        throw new IllegalArgumentException(
            "unknown config key '" + k + "' (known: " + new java.util.TreeSet<>(KEYS) + ")");
      }
    }
    NodeConfig d = DEFAULTS;
    String level = m.getOrDefault("log.level", d.logLevel).toLowerCase(Locale.ROOT);
    if (!LEVELS.contains(level)) {
      throw new IllegalArgumentException("log.level must be one of " + LEVELS + ", got " + level);
    }
    MountOptions options;
    try {
      options = MountOptions.parse(m.get("mount.options"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("mount.options: " + e.getMessage(), e);
    }
    return new NodeConfig(
        size(m, "storage.quota", d.storageQuota),
        size(m, "storage.min_free", d.minFreeSpace),
        size(m, "memory.heap", d.heapBytes),
        size(m, "memory.direct", d.directBytes),
        size(m, "cache.chunk_bytes", d.chunkCacheBytes),
        size(m, "cache.kv_bytes", d.kvCacheBytes),
        size(m, "fs.readahead_bytes", d.readaheadBytes),
        size(m, "fs.staging_memory", d.stagingMemoryBytes),
        level,
        options,
        duration(m, "gc.interval", d.gcInterval),
        count(m, "storage.min_copies", d.minCopies),
        MeshSettings.fromMap(m),
        m.getOrDefault("fs.owner", d.fsOwner).trim(),
        duration(m, "fsck.interval", d.fsckInterval),
        duration(m, "gc.keep_deleted", d.keepDeleted),
        MetricsListen.parse(m.getOrDefault("metrics.listen", d.metricsListen.toString())));
  }

  /** This config with the mesh listening at {@code at} (null: not at all). */
  public NodeConfig withMeshListen(org.latticefs.mesh.HostPort at) {
    return with(mesh.withListen(at), metricsListen);
  }

  /** This config with the metrics and status page served at {@code listen}. */
  public NodeConfig withMetricsListen(MetricsListen listen) {
    return with(mesh, listen);
  }

  private NodeConfig with(MeshSettings mesh, MetricsListen listen) {
    return new NodeConfig(
        storageQuota,
        minFreeSpace,
        heapBytes,
        directBytes,
        chunkCacheBytes,
        kvCacheBytes,
        readaheadBytes,
        stagingMemoryBytes,
        logLevel,
        mountOptions,
        gcInterval,
        minCopies,
        mesh,
        fsOwner,
        fsckInterval,
        keepDeleted,
        listen);
  }

  /** Every key with its value in this config, as it would be written in the file. */
  public static Map<String, String> toMap(NodeConfig c) {
    Map<String, String> m = new TreeMap<>();
    m.put("storage.quota", Long.toString(c.storageQuota));
    m.put("storage.min_free", Long.toString(c.minFreeSpace));
    m.put("memory.heap", Long.toString(c.heapBytes));
    m.put("memory.direct", Long.toString(c.directBytes));
    m.put("cache.chunk_bytes", Long.toString(c.chunkCacheBytes));
    m.put("cache.kv_bytes", Long.toString(c.kvCacheBytes));
    m.put("fs.readahead_bytes", Long.toString(c.readaheadBytes));
    m.put("fs.staging_memory", Long.toString(c.stagingMemoryBytes));
    m.put("log.level", c.logLevel);
    m.put("mount.options", c.mountOptions.joined());
    m.put("gc.interval", c.gcInterval.toSeconds() + "s");
    m.put("storage.min_copies", Integer.toString(c.minCopies));
    c.mesh.toMap(m);
    m.put("fs.owner", c.fsOwner);
    m.put("fsck.interval", c.fsckInterval.toSeconds() + "s");
    m.put("gc.keep_deleted", c.keepDeleted.toSeconds() + "s");
    m.put("metrics.listen", c.metricsListen.toString());
    return m;
  }

  /** Parses {@code 123}, {@code 64K}, {@code 256M}, {@code 2G}, {@code 1T} (powers of 1024). */
  public static long parseSize(String s) {
    String t = s.trim().toUpperCase(Locale.ROOT);
    if (t.endsWith("B")) {
      t = t.substring(0, t.length() - 1);
    }
    int shift = 0;
    if (!t.isEmpty()) {
      switch (t.charAt(t.length() - 1)) {
        case 'K' -> shift = 10;
        case 'M' -> shift = 20;
        case 'G' -> shift = 30;
        case 'T' -> shift = 40;
        default -> shift = 0;
      }
    }
    if (shift != 0) {
      t = t.substring(0, t.length() - 1);
    }
    long n;
    try {
      n = Long.parseLong(t.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a size: '" + s + "' (examples: 0, 512M, 2G)");
    }
    if (n < 0 || (shift > 0 && n > (Long.MAX_VALUE >> shift))) {
      throw new IllegalArgumentException("size out of range: '" + s + "'");
    }
    return n << shift;
  }

  /**
   * Parses {@code 0}, {@code 90s}, {@code 10m}, {@code 2h}, {@code 1d} (a bare number: seconds).
   */
  public static Duration parseDuration(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (!t.isEmpty()) {
      switch (t.charAt(t.length() - 1)) {
        case 's' -> unit = 1;
        case 'm' -> unit = 60;
        case 'h' -> unit = 3600;
        case 'd' -> unit = 86400;
        default -> unit = 0;
      }
    }
    if (unit != 0) {
      t = t.substring(0, t.length() - 1);
    } else {
      unit = 1;
    }
    long n;
    try {
      n = Long.parseLong(t.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "not a duration: '" + s + "' (examples: 0, 90s, 10m, 2h, 1d)");
    }
    if (n < 0 || n > Long.MAX_VALUE / unit / 1000) {
      throw new IllegalArgumentException("duration out of range: '" + s + "'");
    }
    return Duration.ofSeconds(n * unit);
  }

  private static Duration duration(Map<String, String> m, String key, Duration dflt) {
    String v = m.get(key);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    try {
      return parseDuration(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
    }
  }

  private static int count(Map<String, String> m, String key, int dflt) {
    String v = m.get(key);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": not a whole number: '" + v + "'", e);
    }
  }

  private static long size(Map<String, String> m, String key, long dflt) {
    String v = m.get(key);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    try {
      return parseSize(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
    }
  }
}
