package org.latticefs.gc.pin;

import java.util.List;

/**
 * A pin as {@code pin ls} shows it: its state in the root store and what this process's reconciler
 * found of it.
 *
 * @param phase {@code queued} (not walked since this process started), {@code walking}, {@code
 *     complete} (every blob here), {@code incomplete} (some could not be had: see {@code
 *     problems}), {@code failed} (the walk itself failed), or {@code not-running} (no reconciler in
 *     this process: the data directory was opened without a daemon)
 * @param blobs blobs of the pin found or fetched (so far, while walking); -1 if not walked yet
 * @param bytes their bytes; -1 if not walked yet
 * @param fetchedBytes bytes fetched for it since this process started
 * @param missing blobs that could not be had
 * @param problems why (the first few)
 */
public record PinStatus(
    PinTarget target,
    PinState state,
    String phase,
    long blobs,
    long bytes,
    long fetchedBytes,
    long missing,
    List<String> problems) {
  public PinStatus {
    problems = List.copyOf(problems);
  }
}
