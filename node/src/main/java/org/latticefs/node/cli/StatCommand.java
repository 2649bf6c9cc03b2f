package org.latticefs.node.cli;

import java.nio.file.Path;
import org.latticefs.kv.KeyBytes;
import org.latticefs.node.NodeApi.ChunkRow;
import org.latticefs.node.NodeApi.FileStat;
import org.latticefs.node.control.Wire;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code lattice-fs stat PATH}: Lattice's view of a path in the mount. Needs the daemon.
 *
 * <p>PATH is looked up by its bytes (also when they are not UTF-8, see {@link RawArgs}), and names
 * are printed as {@link KeyBytes#display} shows them: a byte that is not UTF-8 as {@code \xNN}, so
 * {@code caf\xe9.txt} and {@code caf\xe8.txt} print as two names, never as one mangled one. {@code
 * --json} carries the name as a string in which each such byte is the lone surrogate U+DC80..U+DCFF
 * (PEP 383: Python's {@code os.fsencode} turns it back into the bytes).
 */
@Command(
    name = "stat",
    description = {
      "Show how Lattice stores PATH (inside the mount): store, inode, manifest and chunks.",
      "Needs the running daemon (exit 3 if none)."
    })
final class StatCommand extends Base {
  @Mixin JsonOption json;

  @Parameters(paramLabel = "PATH")
  String path;

  @Override
  int run() throws Exception {
    FileStat f = cli().daemon(dataDir()).stat(absolute(RawArgs.bytes(path)));
    if (json.json) {
      printJson(Wire.fileStat(f));
      return LatticeCommand.OK;
    }
    out().println("path      " + KeyBytes.display(f.path()));
    out().println("store     " + KeyBytes.display(f.store()));
    out().println("inode     " + f.inode());
    out().println("type      " + f.type());
    out().println("size      " + f.size());
    out().println("manifest  " + (f.manifest() == null ? "-" : f.manifest()));
    out().println("chunks    " + f.chunks().size());
    for (ChunkRow c : f.chunks()) {
      out().println("  " + c.offset() + " " + c.length() + " " + c.ref());
    }
    return LatticeCommand.OK;
  }

  /** {@code path} made absolute against the working directory, as a key string (bytes kept). */
  private static String absolute(byte[] path) {
    if (path.length > 0 && path[0] == '/') {
      return KeyBytes.decode(path);
    }
    byte[] cwd = Path.of("").toAbsolutePath().toString().getBytes(RawArgs.platformCharset());
    byte[] abs = new byte[cwd.length + 1 + path.length];
    System.arraycopy(cwd, 0, abs, 0, cwd.length);
    abs[cwd.length] = '/';
    System.arraycopy(path, 0, abs, cwd.length + 1, path.length);
    return KeyBytes.decode(abs);
  }
}
