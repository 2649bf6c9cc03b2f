package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.MemoryIO;

/**
 * One time of a {@code utimens} call, as {@code utimensat(2)} passes it: seconds and nanoseconds,
 * or one of the two special values in {@code nanos}, {@link #UTIME_NOW} (set to the current time)
 * and {@link #UTIME_OMIT} (leave this time unchanged).
 *
 * <p>The binding sets libfuse's {@code flag_utime_omit_ok}, so both special values reach the
 * filesystem intact: {@code touch -m} arrives as "mtime given, atime omitted". (Without the flag,
 * libfuse2 drops a call that sets only one of the two times.)
 */
public record TimeSpec(long seconds, long nanos) {
  public static final long UTIME_NOW = (1L << 30) - 1;
  public static final long UTIME_OMIT = (1L << 30) - 2;

  /** Leave this time unchanged. */
  public boolean isOmit() {
    return nanos == UTIME_OMIT;
  }

  /** Set this time to the current time. */
  public boolean isNow() {
    return nanos == UTIME_NOW;
  }

  /** Nanoseconds since the epoch (meaningful unless {@link #isOmit} or {@link #isNow}). */
  public long epochNanos() {
    return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
  }

  /** The {@code struct timespec} at {@code address} (16 bytes: {@code tv_sec}, {@code tv_nsec}). */
  static TimeSpec at(long address) {
    MemoryIO io = MemoryIO.getInstance();
    return new TimeSpec(io.getLong(address), io.getLong(address + 8));
  }
}
