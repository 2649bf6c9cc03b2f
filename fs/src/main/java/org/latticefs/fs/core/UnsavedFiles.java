package org.latticefs.fs.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsErrors;
import org.latticefs.fs.FsException;
import org.latticefs.fs.UnsavedFile;
import org.latticefs.fs.content.ContentWriter;
import org.latticefs.fs.content.Version;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.Keys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps what a file's failed last commit would otherwise drop. When the last handle of a file with
 * uncommitted changes closes and its commit failed (a full disk or quota, an I/O error), the
 * content is stored as a new file beside it, {@code name.unsaved-<UTC time>} ({@link
 * UnsavedNames}), in one log entry; the file itself keeps its last committed version, so an
 * operation that returned an error has not taken effect under its name. If even that cannot be
 * stored, the staging file is moved into {@code keptDir} on the local disk with a description
 * beside it ({@code .txt}: where each byte of it belongs). Every case is logged as an error and
 * listed by {@link #list} (node's {@code status}); files kept on disk by an earlier run are listed
 * too, from their descriptions.
 *
 * <p>Thread-safe. Lock order as for commits: the file's data lock, then the store's namespace lock.
 */
final class UnsavedFiles {
  private static final Logger LOG = LoggerFactory.getLogger(UnsavedFiles.class);
  private static final DateTimeFormatter STEM =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final Path keptDir;
  private final Inodes inodes;
  private final NanoClock clock;
  private final IdSource newIds;
  private final List<UnsavedFile> found = new ArrayList<>();

  /**
   * @param keptDir where staging files that could not be stored are moved (on the staging disk)
   * @param newIds fresh inode ids for the saved copies
   */
  UnsavedFiles(Path keptDir, Inodes inodes, NanoClock clock, IdSource newIds) {
    this.keptDir = keptDir;
    this.inodes = inodes;
    this.clock = clock;
    this.newIds = newIds;
    for (UnsavedFile u : keptEarlier(keptDir)) {
      found.add(u);
      LOG.error("{}: still there from an earlier run", u.describe());
    }
  }

  /** Fresh inode ids for new files (the namespace's rule). */
  interface IdSource {
    long newId(StoreContext ctx) throws IOException;
  }

  /** What was saved or kept so far (this run's and files kept on disk earlier), oldest first. */
  synchronized List<UnsavedFile> list() {
    return List.copyOf(found);
  }

  /**
   * Saves what {@code of} holds beyond its committed version, after its last commit failed with
   * {@code cause}: beside it in the mount, else on the local disk. Never throws; returns what it
   * did (null if there was nothing to save).
   */
  UnsavedFile save(OpenFile of, Throwable cause) {
    String reason = reason(cause);
    Instant when = Instant.ofEpochSecond(0, clock.nowNanos());
    StoreContext ctx = of.store;
    OpenFile.Where w = of.where;
    String path = w == null ? null : w.path();
    UnsavedFile done;
    of.data.writeLock().lock();
    try {
      Throwable failure;
      try {
        Version v = of.storeContent();
        if (v == null) {
          return null;
        }
        String savedAs = commitBeside(of, v, w, when);
        done = new UnsavedFile(when, ctx.name, path, savedAs, null, reason);
        LOG.error(
            "the last commit of {} failed ({}); its content is saved as {}, the file keeps its last"
                + " committed version",
            what(of, path),
            reason,
            savedAs);
        return record(done);
      } catch (IOException | RuntimeException e) {
        failure = e;
      }
      done = keepOnDisk(of, path, when, reason, failure);
      return record(done);
    } finally {
      of.data.writeLock().unlock();
    }
  }

  private synchronized UnsavedFile record(UnsavedFile u) {
    found.add(u);
    return u;
  }

  /** Commits version {@code v} as a new file beside the one {@code w} names; returns its path. */
  private String commitBeside(OpenFile of, Version v, OpenFile.Where w, Instant when)
      throws IOException {
    StoreContext ctx = of.store;
    ctx.namespace.lock();
    try {
      long parent = Keys.ROOT;
      String dirPath = "/" + ctx.name;
      String original = "inode-" + Keys.id(of.id);
      if (w != null) {
        original = w.name();
        if (parentExists(ctx, w.parent())) {
          parent = w.parent();
          int slash = w.path().lastIndexOf('/');
          dirPath = slash > 0 ? w.path().substring(0, slash) : dirPath;
        }
      }
      String name;
      int dup = 1;
      do {
        name = UnsavedNames.name(original, when, dup++);
      } while (taken(ctx, parent, name));
      long now = clock.nowNanos();
      Inode meta;
      synchronized (of) {
        meta = of.committed;
      }
      Inode copy =
          meta.withContent(v.size(), v.manifest(), v.inline())
              .withNlink(1, now)
              .withTimes(meta.atimeNanos(), of.mtimeNanos(), now);
      long id = newIds.newId(ctx);
      ctx.commit(
          List.of(
              Inodes.put(id, copy),
              Inodes.direntPut(parent, name, id),
              inodes.touch(ctx, parent, now)));
      return dirPath + "/" + name;
    } finally {
      ctx.namespace.unlock();
    }
  }

  private boolean parentExists(StoreContext ctx, long parent) throws IOException {
    try {
      return inodes.get(ctx, parent).kind() == Inode.Kind.DIRECTORY;
    } catch (FsException e) {
      if (e.errno() == Errno.ENOENT) {
        return false;
      }
      throw e;
    }
  }

  private static boolean taken(StoreContext ctx, long parent, String name) throws IOException {
    String key = Keys.dirent(parent, name);
    return ctx.pending.containsKey(key) || ctx.store.get(key).isPresent();
  }

  /** Moves the staging file into {@link #keptDir} with its description. */
  private UnsavedFile keepOnDisk(
      OpenFile of, String path, Instant when, String reason, Throwable failure) {
    String stem = of.store.id + "-" + Keys.id(of.id) + "-" + STEM.format(when);
    String what = what(of, path);
    try {
      Files.createDirectories(keptDir);
      ContentWriter.Kept k = of.keepContent(keptDir, stem);
      String description =
          "store: "
              + of.store.name
              + "\nfile: "
              + what
              + "\nwhen: "
              + when
              + "\nwhy: "
              + reason
              + "\nnot saved in the mount: "
              + reason(failure)
              + "\n"
              + k.description();
      try {
        Files.writeString(keptDir.resolve(stem + ".txt"), description, StandardCharsets.UTF_8);
      } catch (IOException e) {
        LOG.error("cannot write the description of {}: {}\n{}", stem, e.toString(), description);
      }
      LOG.error(
          "the last commit of {} failed ({}) and its content could not be saved in the mount ({});"
              + " what was written is kept at {}, described in {}",
          what,
          reason,
          reason(failure),
          k.file(),
          keptDir.resolve(stem + ".txt"));
      return new UnsavedFile(when, of.store.name, path, null, k.file(), reason);
    } catch (IOException | RuntimeException e) {
      LOG.error(
          "the last commit of {} failed ({}); its content could neither be saved ({}) nor kept on"
              + " disk ({}): what was written since its last commit is lost",
          what,
          reason,
          reason(failure),
          e.toString());
      return new UnsavedFile(when, of.store.name, path, null, null, reason);
    }
  }

  private static String what(OpenFile of, String path) {
    return (path != null ? path : "a file of store " + of.store.name)
        + " (inode "
        + Keys.id(of.id)
        + ")";
  }

  private static String reason(Throwable e) {
    Errno errno = FsErrors.isNoSpace(e) ? Errno.ENOSPC : null;
    String m = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    return errno != null && !m.startsWith("ENOSPC") ? "ENOSPC: " + m : m;
  }

  /** The files an earlier run kept on disk, from their descriptions. */
  private static List<UnsavedFile> keptEarlier(Path dir) {
    List<UnsavedFile> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (var files = Files.list(dir)) {
      for (Path txt : (Iterable<Path>) files.sorted()::iterator) {
        String n = txt.getFileName().toString();
        if (!n.endsWith(".txt")) {
          continue;
        }
        String stem = n.substring(0, n.length() - 4);
        Path staged = dir.resolve(stem + ".staged");
        String text = Files.readString(txt, StandardCharsets.UTF_8);
        out.add(
            new UnsavedFile(
                Files.getLastModifiedTime(txt).toInstant(),
                field(text, "store"),
                field(text, "file"),
                null,
                Files.exists(staged) ? staged : null,
                field(text, "why")));
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("cannot list the unsaved files kept in {}: {}", dir, e.toString());
    }
    return out;
  }

  private static String field(String text, String key) {
    for (String line : text.split("\n")) {
      if (line.startsWith(key + ": ")) {
        return line.substring(key.length() + 2);
      }
    }
    return "?";
  }
}
