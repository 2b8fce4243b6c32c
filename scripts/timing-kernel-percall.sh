#!/usr/bin/env bash
# Owns the per-call cost microbenchmark of the eBPF capture paths (issue 13: "measure each step"): the
# cheapest system calls (`dd if=/dev/zero of=/dev/null bs=1 count=N`: one read and one write per byte),
# timed by dd itself, natively and under
#   count-probe  bpftrace raw_syscalls:sys_enter filtered to dd's pid, counting in the kernel only
#                (the Figure 3 count-only probe: bpftrace 0.17 attaches a perf tracepoint);
#   kernel       stidebench watch --backend kernel -- dd ... (the xenids detector in eBPF, k = 6,
#                frame 100, ratio 0.15, model trained on a strace recording of dd).
# Repetitions are interleaved (rep -> configuration). Extra cost per call = (median seconds - native
# median seconds) / (2 N).
#
#   bash scripts/timing-kernel-percall.sh [--reps 5] [--count 1000000] [--out results/paper-figure3]
#
# Writes OUT/kernel-percall.json and OUT/kernel-percall.md. Needs root, bpftrace, clang + libbpf-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=5
N=1000000
OUT=results/paper-figure3
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS="$2"; shift 2 ;;
    --count) N="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
WORK=$(mktemp -d /tmp/kernel-percall.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[ -f dist/cli.js ] || npm run build >/dev/null
DD=(/bin/dd if=/dev/zero of=/dev/null bs=1 "count=$N")
node dist/cli.js record -o "$WORK/dd.strace" -- /bin/dd if=/dev/zero of=/dev/null bs=1 count=2000 2>/dev/null
node dist/cli.js train --data "$WORK/dd.strace" --detector xenids -k 6 -o "$WORK/dd.model" >"$WORK/train.txt"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
MHZ=$(awk -F: '/cpu MHz/ {s += $2; n++} END {if (n) printf "%.0f", s / n}' /proc/cpuinfo)
secs() { sed -n 's/.*copied, \([0-9.e-]*\) s.*/\1/p' | tail -1; }
CONFIGS=(native count-probe kernel)
: >"$WORK/runs.tsv"
for rep in $(seq 1 "$REPS"); do
  for cfg in "${CONFIGS[@]}"; do
    case "$cfg" in
      native) s=$("${DD[@]}" 2>&1 | secs) ;;
      count-probe) s=$(bpftrace -e 'tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @n = count(); }' -c "${DD[*]}" 2>&1 | secs) ;;
      kernel) s=$(node dist/cli.js watch --backend kernel --model "$WORK/dd.model" --frame 100 --ratio 0.15 --json -- "${DD[@]}" 2>&1 >"$WORK/watch.$rep.json" | secs)
        grep -q '"lostEvents":0' "$WORK/watch.$rep.json" || echo "warning: kernel run $rep lost events" >&2 ;;
    esac
    [ -n "$s" ] || { echo "no time from $cfg (rep $rep)" >&2; exit 1; }
    printf '%s\t%s\t%s\n' "$cfg" "$rep" "$s" >>"$WORK/runs.tsv"
  done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$OUT"
node - "$WORK/runs.tsv" "$N" "$REPS" "$LOAD_START" "$LOAD_END" "$MHZ" "$(uname -r)" "$(bpftrace --version)" "$OUT" <<'EOF'
const [file, n, reps, loadStart, loadEnd, mhz, kernel, bpftrace, out] = process.argv.slice(2);
const fs = require('node:fs');
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split('\t'));
const by = {};
for (const [cfg, , s] of rows) (by[cfg] ??= []).push(Number(s));
const med = (a) => { const b = [...a].sort((x, y) => x - y); const m = b.length >> 1; return b.length % 2 ? b[m] : (b[m - 1] + b[m]) / 2; };
const calls = 2 * Number(n);
const native = med(by.native);
const res = Object.entries(by).map(([cfg, a]) => ({
  config: cfg, seconds: a, median: med(a), min: Math.min(...a), max: Math.max(...a),
  usPerCall: Math.round((med(a) / calls) * 1e6 * 1000) / 1000,
  extraUsPerCall: Math.round(((med(a) - native) / calls) * 1e6 * 1000) / 1000,
}));
const meta = { command: `dd if=/dev/zero of=/dev/null bs=1 count=${n}`, calls, reps: Number(reps), loadStart, loadEnd, cpuMHz: Number(mhz), kernel, bpftrace };
fs.writeFileSync(`${out}/kernel-percall.json`, JSON.stringify({ ...meta, results: res }, null, 2) + '\n');
const md = [
  '# kernel-percall',
  '',
  `Per-call cost of the eBPF capture paths on the cheapest calls: \`${meta.command}\` (${calls.toLocaleString('en')} calls), timed by dd, ${reps} interleaved repetitions; median (min–max). Reproduce: \`bash scripts/timing-kernel-percall.sh\`.`,
  '',
  `Kernel ${kernel}, ${bpftrace}, CPU clock ${mhz} MHz, load average ${loadStart} at start, ${loadEnd} at end.`,
  '',
  '| configuration | dd seconds | µs per call | extra µs per call vs native |',
  '| :-- | --: | --: | --: |',
  ...res.map((r) => `| ${r.config} | ${r.median.toFixed(3)} (${r.min.toFixed(3)}–${r.max.toFixed(3)}) | ${r.usPerCall.toFixed(3)} | ${r.config === 'native' ? '—' : '+' + r.extraUsPerCall.toFixed(3)} |`),
  '',
];
fs.writeFileSync(`${out}/kernel-percall.md`, md.join('\n'));
process.stdout.write(md.join('\n'));
EOF
