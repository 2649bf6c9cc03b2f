/*
 * Lattice's thin C layer over the official BLAKE3 C implementation, called from Java through
 * jnr-ffi (org.latticefs.cas.NativeBlake3). It exists so that Java never needs to know the size
 * or layout of blake3_hasher, and so that a one-shot hash or an update from a Java array costs a
 * single foreign call. The BLAKE3 sources themselves are not in this repository: build-blake3.sh
 * compiles them from the Debian package librust-blake3-dev.
 */
#include <stdint.h>
#include <stdlib.h>

#include "blake3.h"

#define EXPORT __attribute__((visibility("default")))

/* Exported by blake3_dispatch.c: how many inputs the widest usable SIMD path hashes at once. */
size_t blake3_simd_degree(void);

EXPORT const char *lattice_blake3_version(void) { return blake3_version(); }

EXPORT size_t lattice_blake3_simd_degree(void) { return blake3_simd_degree(); }

/* A fresh hasher on the C heap, or NULL when out of memory. Free with lattice_blake3_free. */
EXPORT blake3_hasher *lattice_blake3_new(void) {
  blake3_hasher *h = malloc(sizeof(blake3_hasher));
  if (h != NULL) {
    blake3_hasher_init(h);
  }
  return h;
}

EXPORT void lattice_blake3_free(blake3_hasher *h) { free(h); }

EXPORT void lattice_blake3_reset(blake3_hasher *h) { blake3_hasher_reset(h); }

/* Adds base[off, off+len): base is a native address or a pinned Java array. */
EXPORT void lattice_blake3_update(blake3_hasher *h, const uint8_t *base, size_t off, size_t len) {
  blake3_hasher_update(h, base + off, len);
}

/* Writes the 32-byte hash of everything added so far to out; h stays usable. */
EXPORT void lattice_blake3_finalize(const blake3_hasher *h, uint8_t *out) {
  blake3_hasher_finalize(h, out, BLAKE3_OUT_LEN);
}

/* One-shot: the 32-byte hash of base[off, off+len) into out, with the state on the stack. */
EXPORT void lattice_blake3_hash(const uint8_t *base, size_t off, size_t len, uint8_t *out) {
  blake3_hasher h;
  blake3_hasher_init(&h);
  blake3_hasher_update(&h, base + off, len);
  blake3_hasher_finalize(&h, out, BLAKE3_OUT_LEN);
}
