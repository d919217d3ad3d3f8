#!/usr/bin/env bash
# watch2s3's benchmark: watch2s3 (the built jar, as a process) beside the seed's inotifywait+s3cmd script, s3cmd,
# aws-cli and rclone, on the same S3 servers on 127.0.0.1, in one run.
#
#   bench/run.sh [--quick] [latency] [burst] [small] [underload] [restart] [memory] [large] [state] [bwlimit] [rename] [resume] [touch] [crash]   (none: all)
#   bench/run.sh hugerename   (only when named: a 5.5 GB file, about 17 GB written per tool)
#
# BURST_SERVERS=s3proxy runs burst and underload on S3Proxy only (S3Mock, slow per PUT, takes most of their time).
# --quick scales every scenario down (a few minutes); the full run takes up to an hour. Results: one table per
# scenario on stdout, then the issue's targets judged on the run; latest.txt (the same tables), latest.csv,
# targets.txt and PNG charts in bench/results/ (bench/results/quick/ for --quick; bench/results/only-SCENARIO…/ when
# scenarios are named, so that a partial run never replaces a full one).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" # as the README's run command: jvm.options names the class-data archive relative to the project's root
BENCH=$ROOT/bench
WORK=$BENCH/work
RESULTS=$BENCH/results
QUICK=0
SCENARIOS=()
for arg in "$@"; do
  case $arg in
    --quick) QUICK=1 ;;
    latency|burst|small|underload|restart|memory|large|state|bwlimit|rename|resume|touch|crash|hugerename) SCENARIOS+=("$arg") ;;
    *) echo "usage: bench/run.sh [--quick] [latency] [burst] [small] [underload] [restart] [memory] [large] [state] [bwlimit] [rename] [resume] [touch] [crash] [hugerename]" >&2
       exit 2 ;;
  esac
