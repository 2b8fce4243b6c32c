#!/usr/bin/env bash
# Owns the timing side-channel benchmark (Maiero & Miculan 2011 §6: can a process tell it is being
# watched?). Compiles scripts/timing-probe.c with cc, runs it under each condition, then
# scripts/timing-analyze.ts writes results/side-channel/{summary.md,results.json,raw/*,*.svg}
# (re-analyse without measuring: npx tsx scripts/timing-analyze.ts --in results/side-channel/raw).
#
#   bash scripts/timing-side-channel.sh [--iterations 200000] [--samples 5000] [--rounds 4] [--out results/side-channel]
#
# The machine is shared and its load drifts, so the conditions are interleaved: each of `rounds` rounds
# runs every condition once with iterations/rounds rounds of measurement (samples/rounds kept), and
# the analysis pools the rounds per condition. Conditions, in this order within a round (the probe
# starts paused and measures only once the tracer is attached):
#   untraced        plain run
#   strace          strace -f -o /dev/null (ptrace: two stops per system call)
#   bpftrace        bpftrace 'tracepoint:raw_syscalls:sys_enter /pid == PROBE/ { @[args->id] = count(); }'
#   bpftrace-other  the same program filtering on pid 1: the tracepoint is live but watches someone else
#   kernel          stidebench watch --backend kernel --pid PROBE: the xenids detector in eBPF, with a
#                   model trained on a strace recording of the probe itself (a normal run)
#   untraced-2      plain run again: the run-to-run noise floor for the KS test
# Every wait has a timeout (--timeout, default 600 s per run): a process that does not end is sent
# SIGINT (repeated: bpftrace 0.17 can miss one while busy), then SIGKILL, and the run is recorded as
# failed with the reason instead of hanging the study.
# Needs: cc, strace; bpftrace and root for the bpftrace conditions (installed with apt-get when missing
# and possible; otherwise those conditions are recorded as not run, with the reason). Not part of
# npm test: a benchmark whose results are committed.
set -euo pipefail
cd "$(dirname "$0")/.."

ITER=200000
SAMPLES=5000
ROUNDS=4
OUT=results/side-channel
TIMEOUT=600
while [ $# -gt 0 ]; do
  case "$1" in
    --iterations) ITER="$2"; shift 2 ;;
    --samples) SAMPLES="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

