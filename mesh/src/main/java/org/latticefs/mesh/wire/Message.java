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
 * heal a store the receiver refused as damaged, {@link ChainRequest} and {@link ChainPart}. Blobs
 * (capability {@code blobs/1}): {@link BlobRequest}, answered by {@link BlobPart}s or one {@link
 * BlobMissing}; {@link BlobCancel} withdraws a request. Copies kept (capability {@code keeps/1}):
 * {@link KeepQuery}, answered by one {@link KeepAnswer}. {@link Ping}/{@link Pong} keep an idle
 * connection checked.
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
        Message.ChainPart,
        Message.BlobRequest,
        Message.BlobPart,
        Message.BlobMissing,
        Message.BlobCancel,
        Message.KeepQuery,
        Message.KeepAnswer {

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

  /**
   * Asks for the whole blob {@code ref}; {@code id} (chosen by the sender, unique among its open
   * requests on this connection) names the answer: {@link BlobPart}s in offset order, or one {@link
   * BlobMissing}. Bytes are never trusted: the requester checks them against {@code ref}.
   */
  record BlobRequest(long id, BlobRef ref) implements Message {}

  /**
   * Bytes {@code [offset, offset + data.length)} of the blob of request {@code id}, which is {@code
   * total} bytes long. Parts come in order without gaps; the one that reaches {@code total} is the
   * last. The record takes {@code data} as it is (no copy: a part is up to {@link
   * MessageCodec#MAX_PART} bytes); the caller does not change it afterwards.
   */
  record BlobPart(long id, int total, int offset, byte[] data) implements Message {
    public BlobPart {
      Objects.requireNonNull(data, "data");
    }

    /** The bytes, not copied (the codec's view). */
    byte[] raw() {
      return data;
    }

    /** Copies the bytes to {@code dst} at {@code at}. */
    public void copyTo(byte[] dst, int at) {
      System.arraycopy(data, 0, dst, at, data.length);
    }

    /** How many bytes this part carries. */
    public int length() {
      return data.length;
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    /** Whether this part ends the blob. */
    public boolean last() {
      return offset + data.length == total;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof BlobPart p
          && p.id == id
          && p.total == total
          && p.offset == offset
          && java.util.Arrays.equals(p.data, data);
    }

    @Override
    public int hashCode() {
      return Objects.hash(id, total, offset, data.length);
    }

    @Override
    public String toString() {
      return "BlobPart[" + id + ", " + offset + "+" + data.length + " of " + total + "]";
    }
  }

  /**
   * Request {@code id} gets no bytes: {@code reason} is one of {@link #NOT_FOUND}, {@link
   * #REFUSED}, {@link #BUSY}, {@link #FAILED}.
   */
  record BlobMissing(long id, int reason) implements Message {
    /** The sender does not hold the blob. */
    public static final int NOT_FOUND = 0;

    /** The blob is not in any store the requester may see (or not in a store at all). */
    public static final int REFUSED = 1;

    /** The sender has too many requests of this peer queued; ask again later or elsewhere. */
    public static final int BUSY = 2;

    /** The sender holds it but could not read a good copy (corrupt, disk error). */
    public static final int FAILED = 3;

    /** The largest reason code. */
    public static final int MAX_REASON = FAILED;
  }

  /** The requester no longer wants request {@code id}; the sender stops sending its parts. */
  record BlobCancel(long id) implements Message {}

  /**
   * "Which of these blobs do you hold and keep now?": request {@code id} (unique among this
   * sender's open queries on this connection) asks about at most {@link #MAX_REFS} refs. Kept means
   * present on the answering node and kept there by its own choice (a store it keeps {@code full},
   * or a pin), not a cache it may drop.
   */
  record KeepQuery(long id, List<BlobRef> refs) implements Message {
    /** The most refs one query names. */
    public static final int MAX_REFS = 1024;

    public KeepQuery {
      refs = List.copyOf(refs);
      if (refs.size() > MAX_REFS) {
        throw new IllegalArgumentException(
            refs.size() + " refs in one query (at most " + MAX_REFS + ")");
      }
    }
  }

  /**
   * The answer to query {@code id}: if {@code decided}, {@code kept} lists the asked refs the
   * sender holds and keeps now (in any order, none twice, no ref that was not asked); if not, the
   * sender could not tell now (busy, a store it could not read) and nothing counts as kept.
   */
  record KeepAnswer(long id, boolean decided, List<BlobRef> kept) implements Message {
    public KeepAnswer {
      kept = List.copyOf(kept);
      if (kept.size() > KeepQuery.MAX_REFS) {
        throw new IllegalArgumentException(kept.size() + " refs in one answer");
      }
      if (!decided && !kept.isEmpty()) {
        throw new IllegalArgumentException("an undecided answer lists no refs");
      }
    }
  }
}
