package org.latticefs.kv.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;

/**
 * A {@link ChainLog} in memory: the same contract as {@link SigChainLog} (nothing survives the
 * process), with failures on demand through its {@link Faults}. Every append is "synced" at once.
 */
public final class MemoryChainLog implements ChainLog {
  private final UUID storeId;
  private final NodeId author;
  private final Faults faults;
  private final Object appendLock = new Object();
  private volatile List<SignedEntry> entries = List.of();
  private volatile boolean closed;

  /**
   * Failures to inject into the appends of one or more logs: the next appends fail, as a disk would
   * (an I/O error, a full disk), and append nothing. Thread-safe.
   */
  public static final class Faults {
    private final AtomicInteger failing = new AtomicInteger();
    private final AtomicReference<RuntimeException> crash = new AtomicReference<>();

    /** The next {@code n} appends fail with a {@link KvException} and append nothing. */
    public void failNextAppends(int n) {
      failing.set(n);
    }

    /** The next append throws {@code e} (an unexpected failure) and appends nothing. */
    public void failNextAppendWith(RuntimeException e) {
      crash.set(e);
    }

    void beforeAppend(String log) throws KvException {
      RuntimeException e = crash.getAndSet(null);
      if (e != null) {
        throw e;
      }
      if (failing.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new KvException("append to " + log + " failed: injected failure");
      }
    }
  }

  public MemoryChainLog(UUID storeId, NodeId author, Faults faults) {
    this.storeId = storeId;
    this.author = author;
    this.faults = faults;
  }

  @Override
  public UUID storeId() {
    return storeId;
  }

  @Override
  public NodeId author() {
    return author;
  }

  @Override
  public Optional<ChainTip> tip() {
    List<SignedEntry> e = entries;
    if (e.isEmpty()) {
      return Optional.empty();
    }
    SignedEntry last = e.get(e.size() - 1);
    return Optional.of(new ChainTip(last.entry().seq(), last.hash(), last.entry().hlc()));
  }

  @Override
  public long size() {
    return entries.size();
  }

  @Override
  public void append(List<SignedEntry> more, boolean sync) throws KvException {
    if (more.isEmpty()) {
      return;
    }
    synchronized (appendLock) {
      ensureOpen();
      ChainContinuity.check(toString(), storeId, author, tip().orElse(null), more);
      faults.beforeAppend(toString());
      List<SignedEntry> next = new ArrayList<>(entries.size() + more.size());
      next.addAll(entries);
      next.addAll(more);
      entries = List.copyOf(next);
    }
  }

  @Override
  public void sync() throws KvException {
    ensureOpen();
  }

  @Override
  public boolean hasUnsynced() {
    return false;
  }

  @Override
  public Optional<SignedEntry> get(long seq) throws KvException {
    ensureOpen();
    List<SignedEntry> e = entries;
    return seq < 1 || seq > e.size() ? Optional.empty() : Optional.of(e.get((int) (seq - 1)));
  }

  @Override
  public Stream<SignedEntry> entriesAfter(long seq) throws KvException {
    ensureOpen();
    List<SignedEntry> e = entries;
    return e.subList((int) Math.min(Math.max(seq, 0), e.size()), e.size()).stream();
  }

  private void ensureOpen() throws KvException {
    if (closed) {
      throw new KvException(this + " is closed");
    }
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "memory log of " + author + " in store " + storeId;
  }
}
