package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.latticefs.cas.BlobRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts what a disk store holds when it opens, by walking every shard directory once: the blobs'
 * bytes and number, the temp files a crash left (deleted), and the blobs the access tracker does
 * not know (started at their file's modification time).
 */
final class Census {
  private static final Logger LOG = LoggerFactory.getLogger(Census.class);

  private Census() {}

  /** Walks every shard of {@code dir}; sets {@code budget}'s counts and seeds {@code access}. */
  static void walk(StoreDirectory dir, SpaceBudget budget, AccessTracker access)
      throws IOException {
    long bytes = 0;
    long count = 0;
    int temps = 0;
    for (int i = 0; i < 256; i++) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.shard(i))) {
        for (Path p : ds) {
          String name = p.getFileName().toString();
          String hex = StoreDirectory.refHex(name);
          if (hex == null) {
            if (TempFiles.isTemp(name)) {
              // A blob being written when the process stopped: never complete, never named.
              Files.deleteIfExists(p);
              temps++;
            } else {
              LOG.warn("ignoring stray file {} in the blob store", p);
            }
            continue;
          }
          BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
          bytes += a.size();
          count++;
          // Blobs the tracker does not know (first open, lost tracker) start at their write time.
          access.touchIfAbsent(BlobRef.parse(hex), a.lastModifiedTime().toInstant());
        }
      }
    }
    budget.reset(bytes, count);
    if (temps > 0) {
      LOG.info("deleted {} temp files left in shard directories by an earlier crash", temps);
    }
  }
}
