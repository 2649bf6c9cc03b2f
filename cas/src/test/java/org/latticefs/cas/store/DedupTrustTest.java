package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.IngestResult;
import org.latticefs.cas.chunk.ManifestReader;

/**
 * Issue 10 item 9: a write whose content dedups against a copy already damaged on disk must not
 * count on it. For every way of storing, and for damage done while the store is open (to a copy
 * this process wrote) and while it is closed (to a copy it has never checked): store, damage the
 * file behind the store's back, store the same content again, read it back byte-identical.
 */
class DedupTrustTest {
  @TempDir Path root;
  private DiskBlobStore store;
  private final Random random = new Random(23);

  @AfterEach
  void close() throws IOException {
    if (store != null) {
      store.close();
    }
  }

  enum Way {
    RECEIVE,
    STREAM,
    BATCH,
    INGEST
  }

  enum When {
    WHILE_OPEN,
    WHILE_CLOSED
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** Stores {@code data} the given way; returns what reads it back (the ref, or the manifest). */
  private BlobRef store(Way way, byte[] data) throws IOException {
    switch (way) {
      case RECEIVE:
        return store.receive(data);
      case STREAM:
        return store.receive(new ByteArrayInputStream(data));
      case BATCH:
        try (BlobBatch batch = store.newBatch()) {
          BlobRef ref = batch.receive(data, 0, data.length);
          batch.commit();
          return ref;
        }
      default:
        Path f = root.resolve("input-" + random.nextInt(1 << 30));
        Files.write(f, data);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
          IngestResult r = new FileIngester(store).ingest(ch);
          return r.manifest();
        }
    }
  }

  private byte[] read(Way way, BlobRef ref) throws IOException {
    if (way != Way.INGEST) {
      return store.fetch(ref);
    }
    ManifestReader r = ManifestReader.open(store, ref);
    ByteBuffer b = ByteBuffer.allocate((int) r.size());
    while (b.hasRemaining()) {
      r.read(b.position(), b);
    }
    return b.array();
  }

  /** The blob file holding byte 100 of {@code data} (the first chunk, for an ingest). */
  private Path victim(Way way, BlobRef ref) throws IOException {
    if (way == Way.INGEST) {
      ref = ManifestReader.open(store, ref).chunks().next().ref();
    }
    return store.directory().resolve(ref.hex().substring(0, 2)).resolve(ref.hex() + ".blob");
  }

  /** Flips one byte in place, then puts the modification time back as a careful culprit would. */
  private static void flipByte(Path file) throws IOException {
    FileTime mtime = Files.getLastModifiedTime(file);
    Tamper.flipByte(file, 100);
    Files.setLastModifiedTime(file, mtime);
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void storingDamagedContentAgainRepairsItWhileOpen(Way way) throws IOException {
    check(way, When.WHILE_OPEN);
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void storingDamagedContentAgainRepairsItAfterARestart(Way way) throws IOException {
    check(way, When.WHILE_CLOSED);
  }

  private void check(Way way, When when) throws IOException {
    store = DiskBlobStore.open(root);
    byte[] data = bytes(way == Way.INGEST ? 3 << 20 : 200_000);
    BlobRef ref = store(way, data);
    Path file = victim(way, ref);
    if (when == When.WHILE_CLOSED) {
      store.close();
      flipByte(file);
      store = DiskBlobStore.open(root);
    } else {
      flipByte(file);
    }

    assertEquals(ref, store(way, data), "same content, same ref");
    assertArrayEquals(data, read(way, ref), "read back byte-identical after the second store");
    assertTrue(store.corruptRefs().isEmpty(), "the damaged copy was replaced");
    try (var quarantined = Files.list(store.directory().resolve("quarantine"))) {
      assertEquals(0, quarantined.count(), "set aside, then deleted once repaired");
    }
  }
}
