package org.latticefs.fs.fuse.kernel;

/**
 * The answer to a request that names an inode to the kernel (lookup, create, mknod, mkdir, symlink,
 * link, a readdirplus entry): its node id, generation and attributes. A mutable window the binding
 * owns and reuses per request (never keep it).
 *
 * <p>Each such answer the kernel receives adds one to the node's lookup count, which {@link
 * InodeFileSystem#forget} takes back; the binding calls {@code forget} itself when the kernel did
 * not receive the answer (the request was interrupted meanwhile).
 */
public final class Entry {
  long node;
  long generation;
  final Attr attr = new Attr();

  Entry clear() {
    node = 0;
    generation = 0;
    attr.clear();
    return this;
  }

  /** The node id ({@code nodeid}; 1 is the root) and its generation (0 if ids are never reused). */
  public Entry node(long node, long generation) {
    this.node = node;
    this.generation = generation;
    return this;
  }

  /** The node id set by {@link #node}. */
  public long nodeId() {
    return node;
  }

  /** The attributes to fill. */
  public Attr attr() {
    return attr;
  }

  /** Writes {@code struct fuse_entry_out} (128 bytes) with the given cache timeouts. */
  void encode(Out out, Timeouts timeouts) {
    out.u64(node).u64(generation);
    out.u64(timeouts.entrySeconds()).u64(timeouts.attrSeconds());
    out.u32(timeouts.entryNanos()).u32(timeouts.attrNanos());
    attr.encode(out);
  }
}
