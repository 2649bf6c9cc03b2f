package org.latticefs.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.chunk.Chunk;
import org.latticefs.cas.chunk.Chunker;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.node.control.Json;

class ChunkCommandTest {
  @TempDir Path dir;

  @Test
  void linesMatchTheChunkerAndCoverTheFile() throws Exception {
    byte[] data = new byte[5 * 1024 * 1024 + 123];
    new Random(7).nextBytes(data);
    Path f = dir.resolve("data.bin");
    Files.write(f, data);

    CliRun r = CliRun.run(null, "chunk", f.toString());
    assertEquals(0, r.code(), r.err());
    List<Chunk> expected = new ArrayList<>();
    Chunker.DEFAULT.split(new ByteArrayInputStream(data), expected::add);
    String[] lines = r.out().split("\n");
    assertEquals(expected.size(), lines.length);
    assertTrue(lines.length > 3, "a 5 MiB file has several chunks");
    long next = 0;
    for (int i = 0; i < lines.length; i++) {
      String[] f3 = lines[i].split(" ");
      assertEquals(3, f3.length, lines[i]);
      long off = Long.parseLong(f3[0]);
      int len = Integer.parseInt(f3[1]);
      assertEquals(next, off);
      assertEquals(expected.get(i).ref().hex(), f3[2]);
      // Each ref really is the hash of those bytes.
      assertEquals(Blake3.hash(Arrays.copyOfRange(data, (int) off, (int) off + len)).hex(), f3[2]);
      next = off + len;
    }
    assertEquals(data.length, next);
  }

  @Test
  void jsonIsValidAndAgreesWithText() throws Exception {
    byte[] data = new byte[700_000];
    new Random(8).nextBytes(data);
    Path f = dir.resolve("d");
    Files.write(f, data);
    String text = CliRun.run(null, "chunk", f.toString()).out();
    CliRun j = CliRun.run(null, "chunk", "--json", f.toString());
    assertEquals(0, j.code(), j.err());
    Map<String, Object> m = Json.parseObject(j.out(), 1 << 24);
    assertEquals((long) data.length, m.get("size"));
    StringBuilder sb = new StringBuilder();
    for (Object o : (List<?>) m.get("chunks")) {
      Map<?, ?> c = (Map<?, ?>) o;
      sb.append(c.get("offset")).append(' ').append(c.get("length")).append(' ');
      sb.append(c.get("ref")).append('\n');
    }
    assertEquals(text, sb.toString());
  }

  @Test
  void stdinEmptyFileMissingFileAndMissingArgument() throws Exception {
    assertEquals("", CliRun.runWithInput(null, new byte[0], "chunk", "-").out());
    CliRun one = CliRun.runWithInput(null, new byte[] {1, 2, 3}, "chunk", "-");
    assertEquals("0 3 " + Blake3.hash(new byte[] {1, 2, 3}).hex() + "\n", one.out());
    CliRun missing = CliRun.run(null, "chunk", dir.resolve("nope").toString());
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("No such file or directory"), missing.err());
    CliRun usage = CliRun.run(null, "chunk");
    assertEquals(2, usage.code());
    assertTrue(usage.err().contains("Missing required parameter: 'FILE'"), usage.err());
  }
}