done
PARTIAL=0
((${#SCENARIOS[@]})) && PARTIAL=1
((${#SCENARIOS[@]})) || SCENARIOS=(latency burst small underload restart memory large state bwlimit rename resume touch crash)

# a quick run never replaces the committed results of a full one
((PARTIAL)) && RESULTS=$BENCH/results/only-$(IFS=-; echo "${SCENARIOS[*]}")
((QUICK)) && RESULTS=$BENCH/results/quick
if ((QUICK)); then
  WARM_FILES=2000; WARM_FILES_S3MOCK=500; STALL_S=20; LAT_SIZES="1000 3000"; BURST=500; SEED_BURST=100; RESTART_N=2000; MEMORY_SIZES="10000"; IDLE_S=5; LARGE_MB=100
  STATE_FILES=5000; SMALL_BURST=200; LOAD_S3PROXY=2000; LOAD_S3MOCK=300; LOAD_MANY_S3MOCK=2000; BW_MB=2; BW_TREE="10 2 4"; RN_TREE="10 2"; RS_MB=40; HR_MB=5632
  TOUCH_FILES=1000; CR_FILES=20; CR_MB=4
else
  LAT_SIZES="1000 10000 100000"; BURST=10000; SEED_BURST=1000; RESTART_N=100000
  MEMORY_SIZES=${MEMORY_SIZES:-"100000 1000000"}
  IDLE_S=60; LARGE_MB=1024; STATE_FILES=50000; SMALL_BURST=500; LOAD_S3PROXY=10000; LOAD_S3MOCK=3000
  LOAD_MANY_S3MOCK=10000; BW_MB=4; BW_TREE="40 4 20"; RN_TREE="20 4"; RS_MB=200; HR_MB=5632
  TOUCH_FILES=10000; CR_FILES=40; CR_MB=4
fi

# shellcheck source=lib.sh
source "$BENCH/lib.sh"

# --- what it needs ------------------------------------------------------------------------------------------------
need=()
for tool in s3cmd rclone inotifywait gnuplot tcpdump curl; do command -v "$tool" > /dev/null || need+=("$tool"); done
[[ -x /usr/bin/aws ]] || need+=(awscli)
[[ -x /usr/bin/time ]] || need+=(time)
if ((${#need[@]})); then
  pkgs=$(printf '%s\n' "${need[@]}" | sed 's/^inotifywait$/inotify-tools/; s/^gnuplot$/gnuplot-nox/' | tr '\n' ' ')
  log "installing $pkgs"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs > /dev/null
fi
JAR=$ROOT/target/watch2s3.jar
S3PROXY_JAR=$ROOT/target/s3proxy/s3proxy.jar
if [[ ! -f $JAR || ! -f $ROOT/target/watch2s3.jsa || ! -f $S3PROXY_JAR ]]; then
  log "building watch2s3 (mvn -DskipTests package)"
  (cd "$ROOT" && mvn -q -B -DskipTests package)
fi
rm -rf "$WORK"; mkdir -p "$WORK" "$RESULTS"
CSV=$WORK/results.csv
echo "scenario,tool,figure,value,unit,note" > "$CSV"
export S3CMD_CONFIG=$WORK/s3cmd.cfg RCLONE_CONFIG=$WORK/rclone.conf

# --- one-change latency vs bucket size --------------------------------------------------------------------------
# S3Proxy: its cost per request does not grow with the bucket, so what grows is the tool's own work.
scenario_latency() {
  for n in $LAT_SIZES; do
    local d=$WORK/latency-$n port bucket=lat$n
    port=$(free_port); PORT=$port
    start_s3proxy "$port" "$d/s3"; make_bucket "$port" "$bucket"; write_peer_configs "$port"
    log "latency N=$n: generating and uploading the tree"
    python3 "$BENCH/gen_tree.py" "$d/tree" "$n"
    local t0 t1
    t0=$(now)
    w2s_once "$port" "$bucket" "$d/tree" "$d/state" "$d/initial.log"
    t1=$(now)
    result initial-upload watch2s3 "files/s N=$n" "$(awk -v n="$n" -v s="$(elapsed "$t0" "$t1")" 'BEGIN{printf "%.0f", n/s}')" files/s S3Proxy

    # watch2s3, running
    start_watch2s3 "$port" "$bucket" "$d/tree" "$d/state" "$d/w2s.log"
    measure_latency "$n" watch2s3 probe-w2s.dat ""
    stop_pid "$W2S_PID"
    # the seed's script
    "$BENCH/seed-sync.sh" "$d/tree" "$bucket" "$S3CMD_CONFIG" > "$d/seed.log" 2>&1 &
    local seed=$!; PIDS+=("$seed"); sleep 1
    measure_latency "$n" seed-script probe-seed.dat ""
    pkill -P "$seed" 2>/dev/null || true; kill "$seed" 2>/dev/null || true
    pkill -f "inotifywait -m -r -q -e close_write,create,moved_to --format %w%f $d/tree" 2>/dev/null || true
    # one-shot peers: write the file, run the command, done when it returns
    measure_latency "$n" "s3cmd sync" probe-s3cmd.dat "s3cmd -c $S3CMD_CONFIG --no-progress -q sync $d/tree/ s3://$bucket/"
    measure_latency "$n" "aws s3 sync" probe-aws.dat "aws_cli s3 sync --only-show-errors $d/tree/ s3://$bucket/"
    measure_latency "$n" "rclone copy --no-traverse --max-age 1m" probe-rclone.dat \
      "rclone --config $RCLONE_CONFIG copy --no-traverse --max-age 1m $d/tree bench:$bucket"
    stop_pid "$S3PROXY_PID"
    rm -rf "$d"
  done
}

measure_latency() { # N TOOL PROBE COMMAND(empty: a watcher is running)
  local n=$1 tool=$2 probe=$3 cmd=$4 cap=$WORK/capture.txt t0 t1
  start_capture "$PORT" "$cap"
  t0=$(now)
  echo "probe for $tool at $(date)" > "$d/tree/$probe"
  if [[ -z $cmd ]]; then
    t1=$(wait_visible "$PORT" "$bucket" "$probe" 120) || t1=
  else
    eval "$cmd" > "$d/$probe.log" 2>&1 || log "$tool failed: $(grep -vE '^!+$|^\s*$' "$d/$probe.log" | tail -4)"
    visible "$PORT" "$bucket" "$probe" && t1=$(now) || t1=
  fi
  stop_capture
  local requests; requests=$(count_requests "$cap" "$bucket")
  rm -f "$d/tree/$probe" # the next tool should see only its own new file
  if [[ -n $t1 ]]; then
    result latency "$tool" "N=$n" "$(elapsed "$t0" "$t1")" s "$requests"
  else
    result latency "$tool" "N=$n" "" s "failed; $requests"
  fi
}

# --- burst: many small files at once ----------------------------------------------------------------------------
# Two ways in for watch2s3: files written into the tree it watches (the use it is built for), and --once over the
# tree already on disk, which is what the one-shot peers get.
scenario_burst() {
  for server in ${BURST_SERVERS:-s3proxy s3mock}; do
    local d=$WORK/burst-$server port
    port=$(free_port); PORT=$port
    if [[ $server == s3mock ]]; then start_s3mock "$port" "$d/s3"; else start_s3proxy "$port" "$d/s3"; fi
    write_peer_configs "$port"
    python3 "$BENCH/gen_tree.py" "$d/pregenerated" "$BURST"
    burst_watcher "$server" watch2s3 "$BURST"
    burst_watcher "$server" seed-script "$SEED_BURST"
    burst_command "$server" "watch2s3 --once" \
      "java ${W2S_JAVA_OPTS[*]} $(w2s_settings "$port" BUCKET "$d/pregenerated" "$d/state-once") -jar $JAR --once"
    burst_command "$server" "rclone copy --transfers 16 --checkers 16" \
      "rclone --config $RCLONE_CONFIG copy --transfers 16 --checkers 16 $d/pregenerated bench:BUCKET"
    burst_command "$server" "rclone PUT-only (--no-check-dest --s3-no-head)" \
      "rclone --config $RCLONE_CONFIG copy --transfers 16 --checkers 16 --no-check-dest --s3-no-head $d/pregenerated bench:BUCKET"
    if [[ $server == s3proxy ]]; then # where the client's CPU is the limit: the architecture's floor, and watch2s3 warm
      burst_plain_route "$server" "$PLAIN_ROUTE" ""
      burst_plain_route "$server" "$PLAIN_ROUTE, watch2s3's JVM options" "${W2S_JAVA_OPTS[*]}" watch2s3-jit
      burst_watcher_warm "$server" "$BURST"
    fi
    burst_command "$server" "aws s3 sync" "aws_cli s3 sync --only-show-errors $d/pregenerated s3://BUCKET/"
    burst_command "$server" "s3cmd sync" "s3cmd -c $S3CMD_CONFIG --no-progress -q sync $d/pregenerated/ s3://BUCKET/"
    if [[ $server == s3mock ]]; then stop_pid "$S3MOCK_PID"; else stop_pid "$S3PROXY_PID"; fi
    rm -rf "$d"
  done
}

# Files created into a running watcher; end to end = from the first file written until all are in S3 (the writing
# itself is slowed by the kernel's inotify work, and the last files wait out the quiet period). The PUT phase, from
# the first PUT to the last, is the upload rate to set beside the one-shot tools.
burst_watcher() { # SERVER TOOL COUNT
  local server=$1 tool=$2 count=$3 bucket tree cap=$WORK/capture.txt t0 tw t1 cpu0 cpu1 pid
  bucket=$(echo "b-$tool" | tr -cd 'a-z0-9-'); tree=$d/$bucket
  make_bucket "$PORT" "$bucket"; mkdir -p "$tree"
  if [[ $tool == watch2s3 ]]; then
    start_watch2s3 "$PORT" "$bucket" "$tree" "$d/state-$bucket" "$d/$bucket.log"; pid=$W2S_PID
  else
    "$BENCH/seed-sync.sh" "$tree" "$bucket" "$S3CMD_CONFIG" > "$d/$bucket.log" 2>&1 &
    pid=$!; PIDS+=("$pid"); sleep 1
  fi
  start_capture "$PORT" "$cap"
  cpu0=$(cpu_seconds "$pid"); t0=$(now)
  python3 "$BENCH/gen_tree.py" "$tree" "$count" 7
  tw=$(now)
  if wait_count "$PORT" "$bucket" "$count" 1800; then t1=$(now); else t1=; fi
  cpu1=$(cpu_seconds "$pid")
  stop_capture
  local requests span; requests=$(count_requests "$cap" "$bucket"); span=$(put_span "$cap")
  if [[ -n $t1 ]]; then
    local s cpu; s=$(elapsed "$t0" "$t1")
    cpu=$(awk -v c="$(elapsed "$cpu0" "$cpu1")" -v n="$count" 'BEGIN{printf "client CPU %.2f s per 1000 files", c*1000/n}')
    result "burst-$server" "$tool" "files/s end to end ($count written)" \
      "$(awk -v n="$count" -v s="$s" 'BEGIN{printf "%.1f", n/s}')" files/s \
      "$(printf '%.1f s, of which %.1f s writing the files; %s; %s' "$s" "$(elapsed "$t0" "$tw")" "$cpu" "$requests")"
    result "burst-$server" "$tool" "files/s PUT phase ($count written)" \
      "$(awk -v n="$count" -v a="${span% *}" -v b="${span#* }" 'BEGIN{ if (b > a) printf "%.1f", n/(b-a) }')" files/s \
      "first to last PUT, as seen on the wire"
  else
    result "burst-$server" "$tool" "files/s end to end ($count written)" "" files/s \
      "stalled at $WAIT_COUNT_REACHED of $count objects; $requests"
  fi
  if [[ $tool == watch2s3 ]]; then
    result "burst-$server" "$tool" "peak RSS" "$(rss_mb "$pid")" MB
    stop_pid "$pid"
  else
    pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true
    pkill -f "inotifywait -m -r -q -e close_write,create,moved_to --format %w%f $tree" 2>/dev/null || true
  fi
}

# The floor of the architecture watch2s3 is built on (issue #13): bench/PlainCamelRoute.java, a plain Camel route
# splitting the tree's files over 16 threads to aws2-s3 with watch2s3's S3 client and nothing else, three rounds in
# one JVM. "fresh JVM": the whole process less rounds 2 and 3 (JVM start and the first round, as watch2s3 --once
# pays them); "warm": round 3 alone.
PLAIN_ROUTE="Camel aws2-s3 route (plain)"
burst_plain_route() { # SERVER TOOL JAVA-OPTIONS [watch2s3-jit]
  local server=$1 tool=$2 opts=$3 jit=${4:-} bucket classes=$WORK/plain-route
  [[ -f $classes/PlainCamelRoute.class ]] || javac -cp "$JAR" -d "$classes" "$BENCH/PlainCamelRoute.java"
  bucket=$(echo "b-$tool" | tr -cd 'a-z0-9-' | cut -c1-40)
  make_bucket "$PORT" "$bucket"
  # shellcheck disable=SC2086 # the options are words
  (/usr/bin/time -f '%e %U %S %M' -o "$d/time.txt" java $opts -cp "$JAR:$classes" PlainCamelRoute \
    "http://127.0.0.1:$PORT" "$bucket" "$d/pregenerated" 3 $jit > "$d/$bucket.log" 2>&1) || log "$tool failed: $(tail -3 "$d/$bucket.log")"
  local wall user sys maxrss count; read -r wall user sys maxrss < <(tail -1 "$d/time.txt")
  count=$(count_keys "$PORT" "$bucket")
  if ((count != 3 * BURST)); then
    result "burst-$server" "$tool" "files/s tree on disk ($BURST files)" "" files/s "stored $count of $((3 * BURST)) objects"
    return
  fi
  # round K: FILES files, WALL s, CPU C s
  local w23 c23 w3 c3
  read -r w23 c23 w3 c3 < <(awk '/^round [23]:/ { w += $5; c += $8 } /^round 3:/ { w3 = $5; c3 = $8 }
    END { print w, c, w3, c3 }' "$d/$bucket.log")
  result "burst-$server" "$tool" "files/s tree on disk ($BURST files)" \
    "$(awk -v n="$BURST" -v w="$wall" -v x="$w23" 'BEGIN{printf "%.1f", n/(w-x)}')" files/s \
    "$(awk -v u="$user" -v s="$sys" -v x="$c23" -v n="$BURST" -v m="$maxrss" 'BEGIN{printf "client CPU %.2f s per 1000 files, peak RSS %.0f MB", (u+s-x)*1000/n, m/1024}'); JVM start and the first of 3 rounds"
  result "burst-$server" "$tool" "files/s warm ($BURST files)" "$(awk -v n="$BURST" -v w="$w3" 'BEGIN{printf "%.1f", n/w}')" files/s \
    "$(awk -v c="$c3" -v n="$BURST" 'BEGIN{printf "client CPU %.2f s per 1000 files", c*1000/n}'); the third round in one JVM"
}

# watch2s3 warm: three bursts of COUNT files written into one running watcher, one after the other; the third is
# measured (its CPU from its first file written until all are in S3, its PUT phase on the wire).
burst_watcher_warm() { # SERVER COUNT
  local server=$1 count=$2 tool="watch2s3" bucket=b-watch2s3-warm tree cap=$WORK/capture.txt cpu0 cpu1 k
  tree=$d/$bucket; make_bucket "$PORT" "$bucket"; mkdir -p "$tree"
  start_watch2s3 "$PORT" "$bucket" "$tree" "$d/state-$bucket" "$d/$bucket.log"
  for k in 1 2 3; do
    if ((k == 3)); then start_capture "$PORT" "$cap"; cpu0=$(cpu_seconds "$W2S_PID"); fi
    python3 "$BENCH/gen_tree.py" "$tree/r$k" "$count" $((7 + k))
    if ! wait_count "$PORT" "$bucket" $((k * count)) 1800; then
      ((k == 3)) && stop_capture
      result "burst-$server" "$tool" "files/s warm ($count files)" "" files/s "burst $k stalled at $WAIT_COUNT_REACHED objects"
      stop_pid "$W2S_PID"; return
    fi
  done
  cpu1=$(cpu_seconds "$W2S_PID")
  stop_capture
  local span requests; span=$(put_span "$cap"); requests=$(count_requests "$cap" "$bucket")
  result "burst-$server" "$tool" "files/s warm ($count files)" \
    "$(awk -v n="$count" -v a="${span% *}" -v b="${span#* }" 'BEGIN{ if (b > a) printf "%.1f", n/(b-a) }')" files/s \
    "$(awk -v c="$(elapsed "$cpu0" "$cpu1")" -v n="$count" 'BEGIN{printf "client CPU %.2f s per 1000 files", c*1000/n}'); the third burst into one watcher, PUT phase; $requests"
  stop_pid "$W2S_PID"
}

burst_command() { # SERVER TOOL COMMAND(with BUCKET): a one-shot tool over the pre-generated tree
  local server=$1 tool=$2 bucket cap=$WORK/capture.txt
  bucket=$(echo "b-$tool" | tr -cd 'a-z0-9-' | cut -c1-40)
  make_bucket "$PORT" "$bucket"
  start_capture "$PORT" "$cap"
  local cmd=${3//BUCKET/$bucket} timing
  /usr/bin/time -f '%e %U %S %M' -o "$d/time.txt" bash -c "$(declare -f aws_cli); PORT=$PORT; $cmd" > "$d/$bucket.log" 2>&1 \
    || log "$tool failed: $(grep -vE '^!+$|^\s*$' "$d/$bucket.log" | tail -3)"
  timing=$(tail -1 "$d/time.txt")
  stop_capture
  local requests count; requests=$(count_requests "$cap" "$bucket"); count=$(count_keys "$PORT" "$bucket")
  read -r wall user sys maxrss <<< "$timing"
  # a tool that did not store every file has no rate: its row says what went wrong instead
  local rate= failure=
  if ((count == BURST)); then
    rate=$(awk -v n="$count" -v s="$wall" 'BEGIN{printf "%.1f", n/s}')
  else
    failure=$(grep -vE '^!+$|^\s*$' "$d/$bucket.log" | tail -1 | tr -d '",' | cut -c1-120)
    log "$tool stored $count of $BURST files: $failure"
    failure=", FAILED: $failure"
  fi
  result "burst-$server" "$tool" "files/s tree on disk ($BURST files)" "$rate" files/s \
    "$(awk -v u="$user" -v s="$sys" -v n="$BURST" -v m="$maxrss" 'BEGIN{printf "client CPU %.2f s per 1000 files, peak RSS %.0f MB", (u+s)*1000/n, m/1024}'); $count of $BURST objects stored$failure; $requests"
}

# --- small burst right after start: what most deploys are, warm-up included ---------------------------------------
# A fresh watch2s3 (started, its catch-up scan done) gets SMALL_BURST files; --once and the one-shot peers get the
# same tree on disk (their whole command, JVM start included for watch2s3 --once).
scenario_small() {
  local d=$WORK/small port BURST=$SMALL_BURST
  port=$(free_port); PORT=$port
  start_s3proxy "$port" "$d/s3"
  write_peer_configs "$port"
  python3 "$BENCH/gen_tree.py" "$d/pregenerated" "$BURST"
  burst_watcher "s3proxy-$BURST" watch2s3 "$BURST"
  burst_command "s3proxy-$BURST" "watch2s3 --once" \
    "java ${W2S_JAVA_OPTS[*]} $(w2s_settings "$port" BUCKET "$d/pregenerated" "$d/state-once") -jar $JAR --once"
  burst_command "s3proxy-$BURST" "rclone copy --transfers 16 --checkers 16" \
    "rclone --config $RCLONE_CONFIG copy --transfers 16 --checkers 16 $d/pregenerated bench:BUCKET"
  burst_command "s3proxy-$BURST" "rclone PUT-only (--no-check-dest --s3-no-head)" \
    "rclone --config $RCLONE_CONFIG copy --transfers 16 --checkers 16 --no-check-dest --s3-no-head $d/pregenerated bench:BUCKET"
  stop_pid "$S3PROXY_PID"
  rm -rf "$d"
}

# --- latency under load: one change while a burst is uploading ----------------------------------------------------
# COUNT files are written into the watched tree; once their upload has begun (and, for a burst of several batches,
# once its last batch has closed, a quiet period after its last file), one new file is written (the probe:
# seconds until a HEAD sees it) and one burst file whose upload may not have happened yet is rewritten (S3 must end
# with its newest content). S3Proxy (fast per PUT) and S3Mock (slow per PUT: the burst lasts half a minute). On S3Mock
# also a 10,000-file burst in 10 batches of 1,000, more than the 4 that run side by side ("whatever the burst's size";
# before 2026-12-06 the watcher ran the fifth itself and read no event meanwhile), and the same burst with the change
# written 1 s after it, within the quiet period of its last files (before the batch's latecomers went first, the
# change waited for the whole burst there). (S3Proxy stores such a burst about as fast as it is written: its last batch
# closes when the burst is all but uploaded. Beyond 12 batches some are left to a catch-up scan, which may find the
# probe before its own batch closes: see BatchesSideBySideTest.)
scenario_underload() {
  for server in ${BURST_SERVERS:-s3proxy s3mock}; do
    if [[ $server == s3mock ]]; then
      underload_run s3mock "$LOAD_S3MOCK" 10000 0 "one change during a burst of $LOAD_S3MOCK"
      underload_run s3mock "$LOAD_MANY_S3MOCK" $((LOAD_MANY_S3MOCK / 10)) 6 \
        "one change during a burst of $LOAD_MANY_S3MOCK in 10 batches"
      underload_run s3mock "$LOAD_MANY_S3MOCK" $((LOAD_MANY_S3MOCK / 10)) 1 \
        "one change 1 s after a burst of $LOAD_MANY_S3MOCK in 10 batches"
    else
      underload_run s3proxy "$LOAD_S3PROXY" 10000 0 "one change during a burst of $LOAD_S3PROXY"
    fi
  done
}

# AFTER: the change is written once the first object is stored and AFTER seconds after the burst was written: 6, when
# its last batch has closed (a quiet period after its last file); 1, within that quiet period, so that the change is
# closed in one batch with the burst's last files
underload_run() { # SERVER COUNT MAX_BATCH AFTER FIGURE
  local server=$1 count=$2 max_batch=$3 after=$4 figure=$5
  local d=$WORK/underload-$server port bucket=underload
  port=$(free_port); PORT=$port
  if [[ $server == s3mock ]]; then start_s3mock "$port" "$d/s3"; else start_s3proxy "$port" "$d/s3"; fi
  make_bucket "$port" "$bucket"; mkdir -p "$d/tree"
  start_watch2s3 "$port" "$bucket" "$d/tree" "$d/state" "$d/w2s.log" -Dsync.max-batch="$max_batch"
  local cap=$WORK/capture.txt t0 t1 during last
  start_capture "$port" "$cap"
  python3 "$BENCH/gen_tree.py" "$d/tree" "$count" 7
  local written; written=$(now)
  for _ in $(seq 1 6000); do (( $(stored_count "$bucket") > 0 )) && break; sleep 0.05; done
  while awk -v e="$(elapsed "$written" "$(now)")" -v a="$after" 'BEGIN { exit !(e < a) }'; do
    sleep 0.1
  done
  last=$(find "$d/tree" -type f -regex '.*/f[0-9]+\.dat' | sort | tail -1) # written last, so synced last
  echo "newest content $(date +%s%N)" > "$last"
  local before; before=$(stored_count "$bucket")
  t0=$(now)
  echo "probe under load $(date)" > "$d/tree/probe-under-load.txt"
  t1=$(wait_visible "$port" "$bucket" probe-under-load.txt 1800) || t1=
  during=$(stored_count "$bucket")
  wait_count "$port" "$bucket" $((count + 1)) 1800 || log "underload: stalled at $WAIT_COUNT_REACHED of $((count + 1))"
  # the newest content of the rewritten file may come after the count is reached: wait for it (bounded)
  local key=${last#"$d/tree/"} newest
  newest="S3 holds an OLDER content of $key"
  for _ in $(seq 1 600); do
    if curl -sf "http://127.0.0.1:$port/$bucket/$key?x-bench=1" | cmp -s - "$last"; then
      newest="S3 holds the newest content of $key"; break
    fi
    sleep 0.5
  done
  sleep 1
  stop_capture
  local aside
  aside=$(grep -c "left to a catch-up scan" "$d/w2s.log" || true)
  if [[ -n $t1 ]]; then
    result "underload-$server" watch2s3 "$figure" "$(elapsed "$t0" "$t1")" s \
      "in S3 while $during of $((count + 1)) objects were (written while $before were); quiet period 5 s; $newest; sync.max-batch $max_batch, set-aside lines $aside; $(count_requests "$cap" "$bucket")"
  else
    result "underload-$server" watch2s3 "$figure" "" s "never arrived; $newest"
  fi
  stop_pid "$W2S_PID"
  if [[ $server == s3mock ]]; then stop_pid "$S3MOCK_PID"; else stop_pid "$S3PROXY_PID"; fi
  rm -rf "$d"
}

# --- restart catch-up -------------------------------------------------------------------------------------------
scenario_restart() {
  local d=$WORK/restart port bucket=restart cap=$WORK/capture.txt
  port=$(free_port); PORT=$port
  start_s3proxy "$port" "$d/s3"; make_bucket "$port" "$bucket"
  log "restart: $RESTART_N files, initial sync"
  python3 "$BENCH/gen_tree.py" "$d/tree" "$RESTART_N"
  w2s_once "$port" "$bucket" "$d/tree" "$d/state" "$d/initial.log"
  # while stopped: 5 files changed, 5 added
  local changed=()
  for i in 1 2 3 4 5; do
    local f; f=$(find "$d/tree/d0000$i" -name 'f*.dat' -print -quit)
    echo "changed while stopped" >> "$f"; changed+=("${f#"$d/tree/"}")
    echo "added while stopped $i" > "$d/tree/d0000$i/new-$i.dat"; changed+=("d0000$i/new-$i.dat")
  done
  start_capture "$port" "$cap"
  local t0 t1; t0=$(now)
  java "${W2S_JAVA_OPTS[@]}" $(w2s_settings "$port" "$bucket" "$d/tree" "$d/state") -Dsync.rescan-interval=0 \
    -jar "$JAR" > "$d/restart.log" 2>&1 &
  W2S_PID=$!; PIDS+=("$W2S_PID")
  # Waits for one key at a time, compared with the copy S3Proxy keeps on disk: polling all 10 keys over HTTP every
  # 50 ms (20 processes a round) took so much of the 2 cores that it added 1.5 s to the figure it measured.
  t1=
  local deadline=$(( $(date +%s) + 60 )) key
  for key in "${changed[@]}"; do
    until cmp -s "$d/s3/blobs/$bucket/$key" "$d/tree/$key"; do
      (( $(date +%s) > deadline )) && break 2
      sleep 0.02
    done
  done
  if (( $(date +%s) <= deadline )); then
    t1=$(now)
    for key in "${changed[@]}"; do # and readable through S3
      [[ $(curl -s "http://127.0.0.1:$port/$bucket/${key// /%20}?x-bench=1" | md5sum) == $(md5sum < "$d/tree/$key") ]] \
        || { log "restart: $key on disk but not readable through S3"; t1=; }
    done
  fi
  stop_capture
  local requests; requests=$(count_requests "$cap" "$bucket")
  result restart watch2s3 "10 changes after restart ($RESTART_N files)" "${t1:+$(elapsed "$t0" "$t1")}" s "$requests; JVM start included"
  result restart watch2s3 "catch-up scan of $RESTART_N files" "$(grep -oE 'catch-up scan: .* ([0-9]+) ms' "$d/restart.log" | grep -oE '[0-9]+ ms$' | head -1 | cut -d' ' -f1)" ms
  stop_pid "$W2S_PID"; stop_pid "$S3PROXY_PID"; rm -rf "$d"
}

# --- memory and idle cost ---------------------------------------------------------------------------------------
# N files watched, all of them already in S3: the state database is seeded with their rows (as a previous run would
# have left it), so the figure is the cost of watching, not of a first upload of a million files.
scenario_memory() {
  local port; port=$(free_port); PORT=$port
  start_s3proxy "$port" "$WORK/memory-s3"; make_bucket "$port" memory
  for n in $MEMORY_SIZES; do
    local d=$WORK/memory-$n t0 t1
    log "memory: generating $n files"
    mkdir -p "$d"; MANIFEST=$d/manifest.csv python3 "$BENCH/gen_tree.py" "$d/tree" "$n"
    seed_state "$port" memory "$d/state" "$d/manifest.csv"
    t0=$(now)
    start_watch2s3 "$port" memory "$d/tree" "$d/state" "$d/w2s.log"
    t1=$(now)
    result memory watch2s3 "start to watching ($n files)" "$(elapsed "$t0" "$t1")" s \
      "$(grep -oE 'catch-up scan: .*' "$d/w2s.log" | head -1)"
    sleep 3
    jcmd "$W2S_PID" GC.run > /dev/null 2>&1 || true
    result memory watch2s3 "heap after GC ($n files watched)" "$(heap_mb "$W2S_PID")" MB "jvm.options: -Xmx256m"
    result memory watch2s3 "peak RSS ($n files watched)" "$(rss_mb "$W2S_PID")" MB
    local c0 c1; c0=$(cpu_seconds "$W2S_PID"); sleep "$IDLE_S"; c1=$(cpu_seconds "$W2S_PID")
    result memory watch2s3 "idle CPU over ${IDLE_S} s ($n files)" "$(awk -v c="$(elapsed "$c0" "$c1")" -v s="$IDLE_S" 'BEGIN{printf "%.2f", c*100/s}')" "% of a core"
    stop_pid "$W2S_PID"; rm -rf "$d"
  done
  stop_pid "$S3PROXY_PID"
}

# The state database of STATE as a run that uploaded every file of MANIFEST (path,parent,size) would leave it:
# one run over an empty tree creates it and records the bucket, then H2's own RunScript loads the rows.
seed_state() { # PORT BUCKET STATE MANIFEST
  mkdir -p "$WORK/empty-tree"
  w2s_once "$1" "$2" "$WORK/empty-tree" "$3" "$3.log"
  echo "INSERT INTO synced_file (path, parent, size, mtime_ns, sha256, confirmed_at)
    SELECT PATH, PARENT, CAST(SIZE AS BIGINT), 1767225600000000000, REPEAT('0', 64), CURRENT_TIMESTAMP
    FROM CSVREAD('$4', NULL, 'charset=UTF-8');" > "$3.sql"
  java -cp "$JAR" org.h2.tools.RunScript -url "jdbc:h2:file:$3/state" -user sa -script "$3.sql"
}

# --- one large file ---------------------------------------------------------------------------------------------
scenario_large() {
  local d=$WORK/large port
  port=$(free_port); PORT=$port
  start_s3proxy "$port" "$d/s3"; write_peer_configs "$port"
  mkdir -p "$d/tree"; head -c $((LARGE_MB << 20)) /dev/urandom > "$d/tree/large.bin"
  local tool t0 t1
  for tool in watch2s3 "rclone copy" "aws s3 cp"; do
    local bucket; bucket=$(echo "l-$tool" | tr -cd 'a-z0-9-'); make_bucket "$port" "$bucket"
    t0=$(now)
    case $tool in
      watch2s3) w2s_once "$port" "$bucket" "$d/tree" "$d/state" "$d/w2s.log" ;;
      "rclone copy") rclone --config "$RCLONE_CONFIG" copy "$d/tree/large.bin" "bench:$bucket" > "$d/rclone.log" 2>&1 ;;
      "aws s3 cp") aws_cli s3 cp --only-show-errors "$d/tree/large.bin" "s3://$bucket/large.bin" > "$d/aws.log" 2>&1 ;;
    esac
    t1=$(now)
    if visible "$port" "$bucket" large.bin; then
      result large "$tool" "MB/s (${LARGE_MB} MB)" "$(awk -v m="$LARGE_MB" -v s="$(elapsed "$t0" "$t1")" 'BEGIN{printf "%.1f", m/s}')" MB/s "$([[ $tool == watch2s3 ]] && echo 'JVM start included')"
    else
      result large "$tool" "MB/s (${LARGE_MB} MB)" "" MB/s failed
    fi
  done
  stop_pid "$S3PROXY_PID"; rm -rf "$d"
}

# --- bandwidth limit: does each tool keep to the rate it is given? ------------------------------------------------------
# A deploy of BW_TREE (N files of 1 MB, M of 5 MB, one of K MB) to S3Proxy, each tool limited to BW_MB MB/s: rclone
# --bwlimit, s3cmd --limit-rate, aws s3 max_bandwidth, watch2s3 s3.bandwidth-limit (--once, JVM start included, and
# watching: from the tree's move into the watched directory to its last object, a quiet period included). While
# watch2s3 watching sends the deploy, a one-line fix is written: the seconds until S3 has it (it shares the limit).
scenario_bwlimit() {
  local d=$WORK/bwlimit port ones fives big total_mb
  read -r ones fives big <<< "$BW_TREE"
  port=$(free_port); PORT=$port
  start_s3proxy "$port" "$d/s3"; write_peer_configs "$port"
  mkdir -p "$d/deploy/img" "$d/deploy/video"
  for i in $(seq 1 "$ones"); do head -c $((1 << 20)) /dev/urandom > "$d/deploy/img/p$i.jpg"; done
  for i in $(seq 1 "$fives"); do head -c $((5 << 20)) /dev/urandom > "$d/deploy/video/c$i.mp4"; done
  head -c $((big << 20)) /dev/urandom > "$d/deploy/video/film.mp4"
  total_mb=$((ones + 5 * fives + big))
  printf '[default]\ns3 =\n  max_bandwidth = %sMB/s\n' "$BW_MB" > "$d/aws.cfg"
  local tool t0 t1 bucket
  for tool in "watch2s3 --once" "rclone copy --bwlimit" "s3cmd sync --limit-rate" "aws s3 sync max_bandwidth"; do
    bucket=$(echo "bw-$tool" | tr -cd 'a-z0-9-' | cut -c1-40); make_bucket "$port" "$bucket"
    log "bwlimit: $tool, $total_mb MB at $BW_MB MB/s"
    t0=$(now)
    case $tool in
      watch2s3*) w2s_once "$port" "$bucket" "$d/deploy" "$d/state-once" "$d/w2s.log" -Ds3.bandwidth-limit="${BW_MB}MB" ;;
      rclone*) rclone --config "$RCLONE_CONFIG" copy --bwlimit "${BW_MB}M" "$d/deploy" "bench:$bucket" > "$d/rclone.log" 2>&1 ;;
      s3cmd*) s3cmd -q sync --limit-rate="${BW_MB}m" "$d/deploy/" "s3://$bucket/" > "$d/s3cmd.log" 2>&1 ;;
      aws*) AWS_CONFIG_FILE=$d/aws.cfg aws_cli s3 sync --only-show-errors "$d/deploy" "s3://$bucket" > "$d/aws.log" 2>&1 ;;
    esac
    t1=$(now)
    if visible "$port" "$bucket" video/film.mp4 && [[ $(count_keys "$port" "$bucket") == $((ones + fives + 1)) ]]; then
      result bwlimit "$tool" "MB/s sent (limit $BW_MB)" "$(awk -v m="$total_mb" -v s="$(elapsed "$t0" "$t1")" 'BEGIN{printf "%.2f", m/s}')" MB/s "$([[ $tool == watch2s3* ]] && echo 'JVM start included')"
    else
      result bwlimit "$tool" "MB/s sent (limit $BW_MB)" "" MB/s failed
    fi
  done
  bucket=bw-watching; make_bucket "$port" "$bucket"; mkdir -p "$d/watched"
  start_watch2s3 "$port" "$bucket" "$d/watched" "$d/state-watch" "$d/w2s-watch.log" -Ds3.bandwidth-limit="${BW_MB}MB" \
    -Dsync.quiet-period=1s
  local keys; keys=$(cd "$d/deploy" && find . -type f | sed 's|^\./|site/|')
  t0=$(now); mv "$d/deploy" "$d/watched/site"
  sleep 3; printf 'fixed\n' > "$d/watched/fix.html"; local tf; tf=$(now)
  local fixed; fixed=$(wait_visible "$port" "$bucket" fix.html 600) || fixed=""
  # HEAD each key: S3Proxy keeps a multipart upload's parts as files beside the objects, so counting files or
  # listing while it runs says nothing
  local key; for key in $keys; do wait_visible "$port" "$bucket" "$key" 900 > /dev/null || break; done
  t1=$(now)
  result bwlimit "watch2s3 watching" "MB/s sent (limit $BW_MB)" "$(awk -v m="$total_mb" -v s="$(elapsed "$t0" "$t1")" 'BEGIN{printf "%.2f", m/s}')" MB/s "from the move in, quiet period 1 s included"
  result bwlimit "watch2s3 watching" "fix during the deploy" "${fixed:+$(elapsed "$tf" "$fixed")}" s "written 3 s after the deploy began; quiet period 1 s"
  stop_pid "$W2S_PID"; stop_pid "$S3PROXY_PID"; rm -rf "$d"
}

# --- a renamed directory: copied in S3, or sent again? ------------------------------------------------------------------
# RN_TREE (N files of 1 MB, M of 5 MB, and as many small pages) is in S3 under site/; then the directory is renamed
# (mv site site-v2, a deploy tool's release switch). Each tool, limited to BW_MB MB/s as over a real uplink, makes the
# bucket hold site-v2/ and no site/: watch2s3 watching (deletes on; its server-side copies, then s3.server-side-copy=off),
# rclone sync --track-renames, s3cmd sync --delete-removed (it copies objects whose MD5 it finds in the bucket) and aws
# s3 sync --delete. Seconds from the mv (watch2s3: a quiet period of 1 s included) to the bucket being right.
scenario_rename() {
  local d=$WORK/rename port ones fives total_mb
  read -r ones fives <<< "$RN_TREE"
  port=$(free_port); PORT=$port
  start_s3proxy "$port" "$d/s3"; write_peer_configs "$port"
  mkdir -p "$d/pool/img" "$d/pool/video" "$d/pool/pages"
  for i in $(seq 1 "$ones"); do head -c $((1 << 20)) /dev/urandom > "$d/pool/img/p$i.jpg"; done
  for i in $(seq 1 "$fives"); do head -c $((5 << 20)) /dev/urandom > "$d/pool/video/c$i.mp4"; done
  for i in $(seq 1 $((ones + fives))); do printf '<p>page %s</p>\n' "$i" > "$d/pool/pages/$i.html"; done
  total_mb=$((ones + 5 * fives))
  local files=$((2 * (ones + fives)))
  printf '[default]\ns3 =\n  max_bandwidth = %sMB/s\n' "$BW_MB" > "$d/aws.cfg"
  local tool t0 t1 bucket tree keys key ok
  for tool in "watch2s3 watching" "watch2s3 watching, copies off" "rclone sync --track-renames" \
      "s3cmd sync --delete-removed" "aws s3 sync --delete"; do
    bucket=$(echo "rn-$tool" | tr -cd 'a-z0-9-' | cut -c1-40); make_bucket "$port" "$bucket"
    tree=$d/tree-$bucket; mkdir -p "$tree"; cp -r "$d/pool" "$tree/site"
    log "rename: $tool, $files files ($total_mb MB) renamed, at $BW_MB MB/s"
    case $tool in # the first upload, not limited and not timed
      watch2s3*) w2s_once "$port" "$bucket" "$tree" "$d/state-$bucket" "$d/$bucket-once.log" ;;
      rclone*) rclone --config "$RCLONE_CONFIG" sync "$tree" "bench:$bucket" > "$d/$bucket.log" 2>&1 ;;
      s3cmd*) s3cmd -q sync "$tree/" "s3://$bucket/" > "$d/$bucket.log" 2>&1 ;;
      aws*) aws_cli s3 sync --only-show-errors "$tree" "s3://$bucket" > "$d/$bucket.log" 2>&1 ;;
    esac
    if [[ $tool == watch2s3* ]]; then
      start_watch2s3 "$port" "$bucket" "$tree" "$d/state-$bucket" "$d/$bucket.log" -Dsync.deletes=true \
        -Dsync.quiet-period=1s -Ds3.bandwidth-limit="${BW_MB}MB" $([[ $tool == *off ]] && echo -Ds3.server-side-copy=off)
    fi
    t0=$(now); mv "$tree/site" "$tree/site-v2"
    case $tool in
      watch2s3*) keys=$(cd "$tree" && find site-v2 -type f)
        ok=1; for key in $keys; do wait_visible "$port" "$bucket" "$key" 900 > /dev/null || { ok=0; break; }; done
        local deadline=$(( $(date +%s) + 300 )) # and the old names' objects gone
        until [[ $(count_keys "$port" "$bucket") == "$files" ]]; do
          (( $(date +%s) > deadline )) && { ok=0; break; }; sleep 0.1
        done ;;
      rclone*) rclone --config "$RCLONE_CONFIG" sync --track-renames --bwlimit "${BW_MB}M" "$tree" "bench:$bucket" \
          >> "$d/$bucket.log" 2>&1; ok=1 ;;
      s3cmd*) s3cmd -q sync --delete-removed --limit-rate="${BW_MB}m" "$tree/" "s3://$bucket/" >> "$d/$bucket.log" 2>&1; ok=1 ;;
      aws*) AWS_CONFIG_FILE=$d/aws.cfg aws_cli s3 sync --delete --only-show-errors "$tree" "s3://$bucket" \
          >> "$d/$bucket.log" 2>&1; ok=1 ;;
    esac
    t1=$(now)
    [[ $tool == watch2s3* ]] && stop_pid "$W2S_PID"
    if ((ok)) && visible "$port" "$bucket" "site-v2/video/c1.mp4" && ! visible "$port" "$bucket" "site/video/c1.mp4" \
        && [[ $(count_keys "$port" "$bucket") == "$files" ]]; then
      result rename "$tool" "renamed directory in S3" "$(elapsed "$t0" "$t1")" s "$files files, $total_mb MB, limit $BW_MB MB/s"
    else
      result rename "$tool" "renamed directory in S3" "" s failed
    fi
  done
  local copies; copies=$(grep -c ' copied site/' "$d/rn-watch2s3watching.log" || true)
  result rename "watch2s3 watching" "files S3 copied (not uploaded)" "$copies" files "of $files; the pages are below s3.server-side-copy"
  stop_pid "$S3PROXY_PID"; rm -rf "$d"
}

