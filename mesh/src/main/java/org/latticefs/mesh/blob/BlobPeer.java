package org.latticefs.mesh.blob;

import java.util.function.Consumer;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.wire.Message;

/**
 * One connected peer as a source of blobs: {@link PeerFetcher} starts requests on it and gets each
 * request's outcome once. {@link PeerCalls} is the one over a mesh session; tests pass fakes.
 *
 * <p>Thread-safe: {@link #start} and {@link #cancel} run on fetching threads, outcomes arrive on
 * any thread.
 */
interface BlobPeer {
  /** How one request ended. */
  sealed interface Outcome {
    /** The peer sent {@code bytes} (not yet checked against the ref). */
    record Bytes(byte[] bytes) implements Outcome {}

    /** The peer said it has none ({@code reason} as in {@link Message.BlobMissing}). */
    record Missing(int reason) implements Outcome {}

    /** The answer broke the protocol, or the connection closed. */
    record Broken(String why) implements Outcome {}
  }

  /** The peer's node id. */
  NodeId peer();

  /** The peer for logs (its id, name and address). */
  String describe();

  /**
   * Asks the peer for {@code ref}, waiting up to {@code waitNanos} for a free request slot; {@code
   * sink} gets the outcome once, unless the request is cancelled first.
   *
   * @return the request's id, or -1 if no slot freed in time or the connection is closed
   */
  long start(BlobRef ref, Consumer<Outcome> sink, long waitNanos) throws InterruptedException;

  /** Withdraws request {@code id}: its outcome is not delivered; the peer is told to stop. */
  void cancel(long id);
}
