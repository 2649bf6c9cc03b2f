package org.latticefs.mesh.blob;

import java.util.Objects;
import java.util.Optional;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobStatter;

/**
 * What a node's mesh serves to peers and how fast: its local blobs ({@code local}, read and
 * verified by the local store; {@code statter} for sizes), the {@link ServeScope} that decides
 * which of them a peer may have, and the pacing; and, for fetching, which peers presence says hold
 * a blob ({@code holders}: asked first).
 */
public record MeshBlobs(
    BlobFetcher local,
    BlobStatter statter,
    ServeScope scope,
    BlobHolders holders,
    BlobLimits limits) {
  public MeshBlobs {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(statter, "statter");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(holders, "holders");
    Objects.requireNonNull(limits, "limits");
  }

  /** Serves as given and fetches from connected peers alike (no presence hint). */
  public MeshBlobs(BlobFetcher local, BlobStatter statter, ServeScope scope, BlobLimits limits) {
    this(local, statter, scope, BlobHolders.none(), limits);
  }

  /** Serves nothing (a node without a blob store; log-sync tests). It still fetches. */
  public static MeshBlobs none() {
    return new MeshBlobs(
        ref -> {
          throw new BlobNotFoundException(ref);
        },
        ref -> Optional.empty(),
        ServeScope.nothing(),
        BlobLimits.defaults());
  }
}
