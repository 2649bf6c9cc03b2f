package org.latticefs.fs.content;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.ManifestReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many bytes a stored version holds in chunks: its size less its holes ({@code st_blocks},
 * {@code du}). Inline bytes count as they are; a manifest's figure is read from its root node
 * ({@link ManifestReader#storedBytes()}) and remembered for the last {@link #CAPACITY} manifests,
 * so {@code ls -l} of a folder costs a manifest read per file once. Thread-safe.
 */
final class StoredBytes {
  private static final Logger LOG = LoggerFactory.getLogger(StoredBytes.class);

  /** Manifests whose figure is remembered. */
  static final int CAPACITY = 4096;

  private final BlobFetcher manifests;
  private final Map<BlobRef, Long> known =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<BlobRef, Long> eldest) {
          return size() > CAPACITY;
        }
      };

  StoredBytes(BlobFetcher manifests) {
    this.manifests = manifests;
  }

  /**
   * The bytes {@code v} stores. A manifest that cannot be read counts as its whole size (logged):
   * {@code stat} still answers, and reading the file reports the damage.
   */
  long of(Version v) {
    BlobRef m = v.manifest();
    if (m == null) {
      return v.inline() == null ? 0 : v.size();
    }
    synchronized (known) {
      Long n = known.get(m);
      if (n != null) {
        return n;
      }
    }
    long n;
    try {
      n = ManifestReader.open(manifests, m, 0).storedBytes();
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot read manifest {} for its stored size: {}", m, e.toString());
      return v.size();
    }
    synchronized (known) {
      known.put(m, n);
    }
    return n;
  }
}
