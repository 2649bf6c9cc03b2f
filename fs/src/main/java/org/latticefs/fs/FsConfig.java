package org.latticefs.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Objects;
import java.util.function.Consumer;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobHolder;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.kv.Stores;

/**
 * Everything the filesystem needs, built by its owner (node wires the implementations; the
 * filesystem constructs none of cas's). Build with {@link #of} and adjust with the {@code with*}
 * methods.
 *
 * @param stores the node's stores: the mount root lists them, each top-level folder is one
 * @param fetcher reads whole chunks for sequential streams, uncached (node hands one that tries the
 *     local store, then peers): a file read once from start to end would only flush a cache
 * @param cachedFetcher reads manifests, random ranges and the old chunks an edit re-cuts: {@code
 *     fetcher} behind a bounded in-memory chunk cache (node builds it and keeps its statistics)
 * @param ingester stores new content: chunks and manifests, one durable batch per file version
 * @param stagingDir a private directory for per-open-file staging files; emptied at start (staged,
 *     uncommitted writes do not survive a crash: only fsync/close make content durable)
 * @param space capacity for statfs and ENOSPC
 * @param clock the source of inode times, and of the age of the cached free-space figure
 * @param readaheadBytes the most a sequential stream fetches ahead of its reader (whole chunks, in
 *     parallel); a stream's readahead starts at 1 MiB and doubles per read up to this. 0: none
 * @param checkpointBytes how much of one long in-order run of writes is streamed to cas before the
 *     run is checkpointed: its version becomes the base (durable in cas, not yet committed) and the
 *     staging file is emptied, so staging never holds more than about this much of a file
 * @param streamWrites whether a streamed run's bytes go only to its background ingest (the default:
 *     they reach the disk once, not also as staging pages) or also through the staging file (then
 *     reads of them never wait for a checkpoint, and a failed ingest falls back to an ordinary one
 *     at commit instead of failing the file)
 * @param atimeFile where this node keeps the access times reads move ({@code relatime}, never
 *     replicated): loaded at start, saved every minute and at close; null keeps them in memory only
 * @param stagingMemoryBytes the most the staging of all open files keeps in memory together (each
 *     file's first 64 KiB; beyond that, or once this is spent, a file stages on disk)
 * @param holder holds what each open file stores until its commit references it, and the version it
 *     started from, so a garbage collector never removes them ({@link BlobHolder#none()}: no
 *     collector runs)
 * @param owners who {@code stat} says owns files ({@link Owners}; default the stored numbers)
 */
public record FsConfig(
    Stores stores,
    BlobFetcher fetcher,
    BlobFetcher cachedFetcher,
    FileIngester ingester,
    Path stagingDir,
    SpaceProvider space,
    InstantSource clock,
    long readaheadBytes,
    long checkpointBytes,
    boolean streamWrites,
    Path atimeFile,
    long stagingMemoryBytes,
    BlobHolder holder,
    Owners owners) {

  public static final long DEFAULT_READAHEAD_BYTES = 32L << 20;
  public static final long DEFAULT_CHECKPOINT_BYTES = 1L << 30;
  public static final long DEFAULT_STAGING_MEMORY_BYTES = 32L << 20;

  public FsConfig {
    Objects.requireNonNull(stores, "stores");
    Objects.requireNonNull(fetcher, "fetcher");
    Objects.requireNonNull(cachedFetcher, "cachedFetcher");
    Objects.requireNonNull(ingester, "ingester");
    Objects.requireNonNull(stagingDir, "stagingDir");
    Objects.requireNonNull(space, "space");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(owners, "owners");
    if (readaheadBytes < 0 || checkpointBytes <= 0 || stagingMemoryBytes < 0) {
      throw new IllegalArgumentException(
          "readahead "
              + readaheadBytes
              + ", checkpoint "
              + checkpointBytes
              + " or staging memory "
              + stagingMemoryBytes
              + " out of range");
    }
  }

  /**
   * The defaults: 32 MiB readahead, checkpoints every GiB, streamed writes, 32 MiB of staging in
   * memory, system clock, no quota (the free space of the staging directory's disk), no holds (no
   * collector runs). Creates {@code stagingDir} if missing.
   */
  public static FsConfig of(
      Stores stores,
      BlobFetcher fetcher,
      BlobFetcher cachedFetcher,
      FileIngester ingester,
      Path stagingDir)
      throws IOException {
    Files.createDirectories(stagingDir);
    return new FsConfig(
        stores,
        fetcher,
        cachedFetcher,
        ingester,
        stagingDir,
        SpaceProvider.ofDisk(stagingDir),
        InstantSource.system(),
        DEFAULT_READAHEAD_BYTES,
        DEFAULT_CHECKPOINT_BYTES,
        true,
        null,
        DEFAULT_STAGING_MEMORY_BYTES,
        BlobHolder.none(ingester.receiver()),
        Owners.stored());
  }

  public FsConfig withSpace(SpaceProvider provider) {
    return edit(b -> b.space = provider);
  }

  public FsConfig withClock(InstantSource source) {
    return edit(b -> b.clock = source);
  }

  public FsConfig withReadaheadBytes(long bytes) {
    return edit(b -> b.readaheadBytes = bytes);
  }

  public FsConfig withCheckpointBytes(long bytes) {
    return edit(b -> b.checkpointBytes = bytes);
  }

  public FsConfig withStreamWrites(boolean on) {
    return edit(b -> b.streamWrites = on);
  }

  /** Keeps access times in {@code file} (see {@link #atimeFile()}); null: in memory only. */
  public FsConfig withAtimeFile(Path file) {
    return edit(b -> b.atimeFile = file);
  }

  public FsConfig withStagingMemoryBytes(long bytes) {
    return edit(b -> b.stagingMemoryBytes = bytes);
  }

  public FsConfig withHolder(BlobHolder h) {
    return edit(b -> b.holder = h);
  }

  /** Who {@code stat} says owns files (default: the stored numbers); see {@link Owners}. */
  public FsConfig withOwners(Owners o) {
    return edit(b -> b.owners = o);
  }

  private FsConfig edit(Consumer<Builder> change) {
    Builder b = new Builder(this);
    change.accept(b);
    return b.build();
  }

  /** The settings as mutable fields, for the {@code with*} methods. */
  private static final class Builder {
    private final FsConfig from;
    SpaceProvider space;
    InstantSource clock;
    long readaheadBytes;
    long checkpointBytes;
    boolean streamWrites;
    Path atimeFile;
    long stagingMemoryBytes;
    BlobHolder holder;
    Owners owners;

    Builder(FsConfig from) {
      this.from = from;
      this.space = from.space;
      this.clock = from.clock;
      this.readaheadBytes = from.readaheadBytes;
      this.checkpointBytes = from.checkpointBytes;
      this.streamWrites = from.streamWrites;
      this.atimeFile = from.atimeFile;
      this.stagingMemoryBytes = from.stagingMemoryBytes;
      this.holder = from.holder;
      this.owners = from.owners;
    }

    FsConfig build() {
      return new FsConfig(
          from.stores,
          from.fetcher,
          from.cachedFetcher,
          from.ingester,
          from.stagingDir,
          space,
          clock,
          readaheadBytes,
          checkpointBytes,
          streamWrites,
          atimeFile,
          stagingMemoryBytes,
          holder,
          owners);
    }
  }
}