# --- a touched tree ---------------------------------------------------------------------------------------------------
# TOUCH_FILES small files and 20 of 1 MB are in S3; then every file is touched at once (a site generator that writes
# every file again with the same bytes does the same): seconds until each tool is done with it, its requests and its
# client CPU. watch2s3 watching (quiet period 1 s; its second touch, as a watcher is warm when a deploy comes) with
# s3.update-mtime=true (the default: a small file sent again, a 1 MB one copied onto itself) and false (nothing sent);
# rclone sync (copies an object onto itself to update its mtime); aws s3 sync (uploads every file newer than its
# object); s3cmd sync (compares MD5s: sends nothing).
scenario_touch() {
  local d=$WORK/touch port tool bucket tree cap=$WORK/capture.txt mport t0 t1 cpu0 cpu1 pid ok
  port=$(free_port); PORT=$port
  start_s3proxy "$port" "$d/s3"; write_peer_configs "$port"
  python3 "$BENCH/gen_tree.py" "$d/pool" "$TOUCH_FILES"
  mkdir -p "$d/pool/media"
  for i in $(seq 1 20); do head -c $((1 << 20)) /dev/urandom > "$d/pool/media/m$i.bin"; done
  touch -d 2026-01-01 "$d/pool/media/"*
  local files=$((TOUCH_FILES + 20))
  for tool in "watch2s3 watching" "watch2s3 watching, s3.update-mtime=false" "rclone sync" "aws s3 sync" "s3cmd sync"; do
    bucket=$(echo "tc-$tool" | tr -cd 'a-z0-9-' | cut -c1-40); make_bucket "$port" "$bucket"
    tree=$d/tree-$bucket; cp -a "$d/pool" "$tree"
    log "touch: $tool, $files files touched"
    case $tool in # the first upload, not timed
      watch2s3*) w2s_once "$port" "$bucket" "$tree" "$d/state-$bucket" "$d/$bucket-once.log"
        mport=$(free_port)
        start_watch2s3 "$port" "$bucket" "$tree" "$d/state-$bucket" "$d/$bucket.log" -Dsync.quiet-period=1s \
          -Dmanagement.port="$mport" $([[ $tool == *false ]] && echo -Ds3.update-mtime=false)
        pid=$W2S_PID ;;
      rclone*) rclone --config "$RCLONE_CONFIG" sync "$tree" "bench:$bucket" > "$d/$bucket.log" 2>&1 ;;
      s3cmd*) s3cmd -q sync "$tree/" "s3://$bucket/" > "$d/$bucket.log" 2>&1 ;;
      aws*) aws_cli s3 sync --only-show-errors "$tree" "s3://$bucket" > "$d/$bucket.log" 2>&1 ;;
    esac
    sleep 2 # the tools that judge by time see the touch as later than the first upload
    start_capture "$port" "$cap"
    t0=$(now); ok=1
    case $tool in
      watch2s3*) # the second touch is measured: a watcher has been running for a while when a deploy comes
        local k deadline
        for k in 1 2; do
          if ((k == 2)); then sleep 2; stop_capture; start_capture "$port" "$cap"; t0=$(now); cpu0=$(cpu_seconds "$pid"); fi
          find "$tree" -type f -exec touch {} +
          deadline=$(( $(date +%s) + 900 ))
          until (( $(touched_seen "$mport") >= k * files )); do # every turn ended: uploaded, copied or unchanged
            (( $(date +%s) > deadline )) && { ok=0; break; }; sleep 0.1
          done
        done
        t1=$(now); cpu1=$(cpu_seconds "$pid"); stop_pid "$pid" ;;
      *) find "$tree" -type f -exec touch {} +
        /usr/bin/time -f '%e %U %S %M' -o "$d/time.txt" bash -c "$(declare -f aws_cli); PORT=$port; $(case $tool in
          rclone*) echo "rclone --config $RCLONE_CONFIG sync $tree bench:$bucket" ;;
          aws*) echo "aws_cli s3 sync --only-show-errors $tree s3://$bucket" ;;
          s3cmd*) echo "s3cmd -c $S3CMD_CONFIG --no-progress -q sync $tree/ s3://$bucket/" ;;
          esac)" >> "$d/$bucket.log" 2>&1 || ok=0
        t1=$(now); cpu0=0; cpu1=$(awk '{ print $2 + $3 }' "$d/time.txt") ;;
    esac
    stop_capture
    if ((ok)); then
      result touch "$tool" "touched tree done" "$(elapsed "$t0" "$t1")" s \
        "$files files; client CPU $(elapsed "$cpu0" "$cpu1") s; $(count_requests "$cap" "$bucket")"
    else
      result touch "$tool" "touched tree done" "" s "failed: $(tail -2 "$d/$bucket.log" | tr '\n,' '  ')"
    fi
  done
  stop_pid "$S3PROXY_PID"; rm -rf "$d"
}
# files whose turn ended since start (uploaded, copied or unchanged), from watch2s3's metrics at management port PORT
touched_seen() { # PORT
  curl -s "http://127.0.0.1:$1/observe/metrics" | awk '/^watch2s3_files_(uploaded|copied|unchanged)_total/ { n += $2 }
    END { printf "%d", n }'
}

