package org.latticefs.kv;

/**
 * A remote {@link Hlc} is too far ahead of the local wall clock to be merged: accepting it would
 * drag this node's clock (and every timestamp it writes) into the future. Checked, as a {@link
 * KvException}, so ingest paths map it to a rejection with this message as the reason.
 */
public final class HlcException extends KvException {
  private final Hlc remote;
  private final long localWallMillis;
  private final long maxDriftMillis;

  public HlcException(Hlc remote, long localWallMillis, long maxDriftMillis) {
    super(
        "remote HLC "
            + remote
            + " is "
            + (remote.physicalMillis() - localWallMillis)
            + " ms ahead of the local wall clock ("
            + localWallMillis
            + "), more than the allowed "
            + maxDriftMillis
            + " ms; check the clocks");
    this.remote = remote;
    this.localWallMillis = localWallMillis;
    this.maxDriftMillis = maxDriftMillis;
  }

  public Hlc remote() {
    return remote;
  }

  public long localWallMillis() {
    return localWallMillis;
  }

  public long maxDriftMillis() {
    return maxDriftMillis;
  }
}
