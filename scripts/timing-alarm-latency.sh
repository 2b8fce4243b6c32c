#!/usr/bin/env bash
# Owns the alarm-latency benchmark of the live monitor (issue 13 target: median <= 50 ms from the
# offending call to the alarm): the toy server's backdoor build (datasets/toy-server/server.c with
# -DVARIANT_SHELL: on the first connection it forks `/bin/sh -c id` on the socket) runs under
# `stidebench watch --backend B -- ./toy-shell PORT FILE` with a model trained on the committed normal
# toy-server recordings; the client sends 20 strings; the server is then stopped (SIGINT, by pid).
# watch's summary gives the delay from the call that completed each alarming window (its tracer
# timestamp: strace -ttt wall clock, kernel CLOCK_MONOTONIC) to the moment watch read the alarm.
# The bpftrace backend prints no timestamps, so it has no delay figure.
#
#   bash scripts/timing-alarm-latency.sh [--reps 5] [--backends strace,kernel] [--out results/paper-figure3]
#
# Writes OUT/alarm-latency.json (every run's summary fields) and OUT/alarm-latency.md. Needs cc,
# python3, strace; root and clang + libbpf-dev for the kernel backend. Every wait has a timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
REPS=5
BACKENDS=strace,kernel
OUT=results/paper-figure3
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS="$2"; shift 2 ;;
    --backends) BACKENDS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
WORK=$(mktemp -d /tmp/alarm-latency.XXXXXX)
WATCH_PID=""
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null || true
  [ -n "$WATCH_PID" ] && kill -KILL "$WATCH_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
[ -f dist/cli.js ] || npm run build >/dev/null
CLIENT=datasets/toy-server/client.py
cc -O2 -DVARIANT_SHELL -o "$WORK/toy-shell" datasets/toy-server/server.c
node dist/cli.js train --data datasets/toy-server/traces/normal --detector xenids -k 6 -o "$WORK/toy.model" > "$WORK/train.txt"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$WORK/runs.jsonl"

wait_for() { # pid seconds -> 0 ended, 1 timed out (then SIGINT..., SIGKILL)
  local pid="$1" i=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.1; i=$((i + 1))
    if [ "$i" -ge $(($2 * 10)) ]; then
      for _ in $(seq 1 10); do kill -INT "$pid" 2>/dev/null || true; sleep 0.3; kill -0 "$pid" 2>/dev/null || break; done
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 1
    fi
  done
  wait "$pid" 2>/dev/null || true
  return 0
}

IFS=, read -r -a BES <<<"$BACKENDS"
for rep in $(seq 1 "$REPS"); do
  for b in "${BES[@]}"; do
    run="$WORK/run-$b-$rep"; mkdir -p "$run"; cp "$WORK/toy-shell" "$run/toy-shell"
    port=$(python3 "$CLIENT" freeport)
    (cd "$run" && exec node "$ROOT/dist/cli.js" watch --backend "$b" --model "$WORK/toy.model" --frame 20 --threshold 5 --allow-loss --events "$run/events.jsonl" \
      -- ./toy-shell "$port" received.txt > "$run/watch.txt" 2> "$run/watch.err") &
    WATCH_PID=$!
    # The server: the process running $run/toy-shell (found by its unique path, signalled by pid).
    SERVER_PID=""
    for _ in $(seq 1 600); do
      SERVER_PID=$(pgrep -f -x "./toy-shell $port received.txt" | head -1 || true)
      [ -n "$SERVER_PID" ] && break
      sleep 0.05
    done
    [ -n "$SERVER_PID" ] || { echo "server did not start ($b): $(cat "$run/watch.err")" >&2; exit 1; }
    python3 "$CLIENT" send "$port" 20 100 1 > "$run/client.txt" 2>&1 || true
    sleep 0.5
    kill -INT "$SERVER_PID" 2>/dev/null || true
    wait_for "$WATCH_PID" 60 || echo "watch ($b) did not end in 60 s: stopped" >&2
    WATCH_PID=""; SERVER_PID=""
    tail -1 "$run/events.jsonl" | node -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const o = JSON.parse(s);
        console.log(JSON.stringify({ backend: process.argv[1], rep: Number(process.argv[2]), events: o.events, lostEvents: o.lostEvents,
          processesAlarmed: o.processesAlarmed, firstAlarms: o.latency, alarmDelayMs: o.alarmDelayMs, load: process.argv[3] }));
      });' "$b" "$rep" "$(cut -d' ' -f1 /proc/loadavg)" >> "$WORK/runs.jsonl"
    echo "rep $rep $b: $(tail -1 "$WORK/runs.jsonl")" >&2
  done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$OUT"
node -e '
const fs = require("fs");
const [runsFile, out, loadStart, loadEnd, kernel, bpf, train] = process.argv.slice(1);
const runs = fs.readFileSync(runsFile, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor((s.length - 1) / 2)] : null; };
const rows = [];
for (const b of [...new Set(runs.map((r) => r.backend))]) {
  const rs = runs.filter((r) => r.backend === b);
  const d = rs.map((r) => r.alarmDelayMs && r.alarmDelayMs.median).filter((x) => typeof x === "number");
  const mx = rs.map((r) => r.alarmDelayMs && r.alarmDelayMs.max).filter((x) => typeof x === "number");
  rows.push({ backend: b, runs: rs.length, alarmedRuns: rs.filter((r) => r.processesAlarmed > 0).length, medianOfMedianDelayMs: med(d), minMedian: d.length ? Math.min(...d) : null, maxMedian: d.length ? Math.max(...d) : null, maxDelayMs: mx.length ? Math.max(...mx) : null, lost: rs.reduce((a, r) => a + (r.lostEvents || 0), 0) });
}
fs.writeFileSync(out + "/alarm-latency.json", JSON.stringify({ machine: { kernel, bpftrace: bpf, loadStart, loadEnd }, training: train.trim(), rows, runs }, null, 2) + "\n");
const L = ["# Alarm latency on the toy server backdoor (`bash scripts/timing-alarm-latency.sh`)", "",
  `Kernel ${kernel}, ${bpf}; load average ${loadStart} at the start, ${loadEnd} at the end (shared 2-core machine). Model: ${train.trim()}. Frame 20, LFC >= 5.`, "",
  "Delay = from the call that completed an alarming window (tracer timestamp) to watch reading the alarm; per run the median over its alarms, then the median of those over the runs (min-max beside it). Target (issue 13): median <= 50 ms.", "",
  "| backend | runs | runs that alarmed | median delay, ms (min-max of run medians) | max delay, ms | lost events |", "|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.backend} | ${r.runs} | ${r.alarmedRuns}/${r.runs} | ${r.medianOfMedianDelayMs ?? "n/a"} (${r.minMedian ?? "n/a"}-${r.maxMedian ?? "n/a"}) | ${r.maxDelayMs ?? "n/a"} | ${r.lost} |`), ""];
fs.writeFileSync(out + "/alarm-latency.md", L.join("\n"));
console.log(L.join("\n"));
' "$WORK/runs.jsonl" "$OUT" "$LOAD_START" "$LOAD_END" "$(uname -r)" "$(bpftrace --version 2>/dev/null | head -1 || echo 'bpftrace: none')" "$(cat "$WORK/train.txt")"
