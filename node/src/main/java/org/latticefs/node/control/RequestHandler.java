package org.latticefs.node.control;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one control request by calling a {@link NodeApi}: {@code {"op": NAME, ...arguments}} in,
 * {@code {"ok": true, "result": ...}} or {@code {"ok": false, "error": MESSAGE, "exit": CODE}} out.
 * Never throws: a malformed request is an error answer with exit code 2, a failure of the node one
 * with its exit code (1 unless the node says otherwise). Safe for concurrent use if the node is.
 */
final class RequestHandler {
  private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);

  private final NodeApi node;

  RequestHandler(NodeApi node) {
    this.node = node;
  }

  Map<String, Object> handle(Map<String, Object> req) {
    try {
      Object result = dispatch(req);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("ok", true);
      m.put("result", result);
      return m;
    } catch (NodeException e) {
      return error(e.getMessage(), e.exitCode());
    } catch (Frames.ProtocolException e) {
      return error("bad request: " + e.getMessage(), 2);
    } catch (IOException | IllegalArgumentException e) {
      return error(e.getMessage() == null ? e.toString() : e.getMessage(), 1);
    } catch (RuntimeException e) {
      log.error("control request {} failed", req.get("op"), e);
      return error("internal error: " + e, 1);
    }
  }

  static Map<String, Object> error(String message, int exit) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", false);
    m.put("error", message);
    m.put("exit", exit);
    return m;
  }

  private Object dispatch(Map<String, Object> r) throws IOException {
    String op = Wire.requiredStr(r, "op");
    String store = Wire.str(r, "store");
    switch (op) {
      case "ping":
        return "pong";
      case "id":
        return node.nodeId();
      case "store.ls":
        {
          List<Object> l = new ArrayList<>();
          for (NodeApi.StoreRow s : node.stores()) {
            l.add(Wire.store(s));
          }
          return l;
        }
      case "store.create":
        return Wire.store(node.createStore(Wire.requiredStr(r, "name")));
      case "store.rm":
        return Wire.store(node.removeStore(Wire.requiredStr(r, "store")));
      case "kv.put":
        {
          byte[] v = Wire.bytes(r, "value_base64");
          if (v == null) {
            throw new Frames.ProtocolException("field 'value_base64' is required");
          }
          return node.put(store, Wire.requiredStr(r, "key"), v);
        }
      case "kv.get":
        {
          Optional<byte[]> v = node.get(store, Wire.requiredStr(r, "key"));
          return v.map(Wire.B64::encodeToString).orElse(null);
        }
      case "kv.rm":
        return node.remove(store, Wire.requiredStr(r, "key"));
      case "kv.ls":
        {
          List<Object> l = new ArrayList<>();
          for (NodeApi.Row row :
              node.list(store, Wire.requiredStr(r, "prefix"), Wire.str(r, "after"), limit(r))) {
            l.add(Wire.row(row));
          }
          return l;
        }
      case "kv.heads":
        {
          List<Object> l = new ArrayList<>();
          for (NodeApi.HeadRow h : node.heads(store, Wire.requiredStr(r, "key"))) {
            l.add(Wire.head(h));
          }
          return l;
        }
      case "kv.history":
        {
          List<Object> l = new ArrayList<>();
          for (NodeApi.EntryRow e : node.history(store, Wire.str(r, "key"), limit(r))) {
            l.add(Wire.entry(e));
          }
          return l;
        }
      case "peer.invite":
        return node.invite(Wire.num(r, "ttl_seconds"));
      case "peer.join":
        return Wire.joined(node.join(Wire.requiredStr(r, "line")));
      case "peer.ls":
        {
          List<Object> l = new ArrayList<>();
          for (NodeApi.PeerRow p : node.peers()) {
            l.add(Wire.peer(p));
          }
          return l;
        }
      case "peer.revoke":
        return node.revoke(Wire.requiredStr(r, "id"));
      case "peer.forget":
        node.forget(Wire.requiredStr(r, "id"));
        return true;
      case "peer.add":
        node.addPeer(Wire.requiredStr(r, "id"), Wire.requiredStr(r, "addr"));
        return true;
      case "status":
        return Wire.status(node.status());
      case "stat":
        return Wire.fileStat(node.stat(Wire.requiredStr(r, "path")));
      case "gc.start":
        return node.startGc(Wire.requiredStr(r, "kind"));
      case "gc.job":
        return Wire.gcJob(node.gcJob(Wire.requiredStr(r, "id")));
      case "pin.add":
        return node.pinAdd(Wire.requiredStr(r, "target"));
      case "pin.rm":
        return node.pinRemove(Wire.requiredStr(r, "target"));
      case "pin.ls":
        return new ArrayList<Object>(node.pins());
      case "whereis":
        return node.whereis(Wire.requiredStr(r, "target"));
      case "store.mode":
        return node.setStoreMode(Wire.requiredStr(r, "store"), Wire.requiredStr(r, "mode"));
      case "fsck.start":
        return node.startFsck(Boolean.TRUE.equals(r.get("repair")));
      case "fsck.job":
        return Wire.gcJob(node.fsckJob(Wire.requiredStr(r, "id")));
      case "versions":
        return new ArrayList<Object>(node.versions(Wire.requiredStr(r, "path")));
      case "shutdown":
        node.shutdown();
        return true;
      default:
        throw new Frames.ProtocolException("unknown op '" + op + "'");
    }
  }

  private static int limit(Map<String, Object> r) throws Frames.ProtocolException {
    long l = Wire.num(r, "limit");
    if (l <= 0 || l > 1_000_000) {
      throw new Frames.ProtocolException("field 'limit' must be in 1..1000000");
    }
    return (int) l;
  }
}
