#!/bin/sh
# Builds liblattice-blake3.so from the official BLAKE3 C sources (Debian: librust-blake3-dev,
# /usr/share/cargo/registry/blake3-*/c/) plus lattice_blake3.c and lattice_blake3_tree.c (which
# includes blake3.c, to reach its static tree functions, and is compiled in its place), and
# lattice_cdc.c (the chunker's cut-point search), into
#   OUT_ROOT/native/linux-<arch>/liblattice-blake3.so
# so that it is packaged inside the cas jar. Run by Maven in generate-resources.
#
# Missing sources or compiler are not an error: the build goes on with a warning and Lattice
# falls back to pure-Java BLAKE3 at run time. A compiler error with both present is an error.
#
# Environment: BLAKE3_C_DIR (the sources' c/ folder, default: newest Debian copy), CC (gcc).
set -eu

out_root=${1:?usage: build-blake3.sh OUT_ROOT}
here=$(cd "$(dirname "$0")" && pwd)

skip() {
  echo "[WARNING] lattice-blake3: $1."
  echo "[WARNING] lattice-blake3: no native BLAKE3 in this build; Lattice will hash with the pure-Java fallback (~7x slower)."
  exit 0
}

[ "$(uname -s)" = Linux ] || skip "native BLAKE3 is only built on Linux (this is $(uname -s))"

src=${BLAKE3_C_DIR:-}
if [ -z "$src" ]; then
  src=$(ls -d /usr/share/cargo/registry/blake3-*/c 2>/dev/null | sort -V | tail -n 1 || true)
fi
[ -n "$src" ] && [ -f "$src/blake3.c" ] ||
  skip "BLAKE3 C sources not found (install them with: apt-get install librust-blake3-dev, or set BLAKE3_C_DIR)"

cc=${CC:-gcc}
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler '$cc' (install one with: apt-get install gcc)"

arch=$(uname -m)
flags="-O3 -fPIC -shared -fvisibility=hidden -Wall -Wl,-z,noexecstack -Wl,-z,defs"
flags="$flags -Wl,--version-script=$here/lattice_blake3.map"
sources="blake3.c blake3_dispatch.c blake3_portable.c"
case $arch in
  x86_64)
    sources="$sources blake3_sse2_x86-64_unix.S blake3_sse41_x86-64_unix.S"
    sources="$sources blake3_avx2_x86-64_unix.S blake3_avx512_x86-64_unix.S"
    ;;
  aarch64)
    flags="$flags -DBLAKE3_USE_NEON=1"
    sources="$sources blake3_neon.c"
    ;;
  *)
    ;; # portable C only; the dispatcher enables no SIMD on other architectures
esac

out_dir=$out_root/native/linux-$arch
out=$out_dir/liblattice-blake3.so

inputs="$here/lattice_blake3.c $here/lattice_blake3_tree.c $here/lattice_cdc.c $here/lattice_blake3.map $here/build-blake3.sh"
compiled="$here/lattice_blake3.c $here/lattice_blake3_tree.c $here/lattice_cdc.c"
for f in $sources; do
  [ -f "$src/$f" ] || skip "BLAKE3 C sources in $src lack $f"
  inputs="$inputs $src/$f"
  [ "$f" = blake3.c ] || compiled="$compiled $f"
done

if [ -f "$out" ]; then
  stale=no
  for f in $inputs; do
    [ "$f" -nt "$out" ] && stale=yes
  done
  if [ $stale = no ]; then
    exit 0
  fi
fi

mkdir -p "$out_dir"
echo "[INFO] lattice-blake3: compiling BLAKE3 $(basename "$(dirname "$src")") for linux-$arch with $cc"
tmp=$out.tmp.$$
# shellcheck disable=SC2086 # flags and sources are word lists
(cd "$src" && "$cc" $flags -I"$src" -o "$tmp" $compiled)
mv -f "$tmp" "$out"
