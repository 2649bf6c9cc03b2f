package org.latticefs.node;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobHolder;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.Hold;
import org.latticefs.cas.store.VerifyingBlobFetcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fetcher node hands the filesystem: the local blob store first, then each remote source in
 * order (the mesh's peers). A blob found remotely is stored locally before it is returned, under a
 * hold until it is stored (a collection pass running meanwhile does not take it), so the next read
 * is local; a corrupt local copy (which the local store quarantined) is repaired the same way.
 *
 * <p>No remote is trusted: each is wrapped in a {@link VerifyingBlobFetcher}, so bytes that do not
 * hash to the ref asked for are neither stored nor returned (the remote is logged and the next one
 * is asked).
 *
 * <p>Safe for concurrent use; remotes may be added while fetches run.
 */
public final class LocalFirstFetcher implements BlobFetcher {
  private static final Logger log = LoggerFactory.getLogger(LocalFirstFetcher.class);

  private final BlobFetcher local;
  private final BlobHolder localWriter;
  private final FetchedBlobs keeper;
  private final List<BlobFetcher> remotes = new CopyOnWriteArrayList<>();

  /** Reads {@code local} first; stores what remotes return through holds of {@code localWriter}. */
  public LocalFirstFetcher(BlobFetcher local, BlobHolder localWriter) {
    this(local, localWriter, null);
  }

  /**
   * As {@link #LocalFirstFetcher(BlobFetcher, BlobHolder)}, but what remotes return is kept through
   * {@code keeper} (stored in batches off the reader's path) instead of before returning.
   */
  LocalFirstFetcher(BlobFetcher local, BlobHolder localWriter, FetchedBlobs keeper) {
    this.local = local;
    this.localWriter = localWriter;
    this.keeper = keeper;
  }

  /** Adds a source tried, after the local store and earlier remotes, for blobs missing here. */
  public void addRemote(BlobFetcher remote) {
    remotes.add(new VerifyingBlobFetcher(remote));
  }

  @Override
  public byte[] fetch(BlobRef ref) throws IOException {
    try {
      return local.fetch(ref);
    } catch (BlobNotFoundException | CorruptBlobException e) {
      return fromRemotes(ref, e);
    }
  }

  /**
   * A range of the local copy, read and verified by the local store alone (a small read of a large
   * chunk reads about as much as it returns); a blob missing or corrupt here is fetched whole from
   * a remote (and so stored locally), then sliced.
   */
  @Override
  public byte[] fetchRange(BlobRef ref, long offset, int length) throws IOException {
    try {
      return local.fetchRange(ref, offset, length);
    } catch (BlobNotFoundException | CorruptBlobException e) {
      return remotesAfter(e).fetchRange(ref, offset, length);
    }
  }

  /** Straight into {@code dst} from the local store; else from a remote, as {@link #fetch}. */
  @Override
  public int fetchInto(BlobRef ref, byte[] dst) throws IOException {
    try {
      return local.fetchInto(ref, dst);
    } catch (BlobNotFoundException | CorruptBlobException e) {
      return remotesAfter(e).fetchInto(ref, dst);
    }
  }

  /** The remotes as one fetcher, for a blob the local store failed with {@code localFailure}. */
  private BlobFetcher remotesAfter(IOException localFailure) {
    return ref -> fromRemotes(ref, localFailure);
  }

  /**
   * The blob from the first remote that has it, stored locally; {@code localFailure} if none does.
   */
  private byte[] fromRemotes(BlobRef ref, IOException localFailure) throws IOException {
    byte[] waiting = keeper == null ? null : keeper.queued(ref);
    if (waiting != null) {
      return waiting;
    }
    for (BlobFetcher remote : remotes) {
      try {
        byte[] b = remote.fetch(ref);
        if (keeper != null) {
          keeper.keep(ref, b.clone());
          return b;
        }
        try (Hold h = localWriter.newHold()) {
          h.receive(b);
        } catch (IOException e) {
          // The bytes are verified: the reader gets them even if this disk cannot keep them.
          log.warn("cannot keep {} fetched from {}: {}", ref, remote, e.toString());
        }
        return b;
      } catch (BlobNotFoundException e) {
        log.debug("{} not at {}", ref, remote);
      } catch (IOException e) {
        log.warn("fetching {} from {} failed: {}", ref, remote, e.toString());
      }
    }
    throw localFailure;
  }
}
