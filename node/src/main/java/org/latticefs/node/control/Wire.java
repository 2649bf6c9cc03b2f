package org.latticefs.node.control;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeApi.ChunkRow;
import org.latticefs.node.NodeApi.DamagedRow;
import org.latticefs.node.NodeApi.EntryRow;
import org.latticefs.node.NodeApi.FileStat;
import org.latticefs.node.NodeApi.GcJob;
import org.latticefs.node.NodeApi.HeadRow;
import org.latticefs.node.NodeApi.Health;
import org.latticefs.node.NodeApi.OpRow;
import org.latticefs.node.NodeApi.PinRow;
import org.latticefs.node.NodeApi.Row;
import org.latticefs.node.NodeApi.Status;
import org.latticefs.node.NodeApi.StoreHealth;
import org.latticefs.node.NodeApi.StoreRow;
import org.latticefs.node.NodeApi.UnsavedRow;

/**
 * JSON forms of the {@link org.latticefs.node.NodeApi} records, shared by the control protocol and
 * {@code --json} output. Byte values travel as base64 ({@code value_base64}); for reading, {@code
 * --json} output also carries {@code value} as UTF-8 text. Decoding a field of the wrong type is a
 * {@link Frames.ProtocolException}.
 */
public final class Wire {
  private Wire() {}

  static final Base64.Encoder B64 = Base64.getEncoder();
  static final Base64.Decoder B64D = Base64.getDecoder();

  public static Map<String, Object> store(StoreRow s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("name", s.name());
    m.put("created_at", s.createdAtMillis());
    return m;
  }

  static StoreRow store(Map<String, Object> m) throws Frames.ProtocolException {
    return new StoreRow(str(m, "id"), str(m, "name"), num(m, "created_at"));
  }

  public static Map<String, Object> row(Row r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", r.key());
    putValue(m, r.value());
    return m;
  }

  static Row row(Map<String, Object> m) throws Frames.ProtocolException {
    return new Row(str(m, "key"), bytes(m, "value_base64"));
  }

  public static Map<String, Object> head(HeadRow h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", h.key());
    putValue(m, h.value());
    m.put("deleted", h.value() == null);
    m.put("hlc", h.hlc());
    m.put("author", h.author());
    m.put("entry", h.entry());
    return m;
  }

  static HeadRow head(Map<String, Object> m) throws Frames.ProtocolException {
    return new HeadRow(
        str(m, "key"), bytes(m, "value_base64"), str(m, "hlc"), str(m, "author"), str(m, "entry"));
  }

  public static Map<String, Object> entry(EntryRow e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("hash", e.hash());
    m.put("author", e.author());
    m.put("seq", e.seq());
    m.put("hlc", e.hlc());
    List<Object> ops = new ArrayList<>();
    for (OpRow o : e.ops()) {
      Map<String, Object> om = new LinkedHashMap<>();
      om.put("op", o.kind());
      om.put("key", o.key());
      putValue(om, o.value());
      ops.add(om);
    }
    m.put("ops", ops);
    return m;
  }

  static EntryRow entry(Map<String, Object> m) throws Frames.ProtocolException {
    List<OpRow> ops = new ArrayList<>();
    for (Map<String, Object> o : objects(m, "ops")) {
      ops.add(new OpRow(str(o, "op"), str(o, "key"), bytes(o, "value_base64")));
    }
    return new EntryRow(str(m, "hash"), str(m, "author"), num(m, "seq"), str(m, "hlc"), ops);
  }

  public static Map<String, Object> status(Status s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("running", true);
    m.put("pid", s.pid());
    m.put("node_id", s.nodeId());
    m.put("data_dir", s.dataDir());
    m.put("mountpoint", s.mountpoint());
    m.put("started_at", s.startedAtMillis());
    m.put("blob_count", s.blobCount());
    m.put("blob_bytes", s.blobBytes());
    List<Object> damaged = new ArrayList<>();
    for (DamagedRow d : s.damaged()) {
      Map<String, Object> dm = new LinkedHashMap<>();
      dm.put("store", d.store());
      dm.put("file", d.file());
      dm.put("reason", d.reason());
      damaged.add(dm);
    }
    m.put("damaged", damaged);
    List<Object> unsaved = new ArrayList<>();
    for (UnsavedRow u : s.unsaved()) {
      Map<String, Object> um = new LinkedHashMap<>();
      um.put("store", u.store());
      um.put("path", u.path());
      um.put("saved_as", u.savedAs());
      um.put("kept_at", u.keptAt());
      um.put("reason", u.reason());
      um.put("at", u.atMillis());
      unsaved.add(um);
    }
    m.put("unsaved", unsaved);
    m.put("scrub", s.scrub());
    m.put("health", healthMap(s.health()));
    return m;
  }

