package org.latticefs.gc.pin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStatter;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.Hold;
import org.latticefs.cas.chunk.Manifest;

/**
 * Makes one manifest tree whole on this node: every manifest node and chunk it reaches is held,
 * then looked for here ({@link BlobStatter}), and what is missing is fetched (through the fetch
 * seam: the local store, then peers), verified against its ref and stored through the hold.
 *
 * <p>Each ref is held <em>before</em> it is looked for, so no collection pass can remove a blob the
 * walk has counted as present; the hold's owner keeps it until the tree is a root some other way
 * (its pin is written {@code stored}). Memory: the hold (about 8 bytes per ref) and one decoded
 * node per level of the tree (at most {@link Manifest#MAX_LEVEL} + 1). Not thread-safe.
 */
final class TreeFetcher extends TreeWalk {
  /** Most missing refs remembered for a report (all are counted). */
  static final int MAX_LISTED = 20;

  private final BlobStatter local;
  private final BlobFetcher fetcher;
  private final Hold hold;
  private final PinProgress progress;
  private final List<String> problems = new ArrayList<>();
  private long missing;

  TreeFetcher(BlobStatter local, BlobFetcher fetcher, Hold hold, PinProgress progress) {
    this.local = local;
    this.fetcher = fetcher;
    this.hold = hold;
    this.progress = progress;
  }

  /** Walks {@code manifest}'s tree (see the class doc). */
  void ensure(BlobRef manifest) throws IOException {
    walk(manifest);
  }

  /** Blobs that could not be found anywhere, or not read (the pin is not whole). */
  long missing() {
    return missing;
  }

  /** Why, for the first few. */
  List<String> problems() {
    return List.copyOf(problems);
  }

  @Override
  boolean stopped() {
    return progress.cancelled();
  }

  @Override
  Optional<byte[]> manifestBytes(BlobRef ref) throws IOException {
    return present(ref, true);
  }

  @Override
  void chunk(BlobRef ref) throws IOException {
    present(ref, false);
  }

  /**
   * Holds {@code ref}, then makes sure it is here. Returns its bytes if {@code read} (a manifest
   * node), else an empty array; empty if it could not be had.
   */
  private Optional<byte[]> present(BlobRef ref, boolean read) throws IOException {
    hold.hold(ref);
    Optional<BlobInfo> here = local.stat(ref);
    if (here.isPresent()) {
      progress.present(here.get().size());
      if (!read) {
        return Optional.of(new byte[0]);
      }
    }
    byte[] data;
    try {
      data = fetcher.fetch(ref);
    } catch (BlobNotFoundException e) {
      problem(ref.hex() + " is not here and no peer has it");
      return Optional.empty();
    } catch (CorruptBlobException e) {
      problem(ref.hex() + " is corrupt here and no peer has a good copy");
      return Optional.empty();
    }
    if (here.isEmpty()) {
      // The fetcher verified it; storing through the hold checks it once more against its name.
      BlobRef got = hold.receive(data);
      if (!got.equals(ref)) {
        problem("a copy of " + ref.hex() + " hashed to " + got.hex() + "; not kept as it");
        return Optional.empty();
      }
      progress.fetched(data.length);
    }
    return Optional.of(data);
  }

  @Override
  void problem(String what) {
    missing++;
    progress.missing();
    if (problems.size() < MAX_LISTED) {
      problems.add(what);
    }
  }
}
