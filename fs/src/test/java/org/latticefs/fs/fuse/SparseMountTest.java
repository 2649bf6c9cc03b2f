package org.latticefs.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.fuse.MountFixture.sh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.core.TestStores;

/**
 * Sparse files through a real mount, with the tools people use on them: a 1 TiB file made by {@code
 * truncate}, written with {@code dd seek=}, compared region by region with {@code cmp}, and
 * measured with {@code du} and {@code stat -c %b}: it costs what it holds.
 */
class SparseMountTest {
  @TempDir Path dir;

  @Test
  void aTebibyteSparseFileCostsWhatItHolds() throws IOException {
    try (MountFixture m = new MountFixture(dir, TestStores.open(dir.resolve("kv")))) {
      Path store = Files.createDirectory(m.mnt.resolve("sparse"));
      Path pieces = Files.createDirectory(dir.resolve("pieces"));
      String out =
          sh(
              store,
              String.join(
                  "\n",
                  "truncate -s 1T big",
                  "stat -c '%s %b' big",
                  // Six small writes at scattered offsets, each its own open and close.
                  "for i in 0 1 2 3 4 5; do",
                  "  head -c 10000 /dev/urandom > " + pieces + "/p$i",
                  "  dd if="
                      + pieces
                      + "/p$i of=big bs=4096 seek=$(( i * 41943040 + 7 ))"
                      + " conv=notrunc status=none",
                  "done",
                  "for i in 0 1 2 3 4 5; do",
                  "  dd if=big bs=4096 skip=$(( i * 41943040 + 7 )) count=3 status=none"
                      + " | cmp -n 10000 - "
                      + pieces
                      + "/p$i",
                  // The hole right after each piece, and far from any, read as zeros.
                  "  dd if=big bs=4096 skip=$(( i * 41943040 + 10 )) count=256 status=none"
                      + " | cmp -n 1048576 - /dev/zero",
                  "done",
                  "dd if=big bs=1M skip=1048575 count=1 status=none | cmp -n 1048576 - /dev/zero",
                  "stat -c '%s %b' big",
                  "du -k big | cut -f1",
                  // Past the largest file: EFBIG ("File too large"), the size unchanged.
                  "touch huge",
                  "if truncate -s 999999999999999 huge 2>err; then echo grew; fi",
                  "grep -c 'File too large' err",
                  "stat -c %s huge"));
      String[] lines = out.strip().split("\n");
      assertEquals("1099511627776 0", lines[0], out);
      String[] after = lines[1].split(" ");
      assertEquals("1099511627776", after[0], out);
      long stored = Long.parseLong(after[1]) * 512;
      assertTrue(stored >= 60_000 && stored < 256 * 1024, "st_blocks of 60,000 bytes: " + out);
      assertTrue(Long.parseLong(lines[2]) < 256, "du in KiB: " + out);
      assertEquals("1", lines[3], out);
      assertEquals("0", lines[4], out);
      assertTrue(m.blobs.bytesStored() < 1 << 20, "blob bytes " + m.blobs.bytesStored());
    }
  }
}
