package org.latticefs.kv.state;

import java.util.List;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Head;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;

/** The primitive reads and writes of one backend write transaction. */
interface StateTxn {
  /** The heads of {@code key}, winner first; empty if none. */
  List<Head> heads(String key) throws KvException;

  /** Replaces the heads of {@code key} (already sorted winner first); empty removes the key. */
  void setHeads(String key, List<Head> heads) throws KvException;

  boolean hasGhost(BlobRef entry, String key) throws KvException;

  void addGhost(BlobRef entry, String key) throws KvException;

  void removeGhost(BlobRef entry, String key) throws KvException;

  void setTip(NodeId author, AppliedTip tip) throws KvException;
}
