# Helpers for bench/run.sh: servers on 127.0.0.1, peer tool configs, timing, request counting, cleanup.
# shellcheck shell=bash

PIDS=()
cleanup() { # runs under set -e: a process that is already gone must not end it with status 1
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  pkill -f "inotifywait -m -r -q -e close_write,create,moved_to --format %w%f $WORK" 2>/dev/null || true
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

wait_port() { # PORT
  for _ in $(seq 1 600); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "port $1 did not open" >&2; return 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The JVM options of the README's run command: watch2s3 runs here as its users run it.
W2S_JAVA_OPTS=("@$ROOT/jvm.options")

# S3Mock (the built-in endpoint of watch2s3) as its own process; sets S3MOCK_PID, S3_KIND, S3_DIR
start_s3mock() { # PORT DIR
  mkdir -p "$2"
  java -cp "$JAR" io.watch2s3.local.LocalS3Server "$1" "$2/objects" "" "$2/logs" > "$2/server.log" 2>&1 &
  S3MOCK_PID=$!; PIDS+=("$S3MOCK_PID"); S3_KIND=s3mock; S3_DIR=$2; wait_port "$1"; warm_server "$1" "${WARM_FILES_S3MOCK:-2000}"
}

# S3Proxy 2.6 with its filesystem backend (each object a plain file), in its NIO.2 flavour: the older "filesystem"
# provider lists a directory marker without an ETag for every "directory" of the keys, and s3cmd dies on those.
# Sets S3PROXY_PID, S3_KIND, S3_DIR.
start_s3proxy() { # PORT DIR
  mkdir -p "$2/blobs"
  cat > "$2/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$1
s3proxy.authorization=none
jclouds.provider=filesystem-nio2
jclouds.filesystem.basedir=$2/blobs
jclouds.identity=bench
jclouds.credential=benchsecret
PROPS
  java -jar "$S3PROXY_JAR" --properties "$2/s3proxy.properties" > "$2/server.log" 2>&1 &
  S3PROXY_PID=$!; PIDS+=("$S3PROXY_PID"); S3_KIND=s3proxy; S3_DIR=$2; wait_port "$1"; warm_server "$1" "${WARM_FILES:-10000}"
}

# A fresh server JVM spends its first thousands of requests compiling itself: without a warm-up, the first tool
# measured pays for the server's JIT. Measured on S3Proxy: cold, it spent 4 times the CPU on a 10,000-file burst that
# it spent warm, and the tool measured first ran at half its speed; its first 10,000 PUTs still cost more than the
# next 10,000. So COUNT PUTs (rclone) into a bucket of their own, first: 10,000 on S3Proxy; 2,000 on S3Mock, whose
# every PUT is slow anyway.
warm_server() { # PORT COUNT
  (($2 > 0)) || return 0
  local tree=$WORK/warm-up-$2
  [[ -d $tree ]] || python3 "$BENCH/gen_tree.py" "$tree" "$2" 99
  make_bucket "$1" warm-up
  rclone_config "$1" > "$WORK/warm-up-rclone.conf"
  rclone --config "$WORK/warm-up-rclone.conf" copy --transfers 16 --no-check-dest --s3-no-head \
    "$tree" bench:warm-up > /dev/null 2>&1 || log "server warm-up failed"
}

# Objects the server has stored in BUCKET, counted in its storage directory: polling with LIST requests would load
# the server (a listing of 10,000 objects costs it more than the PUTs being measured).
stored_count() { # BUCKET
  case $S3_KIND in
    s3proxy) find "$S3_DIR/blobs/$1" -type f 2>/dev/null | wc -l ;;
    s3mock) find "$S3_DIR/objects/$1" -mindepth 2 -maxdepth 2 -name objectMetadata.json 2>/dev/null | wc -l ;;
  esac
}

make_bucket() { curl -s -o /dev/null -X PUT "http://127.0.0.1:$1/$2"; } # PORT BUCKET