WORK="$(mktemp -d /tmp/side-channel.XXXXXX)"
BPF_PID=""
PROBE_PID=""
# Waits for a child of this shell up to $2 seconds; then SIGINT every 0.3 s for 5 s, then SIGKILL.
# Returns 0 when it ended by itself, 1 when it had to be stopped.
wait_timeout() { # pid seconds
  local pid="$1" limit="$2" i=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
    if [ "$i" -ge $((limit * 10)) ]; then
      echo "timeout after ${limit} s: stopping pid $pid (SIGINT, then SIGKILL)" >&2
      local j
      for j in $(seq 1 17); do kill -0 "$pid" 2>/dev/null || break; kill -INT "$pid" 2>/dev/null || true; sleep 0.3; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 1
    fi
  done
  wait "$pid" 2>/dev/null || true
  return 0
}
# Stops a tracer now: SIGINT (bpftrace runs END, watch prints its summary) with the same escalation.
stop_now() { # pid
  local pid="$1" j
  for j in $(seq 1 17); do kill -0 "$pid" 2>/dev/null || break; kill -INT "$pid" 2>/dev/null || true; sleep 0.3; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  if [ -n "$BPF_PID" ] && kill -0 "$BPF_PID" 2>/dev/null; then stop_now "$BPF_PID"; fi
  if [ -n "$PROBE_PID" ] && kill -0 "$PROBE_PID" 2>/dev/null; then kill -KILL "$PROBE_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

cc -O2 -Wall -Wextra -o "$WORK/probe" scripts/timing-probe.c
R_ITER=$((ITER / ROUNDS))
R_SAMPLES=$((SAMPLES / ROUNDS))
START="$(date +%s)"

# Machine facts for the report.
{
  echo "kernel=$(uname -r)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cpus=$(nproc)"
  echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
  echo "virtualization=$(systemd-detect-virt 2>/dev/null || (grep -q hypervisor /proc/cpuinfo && echo 'yes (cpuinfo hypervisor flag)') || echo none)"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "strace=$(strace -V 2>/dev/null | head -1 || echo missing)"
  echo "iterations=$ITER"
  echo "samples=$SAMPLES"
  echo "rounds=$ROUNDS"
} > "$WORK/machine.txt"

wait_ready() { # prefix -> prints the probe's pid once it is paused and waiting
  local f="$1.ready" i=0
  while [ ! -s "$f" ]; do
    sleep 0.05
    i=$((i + 1))
    if [ "$i" -gt 600 ]; then echo "probe did not start ($f)" >&2; return 1; fi
  done
  cat "$f"
}

# conditions.txt: one "condition.rN=status" line per run; the analysis reports failures.
status_line() { echo "$1=$2" >> "$WORK/conditions.txt"; }

run_plain() { # name [wrapper...]
  local name="$1"; shift
  echo "== $name"
  "$@" "$WORK/probe" "$WORK/$name" "$R_ITER" "$R_SAMPLES" &
  PROBE_PID=$!
  local pid; pid="$(wait_ready "$WORK/$name")"
  kill -USR1 "$pid"
  if wait_timeout "$PROBE_PID" "$TIMEOUT"; then status_line "$name" "ran"; else status_line "$name" "failed: timeout after $TIMEOUT s"; rm -f "$WORK/$name.csv" "$WORK/$name.meta"; fi
  PROBE_PID=""
}

# bpftrace: start the probe, attach bpftrace filtering on FILTER_PID (the probe, or 1), wait until its
# BEGIN probe has printed (all probes are attached by then), start the measurement, stop bpftrace.
run_bpftrace() { # name target(self|other)
  local name="$1" target="$2"
  echo "== $name"
  "$WORK/probe" "$WORK/$name" "$R_ITER" "$R_SAMPLES" &
  PROBE_PID=$!
  local pid filter; pid="$(wait_ready "$WORK/$name")"
  if [ "$target" = self ]; then filter="$pid"; else filter=1; fi
  ulimit -l unlimited 2>/dev/null || true
  bpftrace -e "BEGIN { printf(\"attached\\n\"); } tracepoint:raw_syscalls:sys_enter /pid == $filter/ { @[args->id] = count(); }" \
    > "$WORK/$name.bpftrace.out" 2> "$WORK/$name.bpftrace.err" &
  BPF_PID=$!
  local i=0
  while ! grep -q attached "$WORK/$name.bpftrace.out" 2>/dev/null; do
    if ! kill -0 "$BPF_PID" 2>/dev/null; then
      echo "bpftrace exited: $(tr '\n' ' ' < "$WORK/$name.bpftrace.err")" >&2
      kill -KILL "$PROBE_PID" 2>/dev/null || true
      wait_timeout "$PROBE_PID" 10 || true
      PROBE_PID=""
      BPF_PID=""
      rm -f "$WORK/$name.csv" "$WORK/$name.meta"
      status_line "$name" "not run: bpftrace failed: $(grep -v 'RLIMIT_MEMLOCK' "$WORK/$name.bpftrace.err" | tr '\n' ' ' | cut -c1-300)"
      return 0
    fi
    sleep 0.1
    i=$((i + 1))
    if [ "$i" -gt 300 ]; then echo "bpftrace did not attach" >&2; break; fi
  done
  sleep 0.5
  kill -USR1 "$pid"
  local ok=1
  wait_timeout "$PROBE_PID" "$TIMEOUT" || ok=0
  PROBE_PID=""
  stop_now "$BPF_PID"
  BPF_PID=""
  if [ "$ok" = 0 ]; then status_line "$name" "failed: timeout after $TIMEOUT s"; rm -f "$WORK/$name.csv" "$WORK/$name.meta"; return 0; fi
  # The per-syscall-id counts bpftrace printed on exit (proof that it saw the probe's calls).
  grep -E '^@\[' "$WORK/$name.bpftrace.out" > "$WORK/$name.bpftrace-counts.txt" || true
  status_line "$name" "ran"
}

# kernel: the probe under `stidebench watch --backend kernel --pid PROBE`, with a model trained on a
# strace recording of a short normal probe run (so the detector sees its normal calls, as it would watch
# a normal service).
run_kernel() { # name
  local name="$1"
  echo "== $name"
  "$WORK/probe" "$WORK/$name" "$R_ITER" "$R_SAMPLES" &
  PROBE_PID=$!
  local pid; pid="$(wait_ready "$WORK/$name")"
  node dist/cli.js watch --backend kernel --pid "$pid" --model "$WORK/probe.model" --frame 100 --ratio 0.15 --allow-loss --json \
    > "$WORK/$name.watch.jsonl" 2> "$WORK/$name.watch.err" &
  BPF_PID=$!
  local i=0
  while ! grep -q attached "$WORK/$name.watch.err" 2>/dev/null; do
    if ! kill -0 "$BPF_PID" 2>/dev/null || [ "$i" -gt 1200 ]; then
      kill -KILL "$PROBE_PID" 2>/dev/null || true
      wait_timeout "$PROBE_PID" 10 || true
      stop_now "$BPF_PID"
      PROBE_PID=""; BPF_PID=""
      rm -f "$WORK/$name.csv" "$WORK/$name.meta"
      status_line "$name" "not run: watch --backend kernel failed: $(tr '\n' ' ' < "$WORK/$name.watch.err" | cut -c1-300)"
      return 0
    fi
    sleep 0.1
    i=$((i + 1))
  done
  sleep 0.5
  kill -USR1 "$pid"
  local ok=1
  wait_timeout "$PROBE_PID" "$TIMEOUT" || ok=0
  PROBE_PID=""
  stop_now "$BPF_PID"
  BPF_PID=""
  tail -1 "$WORK/$name.watch.jsonl" > "$WORK/$name.kernel-summary.json" 2>/dev/null || true
  if [ "$ok" = 0 ]; then status_line "$name" "failed: timeout after $TIMEOUT s"; rm -f "$WORK/$name.csv" "$WORK/$name.meta"; return 0; fi
  status_line "$name" "ran"
}

train_probe_model() {
  [ -f dist/cli.js ] || npm run build >/dev/null
  rm -f "$WORK/train.ready"
  node dist/cli.js record -o "$WORK/probe.strace" -- "$WORK/probe" "$WORK/train" 20000 1000 > /dev/null 2> "$WORK/train.err" &
  local rp=$!
  local tp; tp="$(wait_ready "$WORK/train")"
  kill -USR1 "$tp"
  wait_timeout "$rp" "$TIMEOUT" || return 1
  node dist/cli.js train --data "$WORK/probe.strace" --label normal --program probe -o "$WORK/probe.model" >> "$WORK/train.err" 2>&1
}

BPF_OK=1
if ! command -v bpftrace >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing bpftrace"
    apt-get install -y bpftrace >/dev/null 2>&1 || true
  fi
fi
BPF_WHY=""
if ! command -v bpftrace >/dev/null; then
  BPF_OK=0
  BPF_WHY="not run: bpftrace not installed and could not be installed"
elif [ "$(id -u)" != 0 ]; then
  BPF_OK=0
  BPF_WHY="not run: needs root"
else
  echo "bpftrace=$(bpftrace --version 2>/dev/null | head -1)" >> "$WORK/machine.txt"
  # bpftrace needs tracefs.
  [ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
  if [ ! -d /sys/kernel/tracing/events ] && [ ! -d /sys/kernel/debug/tracing/events ]; then
    BPF_OK=0
    BPF_WHY="not run: tracefs not mounted and mount -t tracefs nodev /sys/kernel/tracing failed"
  fi
fi
KERNEL_OK=0
KERNEL_WHY="$BPF_WHY"
if [ "$BPF_OK" = 1 ]; then
  if train_probe_model; then KERNEL_OK=1; else KERNEL_WHY="not run: training the probe model failed: $(tail -2 "$WORK/train.err" | tr '\n' ' ')"; fi
fi

for r in $(seq 1 "$ROUNDS"); do
  run_plain "untraced.r$r"
  if command -v strace >/dev/null; then
    run_plain "strace.r$r" strace -f -o /dev/null
  else
    status_line "strace.r$r" "not run: strace not installed"
  fi
  if [ "$BPF_OK" = 1 ]; then
    run_bpftrace "bpftrace.r$r" self
    run_bpftrace "bpftrace-other.r$r" other
  else
    status_line "bpftrace.r$r" "$BPF_WHY"
    status_line "bpftrace-other.r$r" "$BPF_WHY"
  fi
  if [ "$KERNEL_OK" = 1 ]; then run_kernel "kernel.r$r"; else status_line "kernel.r$r" "$KERNEL_WHY"; fi
  run_plain "untraced-2.r$r"
done

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$WORK/machine.txt"
echo "seconds=$(( $(date +%s) - START ))" >> "$WORK/machine.txt"
if ! npx tsx scripts/timing-analyze.ts --in "$WORK" --out "$OUT"; then
  KEEP="$(mktemp -d /tmp/side-channel-raw.XXXXXX)"
  cp -r "$WORK"/. "$KEEP"/
  echo "analysis failed; the measurements are kept in $KEEP (re-run: npx tsx scripts/timing-analyze.ts --in $KEEP --out $OUT)" >&2
  exit 1
fi
