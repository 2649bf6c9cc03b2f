package org.latticefs.node.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.latticefs.cas.chunk.Chunk;
import org.latticefs.cas.chunk.Chunker;
import org.latticefs.node.NodeApi.ChunkRow;
import org.latticefs.node.control.Json;
import org.latticefs.node.control.Wire;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lattice-fs chunk FILE}: how Lattice would cut a file into content-defined chunks, storing
 * nothing (like {@code ipfs add --only-hash}). One line per chunk: offset, length, BLAKE3 ref,
 * separated by single spaces; {@code --json} prints {@code {"file","size","chunks":[{offset,
 * length, ref}]}}.
 */
@Command(
    name = "chunk",
    description = {
      "Print the content-defined chunks of FILE (- for stdin): offset length ref per line.",
      "Stores nothing."
    })
final class ChunkCommand implements Callable<Integer> {
  @ParentCommand LatticeCommand root;

  @Mixin JsonOption json;

  @Parameters(paramLabel = "FILE")
  String file;

  @Override
  public Integer call() throws IOException {
    Cli cli = root.cli();
    List<ChunkRow> chunks = new ArrayList<>();
    long size;
    if (file.equals("-")) {
      size = split(cli.in(), chunks, cli);
    } else {
      Path p = Path.of(file);
      if (Files.isDirectory(p)) {
        throw new IOException(file + ": Is a directory");
      }
      try (InputStream in = Files.newInputStream(p)) {
        size = split(in, chunks, cli);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new IOException(file + ": No such file or directory", e);
      }
    }
    if (json.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("file", file);
      m.put("size", size);
      m.put("chunker", Chunker.DEFAULT.toString());
      List<Object> l = new ArrayList<>();
      for (ChunkRow c : chunks) {
        l.add(Wire.chunk(c));
      }
      m.put("chunks", l);
      cli.out().println(Json.pretty(m));
    }
    return LatticeCommand.OK;
  }

  private long split(InputStream in, List<ChunkRow> rows, Cli cli) throws IOException {
    return Chunker.DEFAULT.split(
        in,
        (Chunk c) -> {
          ChunkRow r = new ChunkRow(c.offset(), c.length(), c.ref().hex());
          if (json.json) {
            rows.add(r);
          } else {
            cli.out().println(r.offset() + " " + r.length() + " " + r.ref());
          }
        });
  }
}
