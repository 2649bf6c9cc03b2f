package org.latticefs.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Objects;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobReceiver;
import org.latticefs.kv.Stores;

/**
 * Everything {@link LatticeFileSystem} needs. Build with {@link #of} and adjust with the {@code
 * with*} methods.
 *
 * @param stores the node's stores: the mount root lists them, each top-level folder is one
 * @param fetcher every chunk and manifest read goes through it (node hands one that falls back to
 *     peers); the filesystem wraps it in a bounded in-memory cache of {@code cacheBytes}
 * @param receiver where new chunks and manifests are written (through {@link
 *     BlobReceiver#newBatch()}, one durable batch per file commit)
 * @param stagingDir a private directory for per-open-file staging files; emptied at start (staged,
 *     uncommitted writes do not survive a crash: only fsync/close make content durable)
 * @param cacheBytes the size of the in-memory chunk cache (manifests, random reads, edits;
 *     sequential streams bypass it)
 * @param space capacity for statfs and ENOSPC
 * @param clock the source of inode times
 * @param readaheadBytes the most a sequential stream fetches ahead of its reader (whole chunks, in
 *     parallel); a stream's readahead starts at 1 MiB and doubles per read up to this. 0: none
 */
public record FsConfig(
    Stores stores,
    BlobFetcher fetcher,
    BlobReceiver receiver,
    Path stagingDir,
    long cacheBytes,
    SpaceProvider space,
    InstantSource clock,
    long readaheadBytes) {

  public static final long DEFAULT_CACHE_BYTES = 256L << 20;
  public static final long DEFAULT_READAHEAD_BYTES = 32L << 20;

  public FsConfig {
    Objects.requireNonNull(stores, "stores");
    Objects.requireNonNull(fetcher, "fetcher");
    Objects.requireNonNull(receiver, "receiver");
    Objects.requireNonNull(stagingDir, "stagingDir");
    Objects.requireNonNull(space, "space");
    Objects.requireNonNull(clock, "clock");
  }

  /**
   * The defaults: 256 MiB chunk cache, 32 MiB readahead, system clock, no quota (the free space of
   * the staging directory's disk).
   */
  public static FsConfig of(
      Stores stores, BlobFetcher fetcher, BlobReceiver receiver, Path stagingDir)
      throws IOException {
    java.nio.file.Files.createDirectories(stagingDir);
    return new FsConfig(
        stores,
        fetcher,
        receiver,
        stagingDir,
        DEFAULT_CACHE_BYTES,
        SpaceProvider.ofDisk(stagingDir),
        InstantSource.system(),
        DEFAULT_READAHEAD_BYTES);
  }

  public FsConfig withCacheBytes(long bytes) {
    return new FsConfig(stores, fetcher, receiver, stagingDir, bytes, space, clock, readaheadBytes);
  }

  public FsConfig withSpace(SpaceProvider provider) {
    return new FsConfig(
        stores, fetcher, receiver, stagingDir, cacheBytes, provider, clock, readaheadBytes);
  }

  public FsConfig withClock(InstantSource source) {
    return new FsConfig(
        stores, fetcher, receiver, stagingDir, cacheBytes, space, source, readaheadBytes);
  }

  public FsConfig withReadaheadBytes(long bytes) {
    return new FsConfig(stores, fetcher, receiver, stagingDir, cacheBytes, space, clock, bytes);
  }
}
