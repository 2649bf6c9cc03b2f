package org.latticefs.kv.log;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.kv.Identity;

/**
 * An {@link Entry} with its canonical encoding, its author's Ed25519 signature over that encoding,
 * and its hash (BLAKE3-256 of the encoding, the name other entries link to).
 *
 * <p>The constructor checks that {@code encoded} is {@code entry.encode()} and that {@code hash} is
 * its BLAKE3; it does not check the signature: {@link #verifySignature()} does. Equality is by hash
 * and signature. Arrays are copied in and out.
 *
 * <h2>Wire form</h2>
 *
 * <pre>
 * 4   L = length of the encoding, unsigned, 1..Entry.MAX_ENCODED_BYTES
 * L   the canonical encoding of the entry
 * 64  the Ed25519 signature
 * </pre>
 */
public record SignedEntry(Entry entry, byte[] encoded, byte[] signature, BlobRef hash) {
  /** The largest wire form. */
  public static final int MAX_WIRE_BYTES = 4 + Entry.MAX_ENCODED_BYTES + Identity.SIGNATURE_LENGTH;

  public SignedEntry {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(encoded, "encoded");
    Objects.requireNonNull(signature, "signature");
    Objects.requireNonNull(hash, "hash");
    if (signature.length != Identity.SIGNATURE_LENGTH) {
      throw new IllegalArgumentException(
          "a signature is " + Identity.SIGNATURE_LENGTH + " bytes, got " + signature.length);
    }
    encoded = encoded.clone();
    signature = signature.clone();
    if (!Arrays.equals(encoded, entry.encode())) {
      throw new IllegalArgumentException("encoded is not the canonical encoding of entry");
    }
    if (!hash.equals(Blake3.hash(encoded))) {
      throw new IllegalArgumentException("hash is not the BLAKE3 of encoded");
    }
  }

  /** Encodes and signs {@code entry}; {@code identity} must be its author. */
  public static SignedEntry sign(Entry entry, Identity identity) {
    if (!identity.id().equals(entry.author())) {
      throw new IllegalArgumentException(
          "entry author " + entry.author() + " is not the signer " + identity.id());
    }
    byte[] encoded = entry.encode();
    return new SignedEntry(entry, encoded, identity.sign(encoded), Blake3.hash(encoded));
  }

  /**
   * Whether the signature is the author's valid Ed25519 signature of the encoding, under Lattice's
   * rule ({@link org.latticefs.kv.Signatures}).
   */
  public boolean verifySignature() {
    return Identity.verify(entry.author(), encoded, signature);
  }

  /**
   * Verifies the signatures of {@code entries}, on several cores when there are many (signature
   * checks dominate ingest and log opening): {@link SignatureBatch#shared()}.
   *
   * @return the index of the first entry whose signature is invalid, or -1 if all are valid
   */
  public static int firstInvalidSignature(List<SignedEntry> entries) {
    return SignatureBatch.shared().firstInvalid(entries);
  }

  @Override
  public byte[] encoded() {
    return encoded.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** Length of {@link #toWire()}. */
  public int wireLength() {
    return 4 + encoded.length + signature.length;
  }

  /** The wire form (see the class documentation). */
  public byte[] toWire() {
    byte[] out = new byte[wireLength()];
    writeWire(out, 0);
    return out;
  }

  /** Writes the wire form into {@code dest} at {@code off}; returns the bytes written. */
  int writeWire(byte[] dest, int off) {
    int len = encoded.length;
    dest[off] = (byte) (len >>> 24);
    dest[off + 1] = (byte) (len >>> 16);
    dest[off + 2] = (byte) (len >>> 8);
    dest[off + 3] = (byte) len;
    System.arraycopy(encoded, 0, dest, off + 4, len);
    System.arraycopy(signature, 0, dest, off + 4 + len, signature.length);
    return wireLength();
  }

  /**
   * Parses a wire form: checks framing, limits and the entry's encoding; does NOT verify the
   * signature.
   *
   * @throws MalformedEntryException on any malformed input
   */
  public static SignedEntry fromWire(byte[] wire) throws MalformedEntryException {
    if (wire == null) {
      throw new MalformedEntryException("no bytes");
    }
    return fromWire(wire, 0, wire.length);
  }

  /** Parses {@code wire[off, off+len)}, which must hold exactly one wire form. */
  public static SignedEntry fromWire(byte[] wire, int off, int len) throws MalformedEntryException {
    if (off < 0 || len < 0 || off > wire.length - len) {
      throw new MalformedEntryException("range out of bounds");
    }
    if (len < 4 + Identity.SIGNATURE_LENGTH) {
      throw new MalformedEntryException("signed entry truncated: " + len + " bytes");
    }
    long encodedLength =
        (wire[off] & 0xffL) << 24
            | (wire[off + 1] & 0xff) << 16
            | (wire[off + 2] & 0xff) << 8
            | (wire[off + 3] & 0xff);
    if (encodedLength > Entry.MAX_ENCODED_BYTES) {
      throw new MalformedEntryException(
          "entry length " + encodedLength + " over the limit of " + Entry.MAX_ENCODED_BYTES);
    }
    if (encodedLength != len - 4 - Identity.SIGNATURE_LENGTH) {
      throw new MalformedEntryException(
          "entry length "
              + encodedLength
              + " does not match the "
              + (len - 4 - Identity.SIGNATURE_LENGTH)
              + " bytes present"
              + (encodedLength > len - 4 - Identity.SIGNATURE_LENGTH
                  ? " (truncated)"
                  : " (trailing bytes)"));
    }
    int n = (int) encodedLength;
    Entry entry = Entry.decode(wire, off + 4, n);
    byte[] encoded = Arrays.copyOfRange(wire, off + 4, off + 4 + n);
    byte[] signature = Arrays.copyOfRange(wire, off + 4 + n, off + len);
    try {
      return new SignedEntry(entry, encoded, signature, Blake3.hash(encoded));
    } catch (RuntimeException e) {
      throw new MalformedEntryException("invalid signed entry: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedEntry s
        && hash.equals(s.hash)
        && Arrays.equals(signature, s.signature);
  }

  @Override
  public int hashCode() {
    return hash.hashCode();
  }

  @Override
  public String toString() {
    return "SignedEntry["
        + entry.author()
        + " #"
        + entry.seq()
        + " "
        + hash.hex().substring(0, 16)
        + " "
        + entry.ops().size()
        + " ops]";
  }
}
