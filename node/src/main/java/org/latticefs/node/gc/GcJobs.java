package org.latticefs.node.gc;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.gc.GcService;
import org.latticefs.gc.PassListener;
import org.latticefs.gc.PassReport;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeException;

/**
 * The collector's jobs as the CLI sees them ({@code gc}, {@code gc --dry-run}, {@code du}): starts
 * one on the {@link GcService}, follows its progress, and turns its report into the answer the CLI
 * prints (JSON-ready maps). Jobs run one pass at a time on the collector's thread; the CLI polls
 * {@link #poll} for a progress bar. Keeps the last {@value #KEEP} jobs. Thread-safe.
 */
public final class GcJobs {
  /** Jobs remembered (finished ones are dropped oldest first). */
  static final int KEEP = 8;

  /** Garbage blobs a dry run lists by name (all are counted). */
  static final int LISTED = 1000;

  /** What a job does. */
  public enum Kind {
    GC("gc"),
    DRY_RUN("dry-run"),
    DU("du");

    final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    public static Kind parse(String s) throws NodeException {
      for (Kind k : values()) {
        if (k.wire.equals(s)) {
          return k;
        }
      }
      throw new NodeException("unknown gc job kind '" + s + "' (gc, dry-run, du)");
    }

    public String wire() {
      return wire;
    }
  }

  private final GcService service;
  private final DiskBlobStore blobs;
  private final Path staging;
  private final long quota;
  private final LinkedHashMap<String, Job> jobs = new LinkedHashMap<>();
  private final AtomicLong ids = new AtomicLong();

  /**
   * @param staging the filesystem's staging directory (written, not yet committed content)
   * @param quota {@code storage.quota} (0: none)
   */
  public GcJobs(GcService service, DiskBlobStore blobs, Path staging, long quota) {
    this.service = service;
    this.blobs = blobs;
    this.staging = staging;
    this.quota = quota;
  }

  /** Starts a job; returns its id. */
  public String start(Kind kind) {
    Job job = new Job(Long.toString(ids.incrementAndGet()), kind);
    synchronized (jobs) {
      jobs.put(job.id, job);
      jobs.entrySet()
          .removeIf(e -> jobs.size() > KEEP && e.getValue().result.isDone() && e.getValue() != job);
    }
    CompletableFuture<PassReport> pass = service.collect(kind != Kind.GC, job);
    pass.handle(
        (report, error) -> {
          if (error != null) {
            job.result.completeExceptionally(error);
          } else {
            try {
              job.result.complete(kind == Kind.DU ? usage(report) : gc(report, job));
            } catch (IOException | RuntimeException e) {
              job.result.completeExceptionally(e);
            }
          }
          return null;
        });
    return job.id;
  }

  /** The job's progress, and its result once done. */
  public NodeApi.GcJob poll(String id) throws NodeException {
    Job job;
    synchronized (jobs) {
      job = jobs.get(id);
    }
    if (job == null) {
      throw new NodeException("no gc job " + id + " (finished jobs are kept for a while only)");
    }
    String phase = job.phase == null ? "starting" : job.phase.name().toLowerCase();
    if (!job.result.isDone()) {
      return new NodeApi.GcJob(
          id, job.kind.wire, "running", phase, job.done, job.total, null, null);
    }
    try {
      return new NodeApi.GcJob(
          id, job.kind.wire, "done", phase, job.done, job.total, job.result.join(), null);
    } catch (CompletionException e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      return new NodeApi.GcJob(
          id,
          job.kind.wire,
          "failed",
          phase,
          job.done,
          job.total,
          null,
          c.getMessage() == null ? c.toString() : c.getMessage());
    }
  }

