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
  size_t n = 0;
  while (len > 0) {
    size_t take = len < LATTICE_GROUP_LEN ? len : LATTICE_GROUP_LEN;
    group_cv(input, take, chunk_counter, cvs_out + n * BLAKE3_OUT_LEN);
    input += take;
    len -= take;
    chunk_counter += LATTICE_GROUP_CHUNKS;
    n++;
  }
  return n;
}

/*
 * The CV of the subtree over groups [0, n) of cvs, root-finalized into root_out when root_out is
 * not NULL. The left subtree holds the largest power of two of groups that leaves at least one
 * group on the right, exactly as BLAKE3 splits chunks.
 */
static void merge(const uint8_t *cvs, uint64_t n, uint8_t cv[BLAKE3_OUT_LEN], uint8_t *root_out) {
  uint8_t block[BLAKE3_BLOCK_LEN];
  uint64_t left = round_down_to_power_of_2(n - 1);
  if (left == 1) {
    memcpy(block, cvs, BLAKE3_OUT_LEN);
  } else {
    merge(cvs, left, block, NULL);
  }
  if (n - left == 1) {
    memcpy(block + BLAKE3_OUT_LEN, cvs + left * BLAKE3_OUT_LEN, BLAKE3_OUT_LEN);
  } else {
    merge(cvs + left * BLAKE3_OUT_LEN, n - left, block + BLAKE3_OUT_LEN, NULL);
  }
  output_t out = parent_output(block, IV, 0);
  if (root_out != NULL) {
    output_root_bytes(&out, 0, root_out, BLAKE3_OUT_LEN);
  } else {
    output_chaining_value(&out, cv);
  }
}

/* The 32-byte BLAKE3 hash of a blob of ngroups >= 2 groups, from its group CVs. */
EXPORT void lattice_blake3_root_from_cvs(const uint8_t *cvs, uint64_t ngroups, uint8_t *root_out) {
  merge(cvs, ngroups, NULL, root_out);
}
