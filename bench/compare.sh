#!/usr/bin/env bash
# Does a change cost less client CPU per file? This build and another one each sync the same tree with --once into
# one warm S3Proxy, taking turns, ROUNDS times; then the median of each.
#
#   bench/compare.sh OTHER [ROUNDS] [FILES]        e.g.  git worktree add /tmp/before main~3
#                                                        (cd /tmp/before && mvn -q -B -DskipTests package)
#                                                        bench/compare.sh /tmp/before 4 10000
#
# Why not two runs of bench/run.sh: on this 2-core VM one run of the same jar varied by ±15 %, and the client's CPU per
# file rises when the server is slow (16 upload threads parking and waking). So watch2s3 runs on core 0 and S3Proxy on
# core 1, and the two builds alternate, so that a slow minute of the machine falls on both. The same build against
# itself still came out up to 6 % apart (4 rounds of 500 files): a smaller difference needs more rounds or files.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
WORK=$BENCH/work/compare
OTHER=$(cd "${1:?usage: bench/compare.sh OTHER-CHECKOUT [ROUNDS] [FILES]}" && pwd)
ROUNDS=${2:-4}
FILES=${3:-10000}
JAR=$ROOT/target/watch2s3.jar
S3PROXY_JAR=$ROOT/target/s3proxy/s3proxy.jar
for build in "$ROOT" "$OTHER"; do
  [[ -f $build/target/watch2s3.jar ]] || { echo "no $build/target/watch2s3.jar: build it first" >&2; exit 2; }
done
mkdir -p "$WORK"
# shellcheck source=lib.sh
source "$BENCH/lib.sh"

port=$(free_port)
start_s3proxy "$port" "$WORK/s3"
taskset -a -p -c 1 "$S3PROXY_PID" > /dev/null
tree=$WORK/tree-$FILES
[[ -d $tree ]] || python3 "$BENCH/gen_tree.py" "$tree" "$FILES" 7 > /dev/null

sync_once() { # CHECKOUT LABEL ROUND: one --once run from that checkout, as its README runs it
  local bucket=c-$2-$3 state=$WORK/state-$2-$3 wall user sys
  make_bucket "$port" "$bucket"
  # shellcheck disable=SC2046 # the settings are words
  (cd "$1" && taskset -c 0 /usr/bin/time -f '%e %U %S' -o "$WORK/time.txt" java @jvm.options \
    $(w2s_settings "$port" "$bucket" "$tree" "$state") -jar target/watch2s3.jar --once > "$WORK/$bucket.log" 2>&1) \
    || log "$2: exit status $? (see $WORK/$bucket.log)"
  read -r wall user sys < "$WORK/time.txt"
  awk -v l="$2" -v w="$wall" -v u="$user" -v s="$sys" -v n="$FILES" -v st="$(stored_count "$bucket")" \
    'BEGIN { printf "%s %.3f %.1f %d\n", l, (u + s) * 1000 / n, n / w, st }'
  rm -rf "$state" "$WORK/s3/blobs/$bucket"
}

log "compare: $ROUNDS rounds of $FILES files; this = $ROOT, other = $OTHER"
for round in $(seq "$ROUNDS"); do
  if ((round % 2)); then # the first of a pair ran slower, even with the same jar twice: each goes first in turn
    sync_once "$OTHER" other "$round"; sync_once "$ROOT" this "$round"
  else
    sync_once "$ROOT" this "$round"; sync_once "$OTHER" other "$round"
  fi
done | tee "$WORK/runs.txt" | awk '{ printf "  %-5s %s CPU-s per 1000 files, %s files/s, %s stored\n", $1, $2, $3, $4 }'
python3 - "$WORK/runs.txt" "$FILES" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    label, cpu, rate, stored = line.split()
    runs.setdefault(label, []).append((float(cpu), float(rate), int(stored)))
for label in ("other", "this"):
    r = runs.get(label, [])
    if not r:
        continue
    incomplete = sum(1 for x in r if x[2] < int(sys.argv[2]))
    print(f"{label:5s} median {statistics.median(x[0] for x in r):.3f} CPU-s per 1000 files "
          f"({min(x[0] for x in r):.2f}-{max(x[0] for x in r):.2f}), {statistics.median(x[1] for x in r):.0f} files/s"
          + (f"; {incomplete} runs did not store every file" if incomplete else ""))
PY
