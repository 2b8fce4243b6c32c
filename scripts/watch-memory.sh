#!/usr/bin/env bash
# Owns the endless-stream memory measurement of `watch` (issue 14): trains a model on the generator's
# normal patterns, then pipes N short processes (scripts/gen-watch-stream.ts) through
# `stidebench watch --input -` and prints the watch process's peak RSS (GNU time -v) and wall time.
#
#   /work/bin/quiet bash scripts/watch-memory.sh 20000 200000 1000000
#
# Needs: node >= 20, npm (tsx from devDependencies), GNU time at /usr/bin/time. Does not rebuild:
# run `npm run build` first. Prints one line per N:
#   N processes: peak RSS X MB, wall Y s, summary: <watch's summary line>
set -euo pipefail
cd "$(dirname "$0")/.."
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
npx tsx scripts/gen-watch-stream.ts train > "$TMP/train.strace"
node dist/cli.js train --data "$TMP/train.strace" --label normal --program srv -k 6 -o "$TMP/m.model" > /dev/null
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for n in "${@:-20000 200000}"; do
  npx tsx scripts/gen-watch-stream.ts "$n" > "$TMP/stream.strace"
  # The stream is written to a file first so the generator does not share the CPU with watch; watch
  # still reads it through stdin (the --input - path) like a live pipe.
  set +e
  /usr/bin/time -v -o "$TMP/time.txt" node dist/cli.js watch --model "$TMP/m.model" --input - --frame 20 --threshold 6 < "$TMP/stream.strace" > "$TMP/out.txt"
  rc=$?
  set -e
  [ "$rc" -le 3 ] || { echo "watch exited $rc" >&2; tail -3 "$TMP/out.txt" >&2; exit 1; }
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$TMP/time.txt")
  echo "$n processes: peak RSS $((kb / 1024)) MB, wall $wall, $(grep -E '^(summary|alarms):' "$TMP/out.txt" | tr '\n' ' ')"
  rm -f "$TMP/stream.strace"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