# --- a file larger than one CopyObject takes, renamed ------------------------------------------------------------------
# One file of HR_MB MB (5.5 GB: above S3's 5 GB for one CopyObject) is in S3; then it is renamed, each tool limited to
# BW_MB MB/s as over a real uplink: seconds from the mv until the bucket holds the new name and not the old one.
# watch2s3 (watching, deletes on, quiet period 1 s) and rclone sync --track-renames both have S3 copy it in parts; the
# aws CLI and s3cmd sync send it again (at 4 MB/s, 23 minutes): left out. Only when named (about 17 GB per tool).
scenario_hugerename() {
  local d=$WORK/hugerename port tool bucket tree t0 t1 ok
  port=$(free_port); PORT=$port
  start_s3proxy "$port" "$d/s3"; write_peer_configs "$port"
  mkdir -p "$d/pool"; head -c $((HR_MB << 20)) /dev/urandom > "$d/pool/backup.tar"
  for tool in "watch2s3 watching" "rclone sync --track-renames"; do
    bucket=$(echo "hr-$tool" | tr -cd 'a-z0-9-' | cut -c1-40); make_bucket "$port" "$bucket"
    tree=$d/tree-$bucket; mkdir -p "$tree"; cp "$d/pool/backup.tar" "$tree/backup.tar"
    log "hugerename: $tool, $HR_MB MB renamed, at $BW_MB MB/s"
    case $tool in # the first upload, not limited and not timed
      watch2s3*) w2s_once "$port" "$bucket" "$tree" "$d/state-$bucket" "$d/$bucket-once.log"
        start_watch2s3 "$port" "$bucket" "$tree" "$d/state-$bucket" "$d/$bucket.log" -Dsync.deletes=true \
          -Dsync.quiet-period=1s -Ds3.bandwidth-limit="${BW_MB}MB" ;;
      rclone*) rclone --config "$RCLONE_CONFIG" sync "$tree" "bench:$bucket" > "$d/$bucket.log" 2>&1 ;;
    esac
    t0=$(now); mv "$tree/backup.tar" "$tree/backup 2026-12-07.tar"
    case $tool in
      watch2s3*) ok=0
        wait_visible "$port" "$bucket" "backup%202026-12-07.tar" 3600 > /dev/null && ok=1
        local deadline=$(( $(date +%s) + 600 ))
        while visible "$port" "$bucket" "backup.tar"; do (( $(date +%s) > deadline )) && { ok=0; break; }; sleep 0.1; done ;;
      rclone*) rclone --config "$RCLONE_CONFIG" sync --track-renames --bwlimit "${BW_MB}M" "$tree" "bench:$bucket" \
          >> "$d/$bucket.log" 2>&1 && ok=1 ;;
    esac
    t1=$(now)
    [[ $tool == watch2s3* ]] && stop_pid "$W2S_PID"
    if ((ok)) && visible "$port" "$bucket" "backup%202026-12-07.tar" && ! visible "$port" "$bucket" "backup.tar"; then
      result hugerename "$tool" "renamed 5.5 GB file in S3" "$(elapsed "$t0" "$t1")" s "$HR_MB MB, limit $BW_MB MB/s"
    else
      result hugerename "$tool" "renamed 5.5 GB file in S3" "" s failed
    fi
    rm -rf "$tree" "$d/s3/blobs/$bucket"
  done
  stop_pid "$S3PROXY_PID"; rm -rf "$d"
}