  /** A report as {@code gc [--dry-run] --json} prints it. */
  static Map<String, Object> gc(PassReport r, Job job) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("dry_run", r.dryRun());
    m.put("started_at", r.startedAt().toString());
    m.put("seconds", r.elapsed().toNanos() / 1e9);
    m.put("swept", r.swept());
    m.put("problems", new ArrayList<Object>(r.problems()));
    m.put("roots", r.roots());
    m.put("open_file_trees", r.heldTrees());
    m.put("manifest_nodes", r.manifestNodes());
    m.put("examined_blobs", r.examinedBlobs());
    m.put("examined_bytes", r.examinedBytes());
    m.put("live_bytes", r.liveBytes());
    m.put("garbage_blobs", r.garbageBlobs());
    m.put("garbage_bytes", r.garbageBytes());
    m.put("removed_blobs", r.removedBlobs());
    m.put("removed_bytes", r.removedBytes());
    m.put("kept_by_holds", r.keptByHolds());
    m.put("quarantined", r.quarantined());
    m.put("live_set_bytes", r.liveSetBytes());
    List<Object> listed = new ArrayList<>();
    synchronized (job.garbage) {
      for (BlobInfo b : job.garbage) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("ref", b.ref().hex());
        g.put("size", b.size());
        g.put("why", "no root, pin or hold reaches it");
        listed.add(g);
      }
    }
    m.put("garbage", listed);
    return m;
  }

  /**
   * Space use by class, for {@code du}: the blobs a dry run found referenced and unreferenced,
   * saved outboards, quarantined copies, staging; total is the apparent size of everything under
   * {@code cas/} (what {@code du -sb cas} shows), against the quota and the disk.
   */
  Map<String, Object> usage(PassReport r) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    long quarantined = tree(blobs.directory().resolve("quarantine"));
    long outboards = blobs.outboardBytes();
    long total = tree(blobs.directory());
    m.put("pinned_bytes", 0L);
    m.put("referenced_bytes", r.liveBytes());
    m.put("cache_bytes", 0L);
    m.put("garbage_bytes", r.garbageBytes());
    m.put("outboard_bytes", outboards);
    m.put("quarantined_bytes", quarantined);
    m.put("other_bytes", Math.max(0, total - r.examinedBytes() - outboards - quarantined));
    m.put("total_bytes", total);
    m.put("staging_bytes", tree(staging));
    m.put("blob_count", r.examinedBlobs());
    m.put("garbage_blobs", r.garbageBlobs());
    m.put("quota_bytes", quota);
    m.put("used_bytes", blobs.usedBytes());
    m.put("disk_free_bytes", blobs.usableSpace());
    m.put("disk_total_bytes", blobs.totalSpace());
    m.put("complete", r.swept());
    m.put("problems", new ArrayList<Object>(r.problems()));
    m.put(
        "note",
        "pinned and cache are not broken out of referenced yet: pinned versions and the chunks"
            + " of on-demand stores are counted as referenced (lattice-fs pin ls shows the bytes"
            + " of each pin)");
    return m;
  }

  /** Apparent bytes of every file and directory under {@code root} (0 if it does not exist). */
  static long tree(Path root) throws IOException {
    long[] sum = {0};
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
              sum[0] += a.size();
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
              sum[0] += a.size();
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
              if (e instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE; // removed while we walked
              }
              throw e;
            }
          });
    } catch (NoSuchFileException e) {
      return 0;
    }
    return sum[0];
  }

  /** One job: its progress as the pass reports it, and its result. */
  private static final class Job implements PassListener {
    final String id;
    final Kind kind;
    final CompletableFuture<Map<String, Object>> result = new CompletableFuture<>();
    final List<BlobInfo> garbage = new ArrayList<>();
    volatile Phase phase;
    volatile long done;
    volatile long total = -1;

    Job(String id, Kind kind) {
      this.id = id;
      this.kind = kind;
    }

    @Override
    public void phase(Phase p, long t) {
      phase = p;
      total = t;
      done = 0;
    }

    @Override
    public void progress(long d) {
      done = d;
    }

    @Override
    public void garbage(BlobInfo blob, boolean removed) {
      synchronized (garbage) {
        if (garbage.size() < LISTED) {
          garbage.add(blob);
        }
      }
    }
  }
}
