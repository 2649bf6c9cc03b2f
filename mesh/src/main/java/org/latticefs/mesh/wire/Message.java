package org.latticefs.mesh.wire;

import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.NodeId;

/**
 * One message of the mesh protocol (see {@link MessageCodec} for the bytes). Handshake: {@link
 * Hello} both ways, then {@link Welcome} from the side that accepted the connection (or {@link
 * Error} and close). Then, per store: {@link Tips}, {@link Entries}, {@link Ack}, {@link Proof}; to
 * heal a store the receiver refused as damaged, {@link ChainRequest} and {@link ChainPart}. {@link
 * Ping}/{@link Pong} keep an idle connection checked.
 */
public sealed interface Message
    permits Message.Hello,
        Message.Welcome,
        Message.Error,
        Message.Ping,
        Message.Pong,
        Message.Tips,
        Message.Entries,
        Message.Ack,
        Message.Proof,
        Message.ChainRequest,
        Message.ChainPart {

  /**
   * The first message each side sends after TLS.
   *
   * @param minVersion the oldest protocol version this node speaks
   * @param maxVersion the newest
   * @param name the node's display name
   * @param capabilities what it can do beyond the version's core (e.g. {@code blobs/1} later)
   * @param addrs where it can be reached ({@code host:port})
   * @param invite a one-time invite secret when joining (empty otherwise)
   */
  record Hello(
      int minVersion,
      int maxVersion,
      String name,
      List<String> capabilities,
      List<String> addrs,
      byte[] invite)
      implements Message {
    public Hello {
      capabilities = List.copyOf(capabilities);
      addrs = List.copyOf(addrs);
      invite = invite.clone();
    }

    @Override
    public byte[] invite() {
      return invite.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Hello h
          && h.minVersion == minVersion
          && h.maxVersion == maxVersion
          && h.name.equals(name)
          && h.capabilities.equals(capabilities)
          && h.addrs.equals(addrs)
          && java.util.Arrays.equals(h.invite, invite);
    }

    @Override
    public int hashCode() {
      return Objects.hash(minVersion, maxVersion, name, capabilities, addrs);
    }

    @Override
    public String toString() {
      return "Hello[v"
          + minVersion
          + ".."
          + maxVersion
          + ", "
          + name
          + ", caps "
          + capabilities
          + ", addrs "
          + addrs
          + (invite.length > 0 ? ", with invite" : "")
          + "]";
    }
  }

  /** The accepting side admits the peer: the version both speak and the capabilities both have. */
  record Welcome(int version, List<String> capabilities) implements Message {
    public Welcome {
      capabilities = List.copyOf(capabilities);
    }
  }

  /** Why the sender closes the connection; {@code code} is one of {@link ErrorCode}. */
  record Error(int code, String message) implements Message {}

  record Ping(long nonce) implements Message {}

  record Pong(long nonce) implements Message {}

  /**
   * One author's chain as the sender has it: its last entry's seq, hash and HLC (kv's {@link
   * org.latticefs.kv.log.ChainTip}).
   */
  record Tip(NodeId author, long seq, BlobRef hash, Hlc hlc) {}

  /**
   * The sender's sync state of {@code store}: the tip of every author it holds. The receiver sends
   * back what the sender lacks.
   */
  record Tips(UUID store, List<Tip> tips) implements Message {
    public Tips {
      tips = List.copyOf(tips);
    }
  }

  /**
   * A batch of entries of {@code store}, each in kv's wire form ({@link
   * org.latticefs.kv.log.SignedEntry#toWire}), in seq order per author. {@code batch} numbers the
   * sender's batches of this store on this connection; the receiver answers each with an {@link
   * Ack}.
   */
  record Entries(UUID store, long batch, List<byte[]> entries) implements Message {
    public Entries {
      entries = List.copyOf(entries);
    }

    /** Bytes of entries carried. */
    public long bytes() {
      long n = 0;
      for (byte[] e : entries) {
        n += e.length;
      }
      return n;
    }
  }

  /**
   * The receiver ingested batch {@code batch}: its tips after the ingest for the authors the batch
   * carried (an author missing had nothing applied here at all).
   */
  record Ack(UUID store, long batch, List<Tip> tips) implements Message {
    public Ack {
      tips = List.copyOf(tips);
    }
  }

  /** A fraud proof ({@link org.latticefs.kv.sync.Equivocation#toBytes}) for {@code store}. */
  record Proof(UUID store, byte[] proof) implements Message {
    public Proof {
      proof = proof.clone();
    }

    @Override
    public byte[] proof() {
      return proof.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Proof p
          && p.store.equals(store)
          && java.util.Arrays.equals(p.proof, proof);
    }

    @Override
    public int hashCode() {
      return store.hashCode();
    }
  }

  /**
   * Asks for {@code author}'s entries of {@code store} after seq {@code afterSeq}: the sender heals
   * a store it refused as damaged (kv's {@code LogHealing}). Answered by one {@link ChainPart}.
   */
  record ChainRequest(UUID store, NodeId author, long afterSeq) implements Message {}

  /**
   * The next entries of {@code author}'s chain in {@code store} after the requested seq, in seq
   * order, each in kv's wire form; {@code end}: the sender holds no more of that chain (or does not
   * sync the store: then it sends none).
   */
  record ChainPart(UUID store, NodeId author, List<byte[]> entries, boolean end)
      implements Message {
    public ChainPart {
      entries = List.copyOf(entries);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof ChainPart p)
          || !p.store.equals(store)
          || !p.author.equals(author)
          || p.end != end
          || p.entries.size() != entries.size()) {
        return false;
      }
      for (int i = 0; i < entries.size(); i++) {
        if (!java.util.Arrays.equals(p.entries.get(i), entries.get(i))) {
          return false;
        }
      }
      return true;
    }

    @Override
    public int hashCode() {
      return Objects.hash(store, author, end, entries.size());
    }
  }
}
