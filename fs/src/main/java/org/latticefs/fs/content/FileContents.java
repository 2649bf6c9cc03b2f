package org.latticefs.fs.content;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.BlobRef;
import org.latticefs.fs.FsConfig;

/**
 * Where the filesystem's file content comes from and goes to: opens a {@link ContentWriter} per
 * open file (staged, streaming long in-order runs) and {@link ContentReader}s of stored versions,
 * over the cas fetchers and ingester the configuration hands in. Owns the staging directory
 * (emptied when it opens: staged writes never were durable; only {@link #keptDir} stays) and the
 * readahead threads. Thread-safe.
 */
public final class FileContents implements AutoCloseable {
  /** The subdirectory of the staging directory that {@link #keptDir} names. */
  static final String KEPT_DIR = "unsaved";

  private final FsConfig config;
  private final ContentReaders readers;
  private final ContentIngest ingest;
  private final StoredBytes stored;
  private final AtomicLong pending = new AtomicLong();
  private final AtomicLong stagingSeq = new AtomicLong();
  private final Staging.Budget stagingMemory;

  /** Opens the contents of {@code config}, deleting what a crash left in its staging directory. */
  public FileContents(FsConfig config) throws IOException {
    this.config = config;
    Files.createDirectories(config.stagingDir());
    try (var leftovers = Files.list(config.stagingDir())) {
      for (Path p : (Iterable<Path>) leftovers::iterator) {
        if (!Files.isDirectory(p)) {
          Files.deleteIfExists(p);
        }
      }
    }
    this.readers = new ContentReaders(config.cachedFetcher(), config.fetcher());
    this.ingest = new ContentIngest(config.ingester(), config.cachedFetcher());
    this.stored = new StoredBytes(config.cachedFetcher());
    this.stagingMemory = new Staging.Budget(config.stagingMemoryBytes());
  }

  /**
   * A writer for a file opened with {@code committed} as its content; the caller closes it.
   *
   * @param name a name for its staging file, unique among open files (e.g. store and inode id)
   * @param what the file, for messages ("inode 00ab…")
   */
  public ContentWriter writer(Version committed, String name, String what) {
    Path path = config.stagingDir().resolve(name + "-" + stagingSeq.incrementAndGet() + ".stage");
    StagedWriter staged =
        new StagedWriter(
            committed,
            new VersionHold(config.holder(), committed),
            new Staging(path, stagingMemory),
            ingest,
            readers,
            stored,
            pending,
            config.readaheadBytes(),
            what);
    return new StreamingWriter(
        staged, ingest, config.checkpointBytes(), config.streamWrites(), what);
  }

  /**
   * The bytes {@code v} holds in chunks, its size less its holes (for {@code st_blocks}); a version
   * whose manifest cannot be read counts its whole size.
   */
  public long storedBytes(Version v) {
    return stored.of(v);
  }

  /**
   * Bytes written into open files and staged, not stored in cas yet: room their commits will need
   * (a write is only accepted if the free space covers it and these).
   */
  public long pendingBytes() {
    return pending.get();
  }

  /**
   * Where staging files whose content could not be stored are kept ({@code unsaved/} in the staging
   * directory, on the same disk, so keeping one is a rename); never emptied at start.
   */
  public Path keptDir() {
    return config.stagingDir().resolve(KEPT_DIR);
  }

  /** A reader of a stored version, without readahead (for listing its chunks). */
  public ContentReader reader(BlobRef manifest) throws IOException {
    return readers.open(manifest);
  }

  /** Bytes read and chunked by all ingests so far (an edit's cost, for measurements). */
  public long ingestedBytes() {
    return ingest.ingestedBytes();
  }

  /** Versions that came from a background ingest of a file being written (for tests, metrics). */
  public long backgroundIngests() {
    return ingest.sessionsFinished();
  }

  /** Stops the readahead threads (see {@link ContentReaders#close}). */
  @Override
  public void close() {
    readers.close();
  }
}
