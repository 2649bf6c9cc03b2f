/*
 * The cut-point search of Lattice's content-defined chunker (org.latticefs.cas.chunk.Chunker,
 * FastCDC-style gear hash with normalized chunking), for Java through jnr-ffi. It must return
 * exactly what Chunker.cutLengthJava returns for the same arguments: chunk boundaries are part of
 * the on-disk format, and ChunkerNativeTest compares the two on random and repetitive inputs. It
 * lives in the BLAKE3 library only because that is the library the build already compiles; the C
 * compiler runs this loop about 2.5 times as fast as the JIT does (BENCHMARKS.md).
 */
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

/*
 * The length of the chunk that starts at base[off], of the len bytes available there (the caller
 * passes at least max bytes, or all that is left of the input): a cut after the first position at
 * or past min where the gear hash has no bit of mask_small set (before avg) or of mask_large (from
 * avg on), else min(len, max). gear has 256 entries. base is a pinned Java array.
 */
EXPORT int32_t lattice_cdc_cut(const uint8_t *base, int32_t off, int32_t len, int32_t min,
                               int32_t avg, int32_t max, const uint64_t *gear,
                               uint64_t mask_small, uint64_t mask_large) {
  if (len <= min) {
    return len;
  }
  const uint8_t *p = base + off;
  int32_t n = len < max ? len : max;
  int32_t normal = avg < n ? avg : n;
  uint64_t fp = 0;
  int32_t i = min;
  for (; i < normal; i++) {
    fp = (fp << 1) + gear[p[i]];
    if ((fp & mask_small) == 0) {
      return i + 1;
    }
  }
  for (; i < n; i++) {
    fp = (fp << 1) + gear[p[i]];
    if ((fp & mask_large) == 0) {
      return i + 1;
    }
  }
  return n;
}