# --- a large upload cut short: sent again, or gone on with? -----------------------------------------------------------
# One file of RS_MB MB, each tool limited to BW_MB MB/s as over a real uplink, is stopped (SIGTERM, as a restart or a
# reboot does) half-way through its upload and run again: seconds of the second run until the object is in S3
# (watch2s3 --once with parts of 8 MB, JVM start included; rclone copy and aws s3 cp with their own part sizes;
# s3cmd put --continue-put, which goes on with an upload too). Not kill -9: S3Proxy's filesystem backend then keeps
# half a part, and answers every later listing of the upload's parts with a 500 (watch2s3 then sends the file whole).
scenario_resume() {
  local d=$WORK/resume port half tool bucket run t0 t1 ok
  port=$(free_port); PORT=$port
  start_s3proxy "$port" "$d/s3"; write_peer_configs "$port"
  mkdir -p "$d/tree"; head -c $((RS_MB << 20)) /dev/urandom > "$d/tree/film.mp4"
  printf '[default]\ns3 =\n  max_bandwidth = %sMB/s\n' "$BW_MB" > "$d/aws.cfg"
  half=$(awk -v m="$RS_MB" -v b="$BW_MB" 'BEGIN { printf "%.1f", m / b / 2 }')
  for tool in "watch2s3 --once" "rclone copy --bwlimit" "aws s3 cp max_bandwidth" "s3cmd put --continue-put"; do
    bucket=$(echo "rs-$tool" | tr -cd 'a-z0-9-' | cut -c1-40); make_bucket "$port" "$bucket"
    log "resume: $tool, $RS_MB MB at $BW_MB MB/s, stopped after $half s, then run again"
    for run in 1 2; do
      t0=$(now)
      case $tool in
        watch2s3*) java "${W2S_JAVA_OPTS[@]}" $(w2s_settings "$port" "$bucket" "$d/tree" "$d/state") -Ds3.part-size=8MB \
            -Ds3.bandwidth-limit="${BW_MB}MB" -jar "$JAR" --once > "$d/$bucket-$run.log" 2>&1 & ;;
        rclone*) rclone --config "$RCLONE_CONFIG" copy --bwlimit "${BW_MB}M" "$d/tree/film.mp4" "bench:$bucket" \
            > "$d/$bucket-$run.log" 2>&1 & ;;
        aws*) AWS_CONFIG_FILE=$d/aws.cfg aws_cli s3 cp --only-show-errors "$d/tree/film.mp4" "s3://$bucket/film.mp4" \
            > "$d/$bucket-$run.log" 2>&1 & ;;
        s3cmd*) s3cmd -q put --continue-put --multipart-chunk-size-mb=8 --limit-rate="${BW_MB}m" "$d/tree/film.mp4" \
            "s3://$bucket/film.mp4" > "$d/$bucket-$run.log" 2>&1 & ;;
      esac
      local pid=$!
      if ((run == 1)); then
        sleep "$half"
        pkill -TERM -f -- "$d/tree" || true # the tool's own process, wherever a wrapper put it
      fi
      wait "$pid" || true
      t1=$(now)
    done
    ok=0; visible "$port" "$bucket" film.mp4 && ok=1
    if ((ok)) && curl -s "http://127.0.0.1:$port/$bucket/film.mp4" | cmp -s - "$d/tree/film.mp4"; then
      result resume "$tool" "second run after a stop half-way" "$(elapsed "$t0" "$t1")" s \
        "$RS_MB MB at $BW_MB MB/s: $(awk -v h="$half" 'BEGIN { printf "%.0f", 2 * h }') s for all of it"
    else
      result resume "$tool" "second run after a stop half-way" "" s failed
    fi
  done
  grep -h 'going on with the multipart upload' "$d"/rs-watch2s3--once-2.log >&2 || true
  stop_pid "$S3PROXY_PID"; rm -rf "$d"
}

