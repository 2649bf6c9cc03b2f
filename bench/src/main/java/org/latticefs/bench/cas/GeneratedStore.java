package org.latticefs.bench.cas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.store.AccessTracker;
import org.latticefs.cas.store.DiskBlobStore;

/**
 * Writes a {@link DiskBlobStore} of many blobs directly in its on-disk layout, as a clean close
 * leaves it, instead of through millions of receives: the access-time snapshot ({@code cas/access},
 * through the store's own {@link AccessTracker}), the usage record ({@code cas/usage}, "LATUSE02",
 * in the format {@code Census} documents), and, if asked, the blob files themselves.
 *
 * <p>Without blob files the store is a shell: opening it after a clean close reads only these
 * records (that is what is measured), but its blobs cannot be read, and an open that had to walk
 * its shards would count none of them (which {@link LargeStoreOpenBench} checks). With blob files
 * each blob is {@code blobBytes} seeded random bytes under its BLAKE3 name, a store like any other.
 * The blobs are the same for the same seed either way; their access times are spread over a year.
 */
public final class GeneratedStore {
  private static final byte[] USAGE_MAGIC = "LATUSE02".getBytes(StandardCharsets.US_ASCII);
  private static final int SHARDS = 256;

  private static final Instant EPOCH = Instant.parse("2020-01-01T00:00:00Z");

  /** Seconds from {@link #EPOCH} to 2025-12-01, and a year in seconds. */
  private static final int TIME_BASE = 186_624_000;

  private static final int TIME_SPREAD = 31_536_000;

  private GeneratedStore() {}

  /** What was written: the blobs, their total size, and the snapshot's size. */
  public record Written(long blobs, long blobBytes, long accessFileBytes) {}

  /**
   * Makes the store under {@code root} (which must not hold one yet) with {@code count} blobs of
   * {@code blobBytes} bytes each. Memory stays flat in {@code count}: refs are made, written and
   * counted one at a time.
   *
   * @param files whether to write the blob files too (slow: one file each)
   */
  public static Written write(Path root, long count, int blobBytes, boolean files, long seed)
      throws IOException {
    DiskBlobStore.open(root).close();
    Path cas = root.resolve("cas");
    // Both records are replaced below: the close left an empty access snapshot and usage record.
    long[] shardBlobs = new long[SHARDS];
    SplittableRandom r = new SplittableRandom(seed);
    byte[] content = new byte[blobBytes];
    HexFormat hex = HexFormat.of();
    Path access = cas.resolve("access");
    // The access times go through the store's own tracker, so the snapshot is written as a store
    // writes it (in its table's order, which its next open reads back sequentially).
    try (AccessTracker times = AccessTracker.open(access, InstantSource.system())) {
      for (long i = 0; i < count; i++) {
        r.nextBytes(content);
        BlobRef ref = Blake3.hash(content);
        shardBlobs[ref.bytes()[0] & 0xff]++;
        if (files) {
          String name = hex.formatHex(ref.bytes());
          Files.write(cas.resolve(name.substring(0, 2)).resolve(name + ".blob"), content);
        }
        times.touch(ref, EPOCH.plusSeconds(TIME_BASE + r.nextInt(TIME_SPREAD)));
      }
    }
    writeUsage(cas, shardBlobs, blobBytes);
    return new Written(count, count * blobBytes, Files.size(access));
  }

  /**
   * The usage record of a clean close: per blob shard its bytes, blob count and directory time; per
   * outboard shard nothing, at its directory's time (-2: no directory yet).
   */
  private static void writeUsage(Path cas, long[] shardBlobs, int blobBytes) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(USAGE_MAGIC.length + 2 * SHARDS * 24 + 4);
    b.put(USAGE_MAGIC);
    for (int i = 0; i < SHARDS; i++) {
      Path shard = cas.resolve(String.format("%02x", i));
      b.putLong(shardBlobs[i] * blobBytes).putLong(shardBlobs[i]).putLong(mtime(shard));
    }
    for (int i = 0; i < SHARDS; i++) {
      Path shard = cas.resolve("outboards").resolve(String.format("%02x", i));
      b.putLong(0).putLong(0).putLong(mtime(shard));
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    Path tmp = cas.resolve("usage.generated.tmp");
    Files.write(tmp, b.array());
    Files.move(tmp, cas.resolve("usage"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static long mtime(Path dir) throws IOException {
    try {
      return Files.getLastModifiedTime(dir).to(TimeUnit.NANOSECONDS);
    } catch (NoSuchFileException e) {
      return -2;
    }
  }
}
