package org.latticefs.kv;

import java.util.Arrays;
import java.util.HexFormat;

/** A node's identity: its 32-byte Ed25519 public key. */
public record NodeId(byte[] publicKey) implements Comparable<NodeId> {
  public static final int LENGTH = 32;

  public NodeId {
    if (publicKey == null || publicKey.length != LENGTH) {
      throw new IllegalArgumentException("a node id is a 32-byte Ed25519 public key");
    }
    publicKey = publicKey.clone();
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeId n && Arrays.equals(publicKey, n.publicKey);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(publicKey);
  }

  @Override
  public int compareTo(NodeId o) {
    return Arrays.compareUnsigned(publicKey, o.publicKey);
  }

  @Override
  public String toString() {
    return HexFormat.of().formatHex(publicKey);
  }
}
