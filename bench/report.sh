#!/usr/bin/env bash
# Turns the benchmark's CSV into tables (stdout), bench/results/latest.csv (with the machine and tool versions)
# and PNG charts. usage: report.sh RESULTS.csv RESULTS-DIR QUICK(0|1)
set -euo pipefail
csv=$1; out=$2; quick=$3
here=$(cd "$(dirname "$0")" && pwd)
{
  echo "# watch2s3 benchmark, $(date -u +%Y-%m-%dT%H:%MZ)$( ((quick)) && echo ' (--quick)')"
  echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
  echo "# java: $(java -version 2>&1 | head -1); s3cmd $(s3cmd --version 2>&1 | awk '{print $3}'); $(rclone version 2>/dev/null | head -1); $(/usr/bin/aws --version 2>&1 | awk '{print $1}'); inotify-tools $(inotifywait --help 2>&1 | head -1 | awk '{print $2}'); S3Mock 4.11.0; S3Proxy 2.6.0"
  cat "$csv"
} > "$out/latest.csv"
# the tables are kept beside the CSV too (latest.txt), as the run printed them
python3 "$here/report.py" "$out/latest.csv" "$out" | tee "$out/latest.txt"
