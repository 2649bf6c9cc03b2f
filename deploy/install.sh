#!/usr/bin/env bash
# Installs Lattice under PREFIX, or removes it again.
#
#   deploy/install.sh [--data DIR] [--mount DIR] PREFIX
#   deploy/install.sh --uninstall [--data DIR] PREFIX
#
# Puts in place (and records in PREFIX/lib/lattice/installed.txt):
#   PREFIX/lib/lattice/lattice-fs.jar, PREFIX/lib/lattice/lattice-fs (launcher),
#   PREFIX/bin/lattice-fs (symlink), PREFIX/share/doc/lattice/lattice-fs.txt (every command's
#   --help), PREFIX/share/lattice/ (Prometheus scrape config and rules, Grafana dashboard),
#   PREFIX/lib/systemd/system/lattice-fs.service (paths filled in), and the data directory DIR
#   (mode 0700) with a commented config.properties.
# DIR defaults to /var/lib/lattice when PREFIX is /, /usr or /usr/local, else PREFIX/var/lib/lattice;
# the mount point to /srv/lattice (only written into the unit). The jar comes from
# node/target/lattice-fs.jar of this checkout (built first if missing: needs Maven).
#
# Idempotent: running it again replaces the program files and keeps an existing config. The unit is
# not enabled or started: `systemctl daemon-reload && systemctl enable --now lattice-fs` does that.
#
# --uninstall removes every file it installed and the directories it created. The data directory
# goes only if it holds nothing but the config.properties this script wrote, unchanged: data and an
# edited config are kept (and named), never deleted by an uninstall.
set -euo pipefail

die() { echo "install.sh: $*" >&2; exit 1; }

uninstall=0
data=""
mount_point=/srv/lattice
prefix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --uninstall) uninstall=1 ;;
    --data) shift; data="${1:?--data needs a directory}" ;;
    --mount) shift; mount_point="${1:?--mount needs a directory}" ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$prefix" ] || die "one PREFIX only"; prefix="$1" ;;
  esac
  shift
done
[ -n "$prefix" ] || die "usage: install.sh [--uninstall] [--data DIR] [--mount DIR] PREFIX"
# The directories this run creates, outermost last (recorded below once the record exists).
created=()
d="$prefix/lib/lattice"
while [ ! -d "$d" ]; do created+=("$(readlink -m "$d")"); d="$(dirname "$d")"; done
[ "$uninstall" = 1 ] || mkdir -p "$prefix/lib/lattice"
[ -d "$prefix" ] || die "nothing installed under $prefix"
prefix="$(cd "$prefix" && pwd)"
if [ -z "$data" ]; then
  case "$prefix" in
    /|/usr|/usr/local) data=/var/lib/lattice ;;
    *) data="$prefix/var/lib/lattice" ;;
  esac
fi
case "$data" in /*) ;; *) data="$(pwd)/$data" ;; esac

lib="$prefix/lib/lattice"
record="$lib/installed.txt"
repo="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"

if [ "$uninstall" = 1 ]; then
  [ -f "$record" ] || die "nothing installed under $prefix ($record is missing)"
  # Files first (lines "f PATH" and "c PATH SHA256"), then directories deepest first ("d PATH").
  while read -r kind path sum; do
    case "$kind" in
      f) rm -f "$path" ;;
      c)
        if [ -f "$path" ] && [ "$(sha256sum "$path" | cut -d' ' -f1)" = "$sum" ]; then
          rm -f "$path"
        elif [ -e "$path" ]; then
          echo "install.sh: keeping $path (edited since install)" >&2
        fi ;;
    esac
  done < "$record"
  dirs="$(grep '^d ' "$record.dirs" 2>/dev/null | cut -c3- | sort -r || true)"
  rm -f "$record" "$record.dirs"
  while read -r d; do
    if [ -n "$d" ] && [ -d "$d" ] && ! rmdir "$d" 2>/dev/null; then
      echo "install.sh: keeping $d (not empty)" >&2
    fi
  done <<< "$dirs"
  echo "install.sh: removed Lattice from $prefix"
  exit 0
fi

jar="$repo/node/target/lattice-fs.jar"
if [ ! -f "$jar" ]; then
  echo "install.sh: building $jar" >&2
  (cd "$repo" && mvn -B -q -pl node -am package -DskipTests) || die "build failed"
fi

# Records what is installed; directories are recorded only if this run (or an earlier one) made them.
: > "$record.new"
touch "$record.dirs"
for d in "${created[@]}"; do
  grep -qxF "d $d" "$record.dirs" || echo "d $d" >> "$record.dirs"
done
mkd() {
  local d="$1" missing=()
  while [ ! -d "$d" ]; do missing+=("$(readlink -m "$d")"); d="$(dirname "$d")"; done
  for d in "${missing[@]}"; do
    grep -qxF "d $d" "$record.dirs" || echo "d $d" >> "$record.dirs"
  done
  mkdir -p "$1"
}
put() { # put SRC DEST MODE
  mkd "$(dirname "$2")"
  install -m "$3" "$1" "$2.tmp.$$"
  mv -f "$2.tmp.$$" "$2"
  echo "f $2" >> "$record.new"
}

put "$jar" "$lib/lattice-fs.jar" 0644
put "$repo/lattice-fs" "$lib/lattice-fs" 0755
mkd "$prefix/bin"
ln -sfn ../lib/lattice/lattice-fs "$prefix/bin/lattice-fs"
echo "f $prefix/bin/lattice-fs" >> "$record.new"

help="$(mktemp)"
{
  echo "LATTICE-FS(1)"
  echo
  java -Xmx64m -XX:+UseSerialGC -jar "$lib/lattice-fs.jar" --help
  for c in init mount unmount status store kv stat id hash chunk shell; do
    echo
    echo "---- lattice-fs $c ----"
    java -Xmx64m -XX:+UseSerialGC -jar "$lib/lattice-fs.jar" "$c" --help 2>/dev/null || true
  done
} > "$help"
put "$help" "$prefix/share/doc/lattice/lattice-fs.txt" 0644
rm -f "$help"

put "$repo/deploy/prometheus/prometheus.yml" "$prefix/share/lattice/prometheus.yml" 0644
put "$repo/deploy/prometheus/lattice-rules.yml" "$prefix/share/lattice/lattice-rules.yml" 0644
put "$repo/deploy/grafana/lattice-dashboard.json" "$prefix/share/lattice/lattice-dashboard.json" 0644
put "$repo/deploy/config.properties.example" "$prefix/share/lattice/config.properties.example" 0644

unit="$(mktemp)"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@DATA@|$data|g" -e "s|@MOUNT@|$mount_point|g" \
  "$repo/deploy/lattice-fs.service" > "$unit"
put "$unit" "$prefix/lib/systemd/system/lattice-fs.service" 0644
rm -f "$unit"

mkd "$data"
chmod 0700 "$data"
if [ ! -e "$data/config.properties" ]; then
  install -m 0600 "$repo/deploy/config.properties.example" "$data/config.properties"
  echo "c $data/config.properties $(sha256sum "$data/config.properties" | cut -d' ' -f1)" >> "$record.new"
elif [ -f "$record" ] && grep -q "^c $data/config.properties " "$record"; then
  grep "^c $data/config.properties " "$record" >> "$record.new"
fi
mv -f "$record.new" "$record"
echo "install.sh: installed Lattice under $prefix (data $data, unit $prefix/lib/systemd/system/lattice-fs.service)"
