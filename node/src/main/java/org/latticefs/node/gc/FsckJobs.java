package org.latticefs.node.gc;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.io.AtomicFile;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.gc.Scrubber;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code fsck} jobs and the background scrub: runs the {@link Scrubber} on a thread of its own,
 * one run at a time; {@code lattice-fs fsck} at full speed, the scrub every {@code fsck.interval}
 * at {@value #SCRUB_BYTES_PER_SECOND} bytes per second. When the last scrub finished is kept in
 * {@code scrub.properties} in the data directory, so restarts do not postpone it forever. Progress
 * and the last findings are in {@link #status} (shown by {@code status}). Thread-safe.
 */
public final class FsckJobs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FsckJobs.class);

  /** The background scrub's read rate. */
  static final long SCRUB_BYTES_PER_SECOND = 64L << 20;

  /** How often the scrub checks whether it is due. */
  static final Duration CHECK = Duration.ofMinutes(10);

  private final Scrubber scrubber;
  private final DiskBlobStore blobs;
  private final Path lastFile;
  private final Duration interval;
  private final InstantSource clock;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "lattice-scrub");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, Job> jobs = new LinkedHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile Job running;
  private volatile Map<String, Object> lastReport;

  private record Job(
      String id,
      boolean repair,
      boolean background,
      long total,
      CompletableFuture<Map<String, Object>> result) {}

  public FsckJobs(
      Scrubber scrubber,
      DiskBlobStore blobs,
      Path lastFile,
      Duration interval,
      InstantSource clock) {
    this.scrubber = scrubber;
    this.blobs = blobs;
    this.lastFile = lastFile;
    this.interval = interval;
    this.clock = clock;
  }

  /** Starts the background scrub (if {@code fsck.interval} is not zero). */
  public FsckJobs startBackground() {
    if (!interval.isZero()) {
      long ms = CHECK.toMillis();
      thread.scheduleWithFixedDelay(this::scrubIfDue, ms, ms, TimeUnit.MILLISECONDS);
    }
    return this;
  }

  private void scrubIfDue() {
    try {
      Instant last = lastScrub();
      if (running == null && (last == null || !clock.instant().isBefore(last.plus(interval)))) {
        run(newJob(false, true));
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("background scrub failed: {}", e.toString());
    }
  }

  /** Starts an {@code fsck} (at full speed); returns its id. */
  public String start(boolean repair) throws NodeException {
    Job job = newJob(repair, false);
    try {
      thread.execute(() -> run(job));
    } catch (RejectedExecutionException e) {
      throw new NodeException("fsck is stopped");
    }
    return job.id;
  }

  private Job newJob(boolean repair, boolean background) {
    Job job =
        new Job(
            Long.toString(ids.incrementAndGet()),
            repair,
            background,
            blobs.bytesStored(),
            new CompletableFuture<>());
    synchronized (jobs) {
      jobs.put(job.id, job);
      jobs.entrySet().removeIf(e -> jobs.size() > GcJobs.KEEP && e.getValue().result.isDone());
    }
    return job;
  }

  private void run(Job job) {
    running = job;
    try {
      Scrubber.Report r = scrubber.run(job.repair, job.background ? SCRUB_BYTES_PER_SECOND : 0);
      Map<String, Object> m = report(r, job.background);
      lastReport = m;
      recordScrub(r.startedAt());
      if (r.badCount() > 0) {
        LOG.warn(
            "{} found {} corrupt blob(s) (quarantined); {} file(s) lost data: {}",
            job.background ? "scrub" : "fsck",
            r.badCount(),
            r.lostFileCount(),
            r.lostFiles());
      }
      job.result.complete(m);
    } catch (IOException | RuntimeException e) {
      job.result.completeExceptionally(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      job.result.completeExceptionally(e);
    } finally {
      running = null;
    }
  }

  static Map<String, Object> report(Scrubber.Report r, boolean background) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("background", background);
    m.put("repair", r.repair());
    m.put("started_at", r.startedAt().toString());
    m.put("seconds", r.elapsed().toNanos() / 1e9);
    m.put("checked_blobs", r.checked());
    m.put("checked_bytes", r.checkedBytes());
    m.put("bad_blobs", r.badCount());
    m.put("bad", new ArrayList<Object>(r.bad()));
    m.put("repaired", r.repaired());
    m.put("lost_files", r.lostFileCount());
    m.put("lost", new ArrayList<Object>(r.lostFiles()));
    return m;
  }

  /** A job's progress (done/total in bytes), and its report once done. */
  public NodeApi.GcJob poll(String id) throws NodeException {
    Job job;
    synchronized (jobs) {
      job = jobs.get(id);
    }
    if (job == null) {
      throw new NodeException("no fsck job " + id);
    }
    String kind = job.repair ? "fsck-repair" : "fsck";
    long done = running == job ? scrubber.progress()[1] : 0;
    if (!job.result.isDone()) {
      return new NodeApi.GcJob(id, kind, "running", "scrub", done, job.total, null, null);
    }
    try {
      return new NodeApi.GcJob(
          id, kind, "done", "scrub", job.total, job.total, job.result.join(), null);
    } catch (CompletionException e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      return new NodeApi.GcJob(id, kind, "failed", "scrub", done, job.total, null, c.toString());
    }
  }

  /** The scrub as {@code status} shows it: running or not, last finished, its findings, next. */
  public Map<String, Object> status() throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    Job j = running;
    m.put("running", j != null);
    if (j != null) {
      m.put("done_bytes", scrubber.progress()[1]);
      m.put("total_bytes", j.total);
    }
    Instant last = lastScrub();
    m.put("last_started_at", last == null ? null : last.toString());
    m.put(
        "next_due_at",
        interval.isZero()
            ? null
            : (last == null ? clock.instant() : last.plus(interval)).toString());
    m.put("last_report", lastReport);
    return m;
  }

  private Instant lastScrub() throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(lastFile, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (NoSuchFileException e) {
      return null;
    }
    try {
      String s = p.getProperty("last_started_at");
      return s == null ? null : Instant.parse(s);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private void recordScrub(Instant startedAt) throws IOException {
    Properties p = new Properties();
    p.setProperty("last_started_at", startedAt.toString());
    StringWriter w = new StringWriter();
    p.store(w, "when the last full check of every blob started (fsck or the background scrub)");
    AtomicFile.write(lastFile, w.toString().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
