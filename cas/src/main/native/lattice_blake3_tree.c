/*
 * BLAKE3 tree access for verified partial reads ("outboards"), built on the official C
 * implementation's internal tree functions. Those are static in blake3.c, so this file includes
 * blake3.c and build-blake3.sh compiles it in blake3.c's place: the library's own code is not
 * copied here, and no symbol is defined twice.
 *
 * A group is an aligned run of LATTICE_GROUP_CHUNKS chunks (16 KiB) of a blob; the blob's last
 * group may be shorter. For a blob of more than one group, every group is a subtree of BLAKE3's
 * tree (left subtrees are powers of two of at least one group), so its chaining value (CV) can be
 * computed from its bytes and chunk counter alone, and the root follows from the group CVs.
 */
#include <stdlib.h>

#include "blake3.c"

#define EXPORT __attribute__((visibility("default")))

#define LATTICE_GROUP_CHUNKS 16
#define LATTICE_GROUP_LEN (LATTICE_GROUP_CHUNKS * BLAKE3_CHUNK_LEN)

/* The CV (never root-finalized) of one group: len bytes in (0, LATTICE_GROUP_LEN]. */
static void group_cv(const uint8_t *input, size_t len, uint64_t chunk_counter,
                     uint8_t cv[BLAKE3_OUT_LEN]) {
  if (len <= BLAKE3_CHUNK_LEN) {
    blake3_chunk_state chunk;
    chunk_state_init(&chunk, IV, 0);
    chunk.chunk_counter = chunk_counter;
    chunk_state_update(&chunk, input, len);
    output_t out = chunk_state_output(&chunk);
    output_chaining_value(&out, cv);
  } else {
    uint8_t parent_block[BLAKE3_BLOCK_LEN];
    compress_subtree_to_parent_node(input, len, IV, chunk_counter, 0, parent_block);
    output_t out = parent_output(parent_block, IV, 0);
    output_chaining_value(&out, cv);
  }
}

/* Whole groups hashed per batch: their chunks, then each level of parents, go to the SIMD code
 * together, as wide as BLAKE3's own hashing of a large input. */
#define BATCH_GROUPS 8
#define BATCH_CHUNKS (BATCH_GROUPS * LATTICE_GROUP_CHUNKS)

/* The CVs of ngroups whole groups at input, the first starting at chunk chunk_counter. */
static void whole_group_cvs(const uint8_t *input, size_t ngroups, uint64_t chunk_counter,
                            uint8_t *cvs_out) {
  const uint8_t *inputs[BATCH_CHUNKS];
  uint8_t a[BATCH_CHUNKS * BLAKE3_OUT_LEN];
  uint8_t b[BATCH_CHUNKS / 2 * BLAKE3_OUT_LEN];
  while (ngroups > 0) {
    size_t groups = ngroups < BATCH_GROUPS ? ngroups : BATCH_GROUPS;
    size_t n = groups * LATTICE_GROUP_CHUNKS;
    for (size_t i = 0; i < n; i++) {
      inputs[i] = input + i * BLAKE3_CHUNK_LEN;
    }
    blake3_hash_many(inputs, n, BLAKE3_CHUNK_LEN / BLAKE3_BLOCK_LEN, IV, chunk_counter, true, 0,
                     CHUNK_START, CHUNK_END, a);
    /* 16 chunk CVs per group, paired level by level into 1: each group's pairs stay within it. */
    uint8_t *from = a;
    uint8_t *to = b;
    while (n > groups) {
      for (size_t i = 0; i < n / 2; i++) {
        inputs[i] = from + 2 * i * BLAKE3_OUT_LEN;
      }
      blake3_hash_many(inputs, n / 2, 1, IV, 0, false, PARENT, 0, 0, to);
      n /= 2;
      uint8_t *t = from;
      from = to;
      to = t;
    }
    memcpy(cvs_out, from, groups * BLAKE3_OUT_LEN);
    cvs_out += groups * BLAKE3_OUT_LEN;
    input += groups * LATTICE_GROUP_LEN;
    chunk_counter += groups * LATTICE_GROUP_CHUNKS;
    ngroups -= groups;
  }
}

