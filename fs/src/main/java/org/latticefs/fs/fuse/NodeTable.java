package org.latticefs.fs.fuse;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.latticefs.kv.KeyBytes;

/**
 * The kernel's node ids for the path-based core: each name the kernel has been told about (a parent
 * node and a name) gets a node id, counted by lookups until FORGET gives them back; a node's path
 * is its parent's path and its name. Renames move a node (its descendants follow, since paths are
 * built from parents); an unlinked node keeps its id, without a path, until forgotten.
 *
 * <p>As in libfuse's high-level API, a hard-linked file has one node per name. Node id 1 is the
 * root, never forgotten. Thread-safe (one lock).
 */
final class NodeTable {
  static final long ROOT = 1;

  /** The longest path built, in bytes: deeper trees answer ENAMETOOLONG. */
  static final int MAX_PATH = 1 << 16;

  private static final class Node {
    final long id;
    long parent;
    byte[] name;
    long lookups;
    boolean detached;

    Node(long id, long parent, byte[] name) {
      this.id = id;
      this.parent = parent;
      this.name = name;
    }
  }

  /** A (parent, name) key. */
  private record Key(long parent, byte[] name) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.parent == parent && Arrays.equals(k.name, name);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(parent) * 31 + Arrays.hashCode(name);
    }
  }

  private final Map<Long, Node> byId = new HashMap<>();
  private final Map<Key, Node> byName = new HashMap<>();
  private long nextId = 2;

  NodeTable() {
    byId.put(ROOT, new Node(ROOT, 0, new byte[0]));
  }

  /** The node id for {@code name} in {@code parent}, created if new, with one more reference. */
  synchronized long ref(long parent, byte[] name) {
    Key k = new Key(parent, name);
    Node n = byName.get(k);
    if (n == null) {
      n = new Node(nextId++, parent, name);
      byId.put(n.id, n);
      byName.put(k, n);
    }
    n.lookups++;
    return n.id;
  }

  /** The node id of {@code name} in {@code parent}, or 0 if the kernel was never told of it. */
  synchronized long find(long parent, byte[] name) {
    Node n = byName.get(new Key(parent, name));
    return n == null ? 0 : n.id;
  }

  /** Gives back {@code count} references; a node with none left is dropped. */
  synchronized void forget(long id, long count) {
    Node n = byId.get(id);
    if (n == null || id == ROOT) {
      return;
    }
    n.lookups -= count;
    if (n.lookups <= 0) {
      byId.remove(id);
      if (!n.detached) {
        byName.remove(new Key(n.parent, n.name));
      }
    }
  }

  /**
   * The core's path of {@code id} ({@code /} for the root), or null when the node is unknown or has
   * no name any more.
   *
   * @throws PathTooLongException past {@link #MAX_PATH} bytes
   */
  synchronized String path(long id) throws PathTooLongException {
    byte[] p = pathBytes(id, null);
    return p == null ? null : KeyBytes.decode(p);
  }

  /**
   * Whether {@code id} is known and still has a name (is not detached, nor below a detached one).
   */
  synchronized boolean hasPath(long id) {
    Node n = byId.get(id);
    for (; n != null && n.id != ROOT; n = byId.get(n.parent)) {
      if (n.detached) {
        return false;
      }
    }
    return n != null;
  }

  /** The core's path of {@code name} in directory {@code parent}, or null (see {@link #path}). */
  synchronized String path(long parent, byte[] name) throws PathTooLongException {
    byte[] p = pathBytes(parent, name);
    return p == null ? null : KeyBytes.decode(p);
  }

  private byte[] pathBytes(long id, byte[] last) throws PathTooLongException {
    int len = last == null ? 0 : last.length + 1;
    Node n = byId.get(id);
    for (; n != null && n.id != ROOT; n = byId.get(n.parent)) {
      if (n.detached) {
        return null;
      }
      len += n.name.length + 1;
      if (len > MAX_PATH) {
        throw new PathTooLongException();
      }
    }
    if (n == null) {
      return null;
    }
    if (len == 0) {
      return new byte[] {'/'};
    }
    byte[] out = new byte[len];
    int at = len;
    if (last != null) {
      at -= last.length;
      System.arraycopy(last, 0, out, at, last.length);
      out[--at] = '/';
    }
    for (Node m = byId.get(id); m.id != ROOT; m = byId.get(m.parent)) {
      at -= m.name.length;
      System.arraycopy(m.name, 0, out, at, m.name.length);
      out[--at] = '/';
    }
    return out;
  }

  /**
   * {@code name} in {@code parent} is gone (unlinked, or replaced by a rename): detach its node.
   */
  synchronized void remove(long parent, byte[] name) {
    Node n = byName.remove(new Key(parent, name));
    if (n != null) {
      n.detached = true;
    }
  }

  /** A rename: the node of {@code name} moves; a node at the target is detached first. */
  synchronized void move(long parent, byte[] name, long newParent, byte[] newName) {
    remove(newParent, newName);
    Node n = byName.remove(new Key(parent, name));
    if (n != null) {
      n.parent = newParent;
      n.name = newName;
      byName.put(new Key(newParent, newName), n);
    }
  }

  /** How many nodes are known (the root included). */
  synchronized int size() {
    return byId.size();
  }

  /** A path longer than {@link #MAX_PATH}: ENAMETOOLONG. */
  static final class PathTooLongException extends Exception {
    PathTooLongException() {
      super("path longer than " + MAX_PATH + " bytes", null, false, false);
    }
  }
}