# --- a crash at the end of a burst of large files ----------------------------------------------------------------------
# watch2s3 --once over CR_FILES files of CR_MB MB is killed (kill -9) the moment it has logged its last upload: the
# confirmations of its last half second are still in H2's write delay, and their rows are in doubt at the next start.
# Run again, it asks S3 (one HEAD per file of 1 MB or more) what it holds under their keys, and sends again only the
# files whose bytes S3 does not hold. (The peers list the bucket on every run, so they have no such case.)
scenario_crash() {
  local d=$WORK/crash port pid opts n round held=0 resent=0 found=0
  port=$(free_port)
  WARM_FILES=0 start_s3proxy "$port" "$d/s3"
  mkdir -p "$d/tree"
  for i in $(seq 1 "$CR_FILES"); do head -c $((CR_MB << 20)) /dev/urandom > "$d/tree/f$i.bin"; done
  for round in 1 2 3; do # where the kill falls varies: a sum over rounds
    log "crash $round: watch2s3 --once over $CR_FILES files of $CR_MB MB, kill -9 at its last upload line, then again"
    make_bucket "$port" "crash$round"; rm -rf "$d/state"
    read -ra opts <<< "$(w2s_settings "$port" "crash$round" "$d/tree" "$d/state")"
    java "${W2S_JAVA_OPTS[@]}" "${opts[@]}" -jar "$JAR" --once > "$d/run1.log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      n=$(grep -c ' uploaded f' "$d/run1.log" 2>/dev/null) || n=0
      if ((n >= CR_FILES)); then kill -9 "$pid"; break; fi
      sleep 0.02
    done
    wait "$pid" 2>/dev/null || true
    java "${W2S_JAVA_OPTS[@]}" "${opts[@]}" -jar "$JAR" --once > "$d/run2.log" 2>&1 || true
    grep -q 'done: ' "$d/run2.log" || log "crash: the second run did not end well: $(tail -3 "$d/run2.log")"
    n=$(grep -oE '[0-9]+ files whose upload or delete had not been confirmed' "$d/run2.log" | grep -oE '^[0-9]+') || n=0
    held=$((held + n))
    n=$(grep -c ' uploaded f' "$d/run2.log") || n=0
    resent=$((resent + n))
    n=$(grep -c 'S3 holds the bytes of' "$d/run2.log") || n=0
    found=$((found + n))
  done
  local tool="watch2s3 --once, run again after kill -9 (3 rounds)"
  result crash "$tool" "files in doubt at start" "$held" files
  result crash "$tool" "files sent again" "$resent" files "$((resent * CR_MB)) MB"
  result crash "$tool" "files S3 held already (one HEAD each)" "$found" files
  stop_pid "$S3PROXY_PID"; rm -rf "$d"
}

