#!/usr/bin/env bash
# Runs the pjdfstest POSIX conformance suite against a fresh Lattice mount (started with the real
# launcher, ./lattice-fs) and against bindfs over a directory on the same disk, in one run, and
# prints both pass counts: subtests passed / total, and every test file with failures.
#
# Usage (as root, from anywhere):
#   fs/src/test/pjdfstest/run.sh [--source DIR] [--targets lattice,bindfs] [--timeout SECONDS]
#                                [--work DIR] [--only REGEX] [--keep] [--no-skip]
#
#   --source DIR     pjdfstest's source (default: $PJDFSTEST_SRC, else shared/third_party/pjdfstest
#                    in a folder above the repository). Copied, built (autoreconf, configure, make);
#                    nothing is downloaded.
#   --targets LIST   which filesystems, in order (default lattice,bindfs)
#   --timeout S      the most one test file may take (default 300); a file over it is killed and
#                    counted as failing every subtest it did not pass
#   --work DIR       where the build, the data directories and the mount points go (default a new
#                    directory under /var/tmp, removed at the end unless --keep)
#   --only REGEX     run only the test files whose path (e.g. chmod/00.t) matches
#   --no-skip        also run the files skipped by default (see SKIP below)
#
# Hang protection: every test file runs under `timeout`; every FUSE request Lattice answers after
# more than 5 s is logged by the daemon ("slow FUSE request"), and such lines are counted here and
# make the run fail. A mount that cannot be unmounted at the end (a request still hanging) is
# detached lazily and its daemon killed.
#
# Output ends with one line per target, for scripts and the JUnit test (PjdfstestIT):
#   RESULT <target> passed=<n> total=<n> files=<n> failed_files=<n> timeouts=<n> slow=<n>
# Exit status: 0 if every target ran (whatever its pass count), 1 on a setup failure or a slow
# request, 2 on bad usage.
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../../.." && pwd)"

# Test files skipped by default, with the reason printed when skipped (none today: the huge
# truncates of ftruncate/12.t and truncate/12.t run since files store holes as runs). Entries look
# like [dir/NN.t]="reason".
declare -A SKIP=()

source_dir="${PJDFSTEST_SRC:-}"
targets="lattice,bindfs"
file_timeout=300
work=""
keep=0
only=""
no_skip=0

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --source) source_dir="$2"; shift 2 ;;
    --targets) targets="$2"; shift 2 ;;
    --timeout) file_timeout="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --no-skip) no_skip=1; shift ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument $1" >&2; usage ;;
  esac
done

