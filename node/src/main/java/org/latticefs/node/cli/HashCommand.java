package org.latticefs.node.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lattice-fs hash FILE…}: BLAKE3-256 of files, printed exactly as {@code b3sum FILE…} does:
 * {@code <hex> <name>} per line; {@code -} or no argument reads stdin; a name containing a
 * backslash or a newline is escaped ({@code \\}, {@code \n}) and its line starts with a backslash.
 * A file that cannot be read is reported on stderr ({@code lattice-fs: NAME: No such file or
 * directory (os error 2)}), the others are still hashed, and the exit code is 1.
 */
@Command(
    name = "hash",
    description = "Print BLAKE3 hashes of files, exactly like b3sum (- or no FILE: stdin).")
final class HashCommand implements Callable<Integer> {
  @ParentCommand LatticeCommand root;

  @Parameters(paramLabel = "FILE", arity = "0..*", description = "Files to hash; - is stdin.")
  List<String> files = List.of();

  @Override
  public Integer call() {
    Cli cli = root.cli();
    List<String> names = files.isEmpty() ? List.of("-") : files;
    int code = LatticeCommand.OK;
    for (String name : names) {
      try {
        BlobRef ref = name.equals("-") ? Blake3.hash(cli.in()) : hash(Path.of(name));
        cli.out().print(line(ref, name));
        cli.out().flush();
      } catch (IOException | java.nio.file.InvalidPathException e) {
        cli.out().flush();
        cli.err().println("lattice-fs: " + name + ": " + osError(e));
        cli.err().flush();
        code = LatticeCommand.FAILURE;
      }
    }
    return code;
  }

  /** One output line, with its newline, as b3sum prints it. */
  static String line(BlobRef ref, String name) {
    if (name.indexOf('\\') < 0 && name.indexOf('\n') < 0) {
      return ref.hex() + "  " + name + "\n";
    }
    String escaped = name.replace("\\", "\\\\").replace("\n", "\\n");
    return "\\" + ref.hex() + "  " + escaped + "\n";
  }

  static BlobRef hash(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IOException("Is a directory (os error 21)");
    }
    return Blake3.hashFile(file);
  }

  /** The wording b3sum (Rust's io::Error) uses for the common failures. */
  static String osError(Exception e) {
    if (e instanceof NoSuchFileException) {
      return "No such file or directory (os error 2)";
    }
    if (e instanceof AccessDeniedException) {
      return "Permission denied (os error 13)";
    }
    return e.getMessage();
  }
}