  static Map<String, Object> healthMap(Health h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", h.version());
    List<Object> stores = new ArrayList<>();
    for (StoreHealth r : h.stores()) {
      Map<String, Object> sm = new LinkedHashMap<>();
      sm.put("id", r.id());
      sm.put("name", r.name());
      sm.put("created_at", r.createdAtMillis());
      sm.put("mode", r.mode());
      sm.put("inodes", r.inodes());
      sm.put("files", r.files());
      sm.put("file_bytes", r.fileBytes());
      stores.add(sm);
    }
    m.put("stores", stores);
    m.put("files", h.files());
    m.put("quota_bytes", h.quotaBytes());
    m.put("used_bytes", h.usedBytes());
    m.put("free_disk_bytes", h.freeDiskBytes());
    m.put("disk_bytes", h.diskBytes());
    m.put("quarantined_blobs", h.quarantinedBlobs());
    m.put("rejected_entries", h.rejectedEntries());
    m.put("equivocations", h.equivocations());
    m.put("gc_runs", h.gcRuns());
    m.put("gc_failures", h.gcFailures());
    m.put("gc_last_success", h.gcLastSuccessMillis());
    m.put("metrics", h.metrics());
    List<Object> pins = new ArrayList<>();
    for (PinRow p : h.pins()) {
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("target", p.target());
      pm.put("store", p.store());
      pm.put("state", p.state());
      pm.put("phase", p.phase());
      pm.put("blobs", p.blobs());
      pm.put("bytes", p.bytes());
      pm.put("missing", p.missing());
      pm.put("problem", p.problem());
      pins.add(pm);
    }
    m.put("pins_in_progress", pins);
    m.put("pins_in_progress_count", h.pinsInProgress());
    m.put("pins_total", h.pinsTotal());
    return m;
  }

  @SuppressWarnings("unchecked")
  static Health health(Map<String, Object> m) throws Frames.ProtocolException {
    if (!(m.get("health") instanceof Map<?, ?> raw)) {
      throw new Frames.ProtocolException("status without 'health'");
    }
    Map<String, Object> h = (Map<String, Object>) raw;
    List<StoreHealth> stores = new ArrayList<>();
    for (Map<String, Object> r : objects(h, "stores")) {
      stores.add(
          new StoreHealth(
              str(r, "id"),
              str(r, "name"),
              num(r, "created_at"),
              str(r, "mode"),
              num(r, "inodes"),
              num(r, "files"),
              num(r, "file_bytes")));
    }
    List<PinRow> pins = new ArrayList<>();
    for (Map<String, Object> p : objects(h, "pins_in_progress")) {
      pins.add(
          new PinRow(
              str(p, "target"),
              str(p, "store"),
              str(p, "state"),
              str(p, "phase"),
              num(p, "blobs"),
              num(p, "bytes"),
              num(p, "missing"),
              str(p, "problem")));
    }
    return new Health(
        str(h, "version"),
        stores,
        num(h, "files"),
        num(h, "quota_bytes"),
        num(h, "used_bytes"),
        num(h, "free_disk_bytes"),
        num(h, "disk_bytes"),
        num(h, "quarantined_blobs"),
        num(h, "rejected_entries"),
        num(h, "equivocations"),
        num(h, "gc_runs"),
        num(h, "gc_failures"),
        num(h, "gc_last_success"),
        str(h, "metrics"),
        pins,
        num(h, "pins_in_progress_count"),
        num(h, "pins_total"));
  }

  static Status status(Map<String, Object> m) throws Frames.ProtocolException {
    List<DamagedRow> damaged = new ArrayList<>();
    for (Map<String, Object> d : objects(m, "damaged")) {
      damaged.add(new DamagedRow(str(d, "store"), str(d, "file"), str(d, "reason")));
    }
    List<UnsavedRow> unsaved = new ArrayList<>();
    for (Map<String, Object> u : objects(m, "unsaved")) {
      unsaved.add(
          new UnsavedRow(
              str(u, "store"),
              str(u, "path"),
              str(u, "saved_as"),
              str(u, "kept_at"),
              str(u, "reason"),
              num(u, "at")));
    }
    return new Status(
        num(m, "pid"),
        str(m, "node_id"),
        str(m, "data_dir"),
        str(m, "mountpoint"),
        num(m, "started_at"),
        num(m, "blob_count"),
        num(m, "blob_bytes"),
        damaged,
        unsaved,
        m.get("scrub") instanceof Map<?, ?> sc ? scrub(sc) : null,
        health(m));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> scrub(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  public static Map<String, Object> gcJob(GcJob j) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", j.id());
    m.put("kind", j.kind());
    m.put("state", j.state());
    m.put("phase", j.phase());
    m.put("done", j.done());
    m.put("total", j.total());
    m.put("result", j.result());
    m.put("error", j.error());
    return m;
  }

  @SuppressWarnings("unchecked")
  static GcJob gcJob(Map<String, Object> m) throws Frames.ProtocolException {
    Object result = m.get("result");
    if (result != null && !(result instanceof Map)) {
      throw new Frames.ProtocolException("field 'result' must be an object");
    }
    return new GcJob(
        str(m, "id"),
        str(m, "kind"),
        str(m, "state"),
        str(m, "phase"),
        num(m, "done"),
        num(m, "total"),
        (Map<String, Object>) result,
        str(m, "error"));
  }

  public static Map<String, Object> fileStat(FileStat f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", f.path());
    m.put("store", f.store());
    m.put("inode", f.inode());
    m.put("type", f.type());
    m.put("size", f.size());
    m.put("manifest", f.manifest());
    List<Object> chunks = new ArrayList<>();
    for (ChunkRow c : f.chunks()) {
      chunks.add(chunk(c));
    }
    m.put("chunks", chunks);
    return m;
  }

  public static Map<String, Object> chunk(ChunkRow c) {
    Map<String, Object> cm = new LinkedHashMap<>();
    cm.put("offset", c.offset());
    cm.put("length", c.length());
    cm.put("ref", c.ref());
    return cm;
  }

  static FileStat fileStat(Map<String, Object> m) throws Frames.ProtocolException {
    List<ChunkRow> chunks = new ArrayList<>();
    for (Map<String, Object> c : objects(m, "chunks")) {
      chunks.add(new ChunkRow(num(c, "offset"), num(c, "length"), str(c, "ref")));
    }
    return new FileStat(
        str(m, "path"),
        str(m, "store"),
        str(m, "inode"),
        str(m, "type"),
        num(m, "size"),
        str(m, "manifest"),
        chunks);
  }

  public static Map<String, Object> joined(NodeApi.JoinRow j) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", j.id());
    m.put("name", j.name());
    m.put("via", j.via());
    return m;
  }

