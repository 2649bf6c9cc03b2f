package org.latticefs.cas.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.latticefs.cas.BlobRef;

/** Damage done to a store's files behind its back, and looks at them, for tests. */
final class Tamper {
  private Tamper() {}

  /** The blob file of {@code ref} in the store under {@code root}. */
  static Path blobFile(Path root, BlobRef ref) {
    return root.resolve("cas").resolve(ref.hex().substring(0, 2)).resolve(ref.hex() + ".blob");
  }

  /** Flips bits of the byte at {@code at}, in place (the file's change time moves on). */
  static void flipByte(Path file, long at) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x20);
    }
  }

  /** Cuts the file to half its size. */
  static void truncateToHalf(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() / 2);
    }
  }

  /** Every temp file anywhere in the store under {@code root} (shard directories and tmp/). */
  static List<Path> temps(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root.resolve("cas"))) {
      return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
    }
  }
}