/*
 * Writes the CVs of the consecutive groups in base[off, off+len) to cvs + cvs_off (32 bytes each),
 * the first group starting at chunk chunk_counter (a multiple of LATTICE_GROUP_CHUNKS). Every group
 * but the last is whole; a short last group must be the blob's last. The blob must have more than
 * one group. Returns the number of CVs written.
 */
EXPORT size_t lattice_blake3_group_cvs(const uint8_t *base, size_t off, size_t len,
                                      uint64_t chunk_counter, uint8_t *cvs, size_t cvs_off) {
  const uint8_t *input = base + off;
  uint8_t *cvs_out = cvs + cvs_off;
  size_t whole = len / LATTICE_GROUP_LEN;
  whole_group_cvs(input, whole, chunk_counter, cvs_out);
  size_t rest = len - whole * LATTICE_GROUP_LEN;
  if (rest > 0) {
    group_cv(input + whole * LATTICE_GROUP_LEN, rest, chunk_counter + whole * LATTICE_GROUP_CHUNKS,
             cvs_out + whole * BLAKE3_OUT_LEN);
    return whole + 1;
  }
  return whole;
}

/*
 * The 32-byte BLAKE3 hash of a blob of ngroups >= 2 groups, from its group CVs, into root_out.
 * Pairing neighbours level by level, an odd last CV moving up unpaired, builds the same tree as
 * BLAKE3's rule (the left subtree holds the largest power of two that leaves at least one on the
 * right), with each level hashed by the SIMD code. Returns 0, or -1 if out of memory.
 */
EXPORT int lattice_blake3_root_from_cvs(const uint8_t *cvs, uint64_t ngroups, uint8_t *root_out) {
  enum { STACK_CVS = 128 };
  const uint8_t *inputs[STACK_CVS / 2];
  uint8_t stack[STACK_CVS * BLAKE3_OUT_LEN];
  size_t n = (size_t)ngroups;
  uint8_t *level = stack;
  const uint8_t **ptrs = inputs;
  if (n > STACK_CVS) {
    level = malloc(n * BLAKE3_OUT_LEN);
    ptrs = malloc(n / 2 * sizeof(*ptrs));
    if (level == NULL || ptrs == NULL) {
      free(level);
      free(ptrs);
      return -1;
    }
  }
  memcpy(level, cvs, n * BLAKE3_OUT_LEN);
  while (n > 2) {
    /* Parent i of CVs 2i and 2i+1 lands at i. Each batch is hashed into parents[] and only then
     * copied down, below the CVs that later batches still read. */
    size_t pairs = n / 2;
    for (size_t i = 0; i < pairs; i++) {
      ptrs[i] = level + 2 * i * BLAKE3_OUT_LEN;
    }
    uint8_t parents[BLAKE3_OUT_LEN * 16];
    for (size_t done = 0; done < pairs;) {
      size_t k = pairs - done < 16 ? pairs - done : 16;
      blake3_hash_many(ptrs + done, k, 1, IV, 0, false, PARENT, 0, 0, parents);
      memcpy(level + done * BLAKE3_OUT_LEN, parents, k * BLAKE3_OUT_LEN);
      done += k;
    }
    if (n % 2 == 1) {
      memmove(level + pairs * BLAKE3_OUT_LEN, level + (n - 1) * BLAKE3_OUT_LEN, BLAKE3_OUT_LEN);
    }
    n = pairs + n % 2;
  }
  output_t out = parent_output(level, IV, 0);
  output_root_bytes(&out, 0, root_out, BLAKE3_OUT_LEN);
  if (level != stack) {
    free(level);
    free((void *)ptrs);
  }
  return 0;
}

/*
 * One pass over a blob of more than one group, base[off, off+len): its group CVs into cvs (32
 * bytes per group) and its hash into root_out. Returns 0, or -1 if out of memory.
 */
EXPORT int lattice_blake3_outboard(const uint8_t *base, size_t off, size_t len, uint8_t *cvs,
                                   uint8_t *root_out) {
  size_t groups = lattice_blake3_group_cvs(base, off, len, 0, cvs, 0);
  return lattice_blake3_root_from_cvs(cvs, groups, root_out);
}
