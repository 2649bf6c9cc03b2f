package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.chunk.Chunk;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.IngestResult;
import org.latticefs.cas.chunk.ManifestReader;
import org.latticefs.cas.hash.Outboard;

/**
 * Issue 10's corruption matrix, the blob store's part: a file is stored (chunks, a manifest, a
 * saved outboard, the access and usage records), one piece of it is damaged while the store is
 * closed, and the store is opened and read again. Every case either repairs itself and reads the
 * right bytes, or fails with an exception that names the damaged blob; no case ever returns wrong
 * bytes. Cases that fail are then repaired by storing the same content again.
 */
class CorruptionMatrixTest {
  @TempDir Path root;
  private DiskBlobStore store;

  @AfterEach
  void close() throws IOException {
    if (store != null) {
      store.close();
    }
  }

  /** What the damage is done to, and how. */
  enum Damage {
    CHUNK_BYTE_FLIPPED(Outcome.CORRUPT),
    CHUNK_TRUNCATED(Outcome.CORRUPT),
    CHUNK_GROWN(Outcome.CORRUPT),
    CHUNK_DELETED(Outcome.NOT_FOUND),
    MANIFEST_BYTE_FLIPPED(Outcome.CORRUPT),
    MANIFEST_TRUNCATED(Outcome.CORRUPT),
    MANIFEST_DELETED(Outcome.NOT_FOUND),
    SAVED_OUTBOARD_BYTE_FLIPPED(Outcome.REPAIRED),
    SAVED_OUTBOARD_TRUNCATED(Outcome.REPAIRED),
    SAVED_OUTBOARD_DELETED(Outcome.REPAIRED),
    ACCESS_RECORD_GARBLED(Outcome.REPAIRED),
    USAGE_RECORD_GARBLED(Outcome.REPAIRED);

    final Outcome expected;

    Damage(Outcome expected) {
      this.expected = expected;
    }
  }

  enum Outcome {
    /** Reads return the right bytes; a damaged cache or record was dropped and rebuilt. */
    REPAIRED,
    /** Reads of the damaged blob fail with {@link CorruptBlobException} naming it. */
    CORRUPT,
    /** Reads of the damaged blob fail with {@link BlobNotFoundException} naming it. */
    NOT_FOUND
  }

  private Path blobFile(BlobRef ref) {
    return Tamper.blobFile(root, ref);
  }

  private Path outboardFile(BlobRef ref) {
    return root.resolve("cas/outboards")
        .resolve(ref.hex().substring(0, 2))
        .resolve(ref.hex() + ".ob");
  }