die() { echo "run.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "pjdfstest must run as root (it switches users and makes device nodes)"
for tool in autoreconf automake gcc make timeout; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is missing: apt-get install -y autoconf automake gcc make coreutils"
done

if [ -z "$source_dir" ]; then
  d="$repo"
  while [ "$d" != / ]; do
    d="$(dirname "$d")"
    if [ -f "$d/shared/third_party/pjdfstest/pjdfstest.c" ]; then
      source_dir="$d/shared/third_party/pjdfstest"
      break
    fi
  done
fi
[ -n "$source_dir" ] && [ -f "$source_dir/pjdfstest.c" ] ||
  die "pjdfstest's source not found: pass --source DIR or set PJDFSTEST_SRC"

if [ -z "$work" ]; then
  work="$(mktemp -d /var/tmp/pjdfstest.XXXXXX)"
else
  mkdir -p "$work"
fi
work="$(cd "$work" && pwd)"

daemon_pid=""
lattice_mnt="$work/lattice-mnt"
bind_mnt="$work/bind-mnt"
export LATTICE_HOME="$work/lattice-home"

cleanup() {
  set +e
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    "$repo/lattice-fs" unmount "$lattice_mnt" >/dev/null 2>&1 ||
      { kill -9 "$daemon_pid"; fusermount -uz "$lattice_mnt"; } 2>/dev/null
  fi
  if grep -q " $bind_mnt fuse" /proc/mounts 2>/dev/null; then
    fusermount -u "$bind_mnt" 2>/dev/null || fusermount -uz "$bind_mnt"
  fi
  if [ "$keep" = 0 ]; then
    rm -rf "$work"
  else
    echo "run.sh: kept $work"
  fi
}
trap cleanup EXIT

echo "== building Lattice (./lattice-fs builds its jar if the sources are newer) and pjdfstest"
"$repo/lattice-fs" --version >"$work/lattice-build.log" 2>&1 ||
  { tail -20 "$work/lattice-build.log" >&2; die "building Lattice failed"; }
# The jar stays as it is for the whole run, whatever is edited meanwhile.
export LATTICE_NO_BUILD=1
echo "   pjdfstest from $source_dir"
cp -r "$source_dir" "$work/pjdfstest"
(cd "$work/pjdfstest" && autoreconf -ifs && ./configure && make pjdfstest) \
  >"$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; die "building pjdfstest failed"; }
tests="$work/pjdfstest/tests"

# Runs every test file from the current directory (inside the filesystem under test); prints one
# line per file with failures and the totals, and writes "passed total files failed_files timeouts"
# to $1.
run_suite() {
  local totals="$1" passed=0 total=0 files=0 failed_files=0 timeouts=0
  local f rel out rc plan ok seen missing fails
  while IFS= read -r f; do
    rel="${f#"$tests"/}"
    if [ -n "$only" ] && ! [[ "$rel" =~ $only ]]; then
      continue
    fi
    if [ "$no_skip" = 0 ] && [ -n "${SKIP[$rel]:-}" ]; then
      echo "  skipped $rel: ${SKIP[$rel]}"
      continue
    fi
    files=$((files + 1))
    out="$work/out.tap"
    rc=0
    timeout -k 10 "$file_timeout" sh "$f" >"$out" 2>/dev/null || rc=$?
    # TAP: "1..N" plans N; "ok N" passes, "not ok N # TODO" is an expected failure (passes, as
    # prove counts it); anything planned and not seen fails.
    read -r plan ok seen fails < <(awk '
      /^1\.\.[0-9]+/ { split($0, p, "."); plan = p[3] + 0 }
      /^ok / { ok++; seen++; next }
      /^not ok / { seen++; if ($0 ~ /# TODO/) { ok++ } else { n = $3; fails = fails (fails ? "," : "") n } }
      END { printf "%d %d %d %s\n", plan, ok, seen, (fails ? fails : "-") }' "$out")
    [ "$plan" -lt "$seen" ] && plan=$seen
    missing=$((plan - seen))
    passed=$((passed + ok))
    total=$((total + plan))
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
      timeouts=$((timeouts + 1))
      echo "  $rel: TIMEOUT after ${file_timeout}s, $ok of $plan passed"
      failed_files=$((failed_files + 1))
    elif [ "$ok" -lt "$plan" ]; then
      failed_files=$((failed_files + 1))
      echo "  $rel: $((plan - ok)) of $plan failed: ${fails}$([ "$missing" -gt 0 ] && echo " (+$missing not run)")"
    fi
  done < <(find "$tests" -name '*.t' | LC_ALL=C sort)
  echo "$passed $total $files $failed_files $timeouts" >"$totals"
}

declare -a results=()

report() {
  local name="$1" totals="$2" slow="$3" passed total files failed_files timeouts pct
  read -r passed total files failed_files timeouts <"$totals"
  pct="$(awk -v p="$passed" -v t="$total" 'BEGIN { printf "%.1f", t ? 100 * p / t : 0 }')"
  results+=("$(printf '%-8s %5d of %5d subtests passed (%s %%), %d of %d files with failures, %d timeouts, %d slow requests' \
    "$name:" "$passed" "$total" "$pct" "$failed_files" "$files" "$timeouts" "$slow")")
  results+=("RESULT $name passed=$passed total=$total files=$files failed_files=$failed_files timeouts=$timeouts slow=$slow")
}

run_lattice() {
  echo "== lattice: mounting a fresh data directory with ./lattice-fs (allow_other)"
  mkdir -p "$LATTICE_HOME"
  echo "mount.options=allow_other" >"$LATTICE_HOME/config.properties"
  daemon_pid="$("$repo/lattice-fs" mount --daemon "$lattice_mnt" 2>"$work/mount.err" | tail -1)" ||
    { cat "$work/mount.err" >&2; die "mounting Lattice failed"; }
  mkdir "$lattice_mnt/pjdfstest"
  mkdir "$lattice_mnt/pjdfstest/run"
  (cd "$lattice_mnt/pjdfstest/run" && run_suite "$work/lattice.totals")
  local log="$LATTICE_HOME/logs/daemon.log" slow=0
  if ! "$repo/lattice-fs" unmount "$lattice_mnt" >/dev/null 2>&1; then
    echo "  the mount could not be unmounted (a request still hanging?): killing the daemon" >&2
    kill -9 "$daemon_pid" 2>/dev/null || true
    fusermount -uz "$lattice_mnt" 2>/dev/null || true
    slow=$((slow + 1))
  fi
  daemon_pid=""
  if [ -f "$log" ]; then
    slow=$((slow + $(grep -c "slow FUSE request" "$log" || true)))
    grep "slow FUSE request" "$log" | head -20 | sed 's/^/  /' || true
  fi
  report lattice "$work/lattice.totals" "$slow"
}

run_bindfs() {
  command -v bindfs >/dev/null 2>&1 || die "bindfs is missing: apt-get install -y bindfs"
  echo "== bindfs: over $work/bind-src (same disk), allow_other"
  mkdir -p "$work/bind-src" "$bind_mnt"
  bindfs -o allow_other "$work/bind-src" "$bind_mnt"
  mkdir "$bind_mnt/run"
  (cd "$bind_mnt/run" && run_suite "$work/bindfs.totals")
  fusermount -u "$bind_mnt" || fusermount -uz "$bind_mnt"
  report bindfs "$work/bindfs.totals" 0
}

started=$(date +%s)
IFS=, read -ra wanted <<<"$targets"
for t in "${wanted[@]}"; do
  case "$t" in
    lattice) run_lattice ;;
    bindfs) run_bindfs ;;
    *) die "unknown target $t (lattice, bindfs)" ;;
  esac
done

echo "== pjdfstest $(date -u +%FT%TZ), $(( $(date +%s) - started )) s, $(nproc) cores, $(uname -r)"
printf '%s\n' "${results[@]}"
for r in "${results[@]}"; do
  case "$r" in RESULT*slow=[1-9]*) exit 1 ;; esac
done