# The benchmark's own requests carry ?x-bench=1 so that count_requests leaves them out.
visible() { [[ $(curl -s -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$1/$2/$3?x-bench=1") == 200 ]]; } # PORT BUCKET KEY

wait_visible() { # PORT BUCKET KEY TIMEOUT-S → prints the time it became visible
  local deadline; deadline=$(awk -v t="$(now)" -v d="$4" 'BEGIN { printf "%.0f", t + d }')
  while ! visible "$1" "$2" "$3"; do
    (( $(date +%s) > deadline )) && { echo "timeout"; return 1; }
    sleep 0.01
  done
  now
}

count_keys() { # PORT BUCKET → number of objects (paged listing)
  python3 - "$1" "$2" <<'PY'
import sys, urllib.request, re
port, bucket = sys.argv[1], sys.argv[2]
token, total = None, 0
while True:
    url = f"http://127.0.0.1:{port}/{bucket}?list-type=2&max-keys=1000&x-bench=1"
    if token:
        url += "&continuation-token=" + urllib.request.quote(token)
    body = urllib.request.urlopen(url).read().decode()
    # S3Proxy's filesystem backend lists each directory as a key ending in "/": not an object of ours
    total += sum(1 for k in re.findall(r"<Key>(.*?)</Key>", body) if not k.endswith("/"))
    m = re.search(r"<NextContinuationToken>(.*?)</NextContinuationToken>", body)
    if not m or "<IsTruncated>true</IsTruncated>" not in body:
        break
    token = m.group(1)
print(total)
PY
}

wait_count() { # PORT BUCKET COUNT TIMEOUT-S: fails at the timeout, or when the count stops growing for STALL_S s
  local deadline=$(( $(date +%s) + $4 )) last=-1 since; since=$(date +%s)
  local c
  while c=$(stored_count "$2"); (( c < $3 )); do
    (( c != last )) && { last=$c; since=$(date +%s); }
    (( $(date +%s) > deadline || $(date +%s) - since > ${STALL_S:-60} )) && { WAIT_COUNT_REACHED=$c; return 1; }
    sleep 0.1
  done
  WAIT_COUNT_REACHED=$(count_keys "$1" "$2") # what a client sees, once, at the end
  (( WAIT_COUNT_REACHED >= $3 ))
}

# Request counting: tcpdump on loopback sees every request line sent to PORT, whatever the server.
# The first 512 bytes of a packet hold its request line: capturing whole bodies (58 MB of text for a 10,000-file
# burst) cost tcpdump 2 CPU-s on the 2 cores the tools share, against 0.25 s for the request lines alone.
start_capture() { # PORT FILE
  tcpdump -i lo -l -A -s 512 -n "tcp dst port $1" 2>/dev/null > "$2" &
  CAPTURE_PID=$!; PIDS+=("$CAPTURE_PID"); sleep 0.5
}
stop_capture() { sleep 0.5; kill "$CAPTURE_PID" 2>/dev/null; wait "$CAPTURE_PID" 2>/dev/null || true; }
# prints "LIST n HEAD n PUT n GET n DELETE n POST n" for the capture FILE and BUCKET
# prints the times (seconds of the day) of the first and the last PUT request in the capture FILE
put_span() {
  awk '/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+ IP/ { split($1, t, ":"); ts = t[1] * 3600 + t[2] * 60 + t[3] }
       /PUT \/[^ ]+\/[^ ?]+ HTTP\/1\.1/ && !/x-bench=1/ { if (!first) first = ts; last = ts }
       END { printf "%.3f %.3f\n", first, last }' "$1"
}
count_requests() {
  grep -aoE '(GET|PUT|HEAD|POST|DELETE) /[^ ]* HTTP/1\.1' "$1" | grep -v 'x-bench=1' | awk -v b="$2" '
    { split($2, pq, "?"); path = pq[1]; sub("^/" b "/?", "", path)
      if ($1 == "GET" && path == "") c["LIST"]++; else c[$1]++ }
    END { printf "LIST %d HEAD %d PUT %d GET %d DELETE %d POST %d\n", c["LIST"], c["HEAD"], c["PUT"], c["GET"], c["DELETE"], c["POST"] }'
}

# Peer configurations. rclone refuses to start when AWS_CA_BUNDLE is set (as on some CI machines) with a plain-HTTP
# endpoint, so the peers run without it.
unset AWS_CA_BUNDLE
write_peer_configs() { # PORT
  cat > "$WORK/s3cmd.cfg" <<CFG
[default]
access_key = bench
secret_key = benchsecret
host_base = 127.0.0.1:$1
host_bucket = 127.0.0.1:$1
use_https = False
signature_v2 = False
check_ssl_certificate = False
CFG
  rclone_config "$1" > "$WORK/rclone.conf"
}
rclone_config() { # PORT: the remote "bench:" for the server at PORT
  printf '[bench]\ntype = s3\nprovider = Other\naccess_key_id = bench\nsecret_access_key = benchsecret\n'
  printf 'endpoint = http://127.0.0.1:%s\nforce_path_style = true\n' "$1"
}
aws_cli() { AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=benchsecret AWS_DEFAULT_REGION=us-east-1 \
  AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required \
  /usr/bin/aws --endpoint-url "http://127.0.0.1:$PORT" "$@"; }

# the -D settings that point watch2s3 at TREE, STATE and BUCKET on the server at PORT
w2s_settings() { # PORT BUCKET TREE STATE
  echo "-Dwatch.dir=$3 -Dstate.dir=$4 -Ds3.endpoint=http://127.0.0.1:$1 -Ds3.bucket=$2 -Ds3.path-style=true" \
    "-Ds3.access-key=bench -Ds3.secret-key=benchsecret -Ds3.checksums=when-required"
}
# watch2s3 --once over TREE (the tree's paths must have no spaces); extra arguments go before -jar
w2s_once() { # PORT BUCKET TREE STATE LOG [extra -D...]
  local port=$1 bucket=$2 tree=$3 state=$4 logf=$5; shift 5
  java "${W2S_JAVA_OPTS[@]}" $(w2s_settings "$port" "$bucket" "$tree" "$state") "$@" -jar "$JAR" --once > "$logf" 2>&1
}

# watch2s3 as a process; sets W2S_PID
start_watch2s3() { # PORT BUCKET TREE STATE LOG [extra -D...]
  local port=$1 bucket=$2 tree=$3 state=$4 logf=$5; shift 5
  java "${W2S_JAVA_OPTS[@]}" $(w2s_settings "$port" "$bucket" "$tree" "$state") -Dsync.rescan-interval=0 "$@" \
    -jar "$JAR" > "$logf" 2>&1 &
  W2S_PID=$!; PIDS+=("$W2S_PID")
  for _ in $(seq 1 6000); do grep -qs 'catch-up scan:' "$logf" && return 0; sleep 0.1; done
  echo "watch2s3 did not start: $(tail -5 "$logf")" >&2; return 1
}
stop_pid() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null || true; }

cpu_seconds() { awk '{ printf "%.2f", ($14 + $15 + $16 + $17) / 100 }' "/proc/$1/stat"; } # PID (user+system, with children)
rss_mb() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; } # PID: peak RSS
heap_mb() { # PID: used heap (all generations; Metaspace is not heap)
  jcmd "$1" GC.heap_info 2>/dev/null | awk '/generation|heap/ && !/Metaspace|class space/ {
    for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub("K,?", "", v); sum += v } }
    END { printf "%.0f", sum / 1024 }'; }

# One result row: SCENARIO TOOL FIGURE VALUE UNIT [NOTE]
result() { printf '%s,"%s","%s",%s,%s,"%s"\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" >> "$CSV"; log "  $2: $3 = $4 $5 ${6:-}"; }
