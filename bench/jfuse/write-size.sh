#!/usr/bin/env bash
# Does libfuse3's 1 MiB write size explain jfuse's sequential-write figures? Mounts the jnr-fuse
# PassthroughFs (libfuse2, 128 KiB writes), the jfuse passthrough with libfuse3's 1 MiB writes and
# the jfuse passthrough held to 128 KiB (-Dprobe.maxWrite=131072), plus bindfs, and times fio's
# 1 GiB sequential write (1 MiB blocks, end_fsync) on each, interleaved, ROUNDS times.
# Usage (as root, after building bench/jfuse as its pom says):
#   bench/jfuse/write-size.sh [ROUNDS=4] [DIR=/var/tmp/lattice-writesize]
set -euo pipefail
rounds=${1:-4}
base=${2:-/var/tmp/lattice-writesize}
j25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
j17=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
probecp="$(cd "$(dirname "$0")" && pwd)/target/lattice-bench-jfuse.jar"
[ -e "$base" ] && { echo "$base exists: remove it first" >&2; exit 1; }
names=(bindfs jnr-pass jfuse-pass-1M jfuse-pass-128K)
pids=()
fifos=()
cleanup() {
  for f in "${fifos[@]}"; do exec {f}>&- || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 600); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
  fusermount -u "$base/bindfs-mnt" 2>/dev/null || true
  for n in "${names[@]}"; do
    if grep -q " $base/$n-mnt " /proc/self/mountinfo; then fusermount -uz "$base/$n-mnt"; fi
  done
  rm -rf "$base"
}
trap cleanup EXIT
for n in "${names[@]}"; do mkdir -p "$base/$n-src" "$base/$n-mnt"; done
bindfs -o big_writes,auto_cache,use_ino "$base/bindfs-src" "$base/bindfs-mnt"
# Each Java filesystem serves until its stdin (a pipe we hold open) closes.
start() { # name, command...
  local n=$1; shift
  mkfifo "$base/$n.in"
  "$@" "$base/$n-src" "$base/$n-mnt" < "$base/$n.in" > "$base/$n.out" 2> "$base/$n.err" &
  pids+=($!)
  local fd
  exec {fd}>"$base/$n.in"
  fifos+=("$fd")
  for _ in $(seq 1 300); do grep -q MOUNTED "$base/$n.out" && return; sleep 0.1; done
  echo "$n did not mount" >&2; cat "$base/$n.err" >&2; exit 1
}
start jnr-pass "$j17" -Xmx3g -cp "$probecp" org.latticefs.bench.fs.PassthroughFs
start jfuse-pass-1M "$j25" -Xmx3g --enable-native-access=ALL-UNNAMED -cp "$probecp" \
  org.latticefs.bench.jfuse.ProbeMain passthrough
start jfuse-pass-128K "$j25" -Xmx3g --enable-native-access=ALL-UNNAMED -Dprobe.maxWrite=131072 \
  -cp "$probecp" org.latticefs.bench.jfuse.ProbeMain passthrough
grep -h "jfuse init" "$base"/*.err >&2 || true
echo "load before: $(cat /proc/loadavg)"
for r in $(seq 0 "$rounds"); do
  for n in "${names[@]}"; do
    rm -f "$base/$n-mnt/seq.bin"
    sync; echo 3 > /proc/sys/vm/drop_caches
    t0=$(date +%s.%N)
    fio --ioengine=psync --iodepth=1 --output-format=json --directory="$base/$n-mnt" \
      --name=seqwrite --rw=write --bs=1M --size=1G --end_fsync=1 --filename=seq.bin > /dev/null
    t1=$(date +%s.%N)
    label=$([ "$r" = 0 ] && echo warm-up || echo "round $r")
    echo "$label $n $(echo "1024 / ($t1 - $t0)" | bc -l | cut -c1-6) MiB/s  load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
echo "load after: $(cat /proc/loadavg)"
