#!/usr/bin/env bash
# Owns the endless-stream memory measurement of `watch` (issue 14): trains a model on the generator's
# normal patterns, then pipes N short processes (scripts/gen-watch-stream.ts) through
# `stidebench watch --input -` and prints the watch process's peak RSS (GNU time -v) and wall time.
#
#   bash scripts/watch-memory.sh 20000 200000 1000000
#
#   HEAP_MB=32 bash scripts/watch-memory.sh 1000000   # V8 old space capped at 32 MB
#   CLI=path/to/other/dist/cli.js ...                                  # measure another build
#
# Needs: node >= 20, npm (tsx from devDependencies), GNU time at /usr/bin/time. Does not rebuild:
# run `npm run build` first. Without HEAP_MB the peak RSS also shows how far V8 lets garbage grow
# before a full collection; with it, a run that retained per-process state would run out of heap. Prints one line per N:
#   N processes: peak RSS X MB, wall Y s, summary: <watch's summary line>
set -euo pipefail
cd "$(dirname "$0")/.."
CLI="${CLI:-dist/cli.js}"
HEAP=()
[ -z "${HEAP_MB:-}" ] || HEAP=("--max-old-space-size=$HEAP_MB")
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
  /usr/bin/time -v -o "$TMP/time.txt" node "${HEAP[@]}" "$CLI" watch --model "$TMP/m.model" --input - --frame 20 --threshold 6 < "$TMP/stream.strace" > "$TMP/out.txt" 2> "$TMP/err.txt"
  rc=$?
  set -e
  [ "$rc" -le 3 ] || { echo "$n processes ($CLI${HEAP_MB:+, old space $HEAP_MB MB}): watch exited $rc: $(grep -m1 -E 'heap out of memory|Error' "$TMP/err.txt" | head -1)"; rm -f "$TMP/stream.strace"; continue; }
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$TMP/time.txt")
  echo "$n processes ($CLI${HEAP_MB:+, old space $HEAP_MB MB}): exit $rc, peak RSS $((kb / 1024)) MB, wall $wall, $(grep -E '^(summary|alarms):' "$TMP/out.txt" | tr '\n' ' ')"
  rm -f "$TMP/stream.strace"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