  static NodeApi.JoinRow joined(Map<String, Object> m) throws Frames.ProtocolException {
    return new NodeApi.JoinRow(str(m, "id"), str(m, "name"), str(m, "via"));
  }

  public static Map<String, Object> peer(NodeApi.PeerRow p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", p.id());
    m.put("name", p.name());
    m.put("status", p.status());
    m.put("addrs", new ArrayList<Object>(p.addrs()));
    m.put("connected", p.connected());
    m.put("remote", p.remote());
    m.put("last_seen", p.lastSeenMillis());
    m.put("rtt_us", p.rttMicros());
    List<Object> stores = new ArrayList<>();
    for (NodeApi.LagRow l : p.stores()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("store_id", l.storeId());
      s.put("store", l.store());
      s.put("peer_lacks", l.peerLacks());
      s.put("we_lack", l.weLack());
      stores.add(s);
    }
    m.put("stores", stores);
    return m;
  }

  static NodeApi.PeerRow peer(Map<String, Object> m) throws Frames.ProtocolException {
    List<String> addrs = new ArrayList<>();
    Object a = m.get("addrs");
    if (a instanceof List<?> l) {
      for (Object o : l) {
        if (!(o instanceof String s)) {
          throw new Frames.ProtocolException("field 'addrs' must hold strings");
        }
        addrs.add(s);
      }
    }
    List<NodeApi.LagRow> lags = new ArrayList<>();
    for (Map<String, Object> s : objects(m, "stores")) {
      lags.add(
          new NodeApi.LagRow(
              str(s, "store_id"), str(s, "store"), num(s, "peer_lacks"), num(s, "we_lack")));
    }
    return new NodeApi.PeerRow(
        str(m, "id"),
        str(m, "name"),
        str(m, "status"),
        addrs,
        Boolean.TRUE.equals(m.get("connected")),
        str(m, "remote"),
        num(m, "last_seen"),
        num(m, "rtt_us"),
        lags);
  }

  private static void putValue(Map<String, Object> m, byte[] value) {
    if (value == null) {
      m.put("value", null);
      m.put("value_base64", null);
    } else {
      m.put("value", new String(value, java.nio.charset.StandardCharsets.UTF_8));
      m.put("value_base64", B64.encodeToString(value));
    }
  }

  static String str(Map<String, Object> m, String k) throws Frames.ProtocolException {
    Object v = m.get(k);
    if (v == null || v instanceof String) {
      return (String) v;
    }
    throw new Frames.ProtocolException("field '" + k + "' must be a string");
  }

  static String requiredStr(Map<String, Object> m, String k) throws Frames.ProtocolException {
    String s = str(m, k);
    if (s == null) {
      throw new Frames.ProtocolException("field '" + k + "' is required");
    }
    return s;
  }

  static long num(Map<String, Object> m, String k) throws Frames.ProtocolException {
    Object v = m.get(k);
    if (v instanceof Long l) {
      return l;
    }
    if (v == null) {
      return 0;
    }
    throw new Frames.ProtocolException("field '" + k + "' must be an integer");
  }

  static byte[] bytes(Map<String, Object> m, String k) throws Frames.ProtocolException {
    String s = str(m, k);
    if (s == null) {
      return null;
    }
    try {
      return B64D.decode(s);
    } catch (IllegalArgumentException e) {
      throw new Frames.ProtocolException("field '" + k + "' is not base64");
    }
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> objects(Map<String, Object> m, String k)
      throws Frames.ProtocolException {
    Object v = m.get(k);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> l)) {
      throw new Frames.ProtocolException("field '" + k + "' must be a list");
    }
    for (Object o : l) {
      if (!(o instanceof Map)) {
        throw new Frames.ProtocolException("field '" + k + "' must hold objects");
      }
    }
    return (List<Map<String, Object>>) v;
  }
}