  private IngestResult ingest(byte[] data) throws IOException {
    Path f = root.resolve("input.bin");
    Files.write(f, data);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      return new FileIngester(store).ingest(ch);
    } finally {
      Files.delete(f);
    }
  }

  /** The whole file, through its manifest. */
  private byte[] readFile(BlobRef manifest) throws IOException {
    ManifestReader r = ManifestReader.open(store, manifest, 0);
    ByteBuffer b = ByteBuffer.allocate((int) r.size());
    while (b.hasRemaining()) {
      r.read(b.position(), b);
    }
    return b.array();
  }

  /** How the damaged store is read: the whole file through its manifest, or a range of a chunk. */
  enum ReadPath {
    WHOLE_FILE,
    CHUNK_RANGE
  }

  /** Every damage with every read path that reaches it (a range of a chunk skips the manifest). */
  static Stream<Arguments> matrix() {
    return Arrays.stream(Damage.values())
        .flatMap(
            d ->
                Arrays.stream(ReadPath.values())
                    .filter(p -> p == ReadPath.WHOLE_FILE || !d.name().startsWith("MANIFEST"))
                    .map(p -> Arguments.of(d, p)));
  }

  @ParameterizedTest(name = "{0} read as {1}")
  @MethodSource("matrix")
  void everyDamageIsRepairedOrNamedAndNeverReadAsData(Damage damage, ReadPath path)
      throws IOException {
    boolean outboards = damage.name().startsWith("SAVED_OUTBOARD");
    Assumptions.assumeTrue(!outboards || Outboard.isAvailable(), "outboards need native BLAKE3");
    byte[] data = new byte[3 << 20];
    new Random(damage.ordinal()).nextBytes(data);
    store = DiskBlobStore.open(root);
    IngestResult stored = ingest(data);
    BlobRef manifest = stored.manifest();
    Chunk chunk = ManifestReader.open(store, manifest).chunks().next();
    // A range read saves the chunk's outboard, for the cases that damage it.
    assertArrayEquals(Arrays.copyOfRange(data, 100, 200), store.fetchRange(chunk.ref(), 100, 100));
    long stat = store.bytesStored();
    store.close();

    BlobRef victim;
    switch (damage) {
      case CHUNK_BYTE_FLIPPED -> Tamper.flipByte(blobFile(victim = chunk.ref()), 1000);
      case CHUNK_TRUNCATED -> Tamper.truncateToHalf(blobFile(victim = chunk.ref()));
      case CHUNK_GROWN ->
          Files.write(blobFile(victim = chunk.ref()), new byte[] {1}, StandardOpenOption.APPEND);
      case CHUNK_DELETED -> Files.delete(blobFile(victim = chunk.ref()));
      case MANIFEST_BYTE_FLIPPED -> Tamper.flipByte(blobFile(victim = manifest), 40);
      case MANIFEST_TRUNCATED -> Tamper.truncateToHalf(blobFile(victim = manifest));
      case MANIFEST_DELETED -> Files.delete(blobFile(victim = manifest));
      case SAVED_OUTBOARD_BYTE_FLIPPED -> Tamper.flipByte(outboardFile(victim = chunk.ref()), 40);
      case SAVED_OUTBOARD_TRUNCATED -> Tamper.truncateToHalf(outboardFile(victim = chunk.ref()));
      case SAVED_OUTBOARD_DELETED -> Files.delete(outboardFile(victim = chunk.ref()));
      case ACCESS_RECORD_GARBLED -> {
        victim = null;
        Files.write(root.resolve("cas/access"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
      }
      case USAGE_RECORD_GARBLED -> {
        victim = null;
        Tamper.flipByte(root.resolve("cas/usage"), 12);
      }
      default -> throw new AssertionError(damage);
    }

    store = DiskBlobStore.open(root);
    Outcome seen =
        path == ReadPath.WHOLE_FILE
            ? outcome(() -> readFile(manifest), data, victim)
            : outcome(
                () -> store.fetchRange(chunk.ref(), 100, 100),
                Arrays.copyOfRange(data, 100, 200),
                victim);
    assertEquals(damage.expected, seen);
    if (damage.expected == Outcome.REPAIRED) {
      if (outboards && path == ReadPath.CHUNK_RANGE) {
        assertTrue(
            Outboard.decode(chunk.ref(), Files.readAllBytes(outboardFile(chunk.ref()))) != null,
            "a good outboard was saved again");
      }
      if (damage == Damage.USAGE_RECORD_GARBLED) {
        assertEquals(stat, store.bytesStored(), "counted again by a walk");
      }
      return;
    }
    // Storing the same content again repairs it (issue 10 item 9): right bytes, nothing corrupt.
    assertEquals(manifest, ingest(data).manifest());
    assertArrayEquals(data, readFile(manifest));
    assertEquals(Arrays.asList(), store.corruptRefs().stream().toList());
  }

  @FunctionalInterface
  private interface Read {
    byte[] bytes() throws IOException;
  }

  /** What a read did: returned {@code want} exactly, or failed naming {@code victim}. */
  private static Outcome outcome(Read read, byte[] want, BlobRef victim) {
    byte[] got;
    try {
      got = read.bytes();
    } catch (CorruptBlobException e) {
      assertEquals(victim, e.ref(), "names the damaged blob: " + e.getMessage());
      assertTrue(e.getMessage().contains(victim.hex()), e.getMessage());
      return Outcome.CORRUPT;
    } catch (BlobNotFoundException e) {
      assertEquals(victim, e.ref(), "names the missing blob: " + e.getMessage());
      return Outcome.NOT_FOUND;
    } catch (IOException e) {
      fail("neither repaired nor named: " + e);
      return null;
    }
    assertArrayEquals(want, got, "wrong bytes returned as data");
    return Outcome.REPAIRED;
  }
}
