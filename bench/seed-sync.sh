#!/usr/bin/env bash
# A faithful port of the seed's workaround, for comparison only: inotifywait reports changes, a 5-second `read -t`
# buffer collects them, `sort | uniq` removes duplicates, and one `s3cmd sync FILE s3://bucket/KEY &` per file runs in
# the background. Like the original it ignores deletes and does not limit the number of s3cmd processes.
# usage: seed-sync.sh DIR BUCKET S3CMD-CONFIG
set -u
dir=${1%/}; bucket=$2; config=$3
inotifywait -m -r -q -e close_write,create,moved_to --format '%w%f' "$dir" | while true; do
  changed=()
  while IFS= read -r -t 5 path; do changed+=("$path"); done
  ((${#changed[@]})) || continue
  printf '%s\n' "${changed[@]}" | sort | uniq | while IFS= read -r path; do
    [[ -f $path ]] || continue
    s3cmd -c "$config" --no-progress -q sync "$path" "s3://$bucket/${path#"$dir"/}" &
  done
done