# --- how durable the state database is, and what it costs per file ------------------------------------------------------
# bench/StateCost.java on the real H2 database: process CPU per recorded file, and how many of N paths a child that is
# killed (halted) right after recording them leaves known, for the write-delayed MERGE per file watch2s3 used before
# issue #10, a write-through MERGE per file, and what it does now: pending rows written and synced per batch of 1,000.
scenario_state() {
  local d=$WORK/state
  rm -rf "$d"; mkdir -p "$d"
  log "state: recording $STATE_FILES confirmations three ways"
  (cd "$ROOT" && java -cp "$JAR" bench/StateCost.java "$d" "$STATE_FILES") > "$d/out.csv"
  local choice cpu known files tool
  while IFS=, read -r choice cpu known files; do
    case $choice in
      pending) tool="watch2s3: pending rows per batch (now)" ;;
      delayed) tool="MERGE per file, H2 delayed writes (before)" ;;
      write-through) tool="MERGE per file, written through" ;;
    esac
    result state "$tool" "CPU per file" "$cpu" µs
    result state "$tool" "paths known after kill -9, of $files" "$known" paths
  done < "$d/out.csv"
  rm -rf "$d"
}

log "watch2s3 benchmark$( ((QUICK)) && echo ' (quick)'): ${SCENARIOS[*]}"
for s in "${SCENARIOS[@]}"; do "scenario_$s"; done
"$BENCH/report.sh" "$CSV" "$RESULTS" "$QUICK"
