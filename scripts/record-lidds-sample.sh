#!/usr/bin/env bash
# Record the LID-DS-format samples (datasets/lidds-sample-2021/, datasets/lidds-sample-2019/): a small
# real service under a scripted exploit, recorded with strace and converted to the LID-DS formats.
#
#   bash scripts/record-lidds-sample.sh              # record, convert, write both manifests
#
# Builds scripts/lidds-sample/pingd.c (a threaded "host check" service with a command injection,
# CWE-78), runs it under `strace -f -ttt -T -qq` on 127.0.0.1 and drives it with
# scripts/lidds-sample/client.py: normal recordings send 3 host names; attack recordings send 2, then the
# exploit ("x; cat /etc/hostname", its wall-clock time written down by the client), then 1 more. Each
# recording is converted by scripts/strace-to-lidds.ts into a LID-DS 2021 zip (scenario CWE-78_pingd:
# training 4, validation 2, test/normal 2, test/normal_and_attack 3) and the first six (4 normal, 2
# attack) also into LID-DS 2019 text files with a runs.csv. Needs strace, cc, python3, node.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for tool in strace cc python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "record-lidds-sample: missing tool: $tool" >&2; exit 1; }
done
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
cc -O1 -pthread -o "$WORK/pingd" "$ROOT/scripts/lidds-sample/pingd.c"
S21="$ROOT/datasets/lidds-sample-2021/data/CWE-78_pingd"
S19="$ROOT/datasets/lidds-sample-2019/data/CWE-78_pingd"
rm -rf "$ROOT/datasets/lidds-sample-2021/data" "$ROOT/datasets/lidds-sample-2019/data"
mkdir -p "$S21" "$S19"
PORT=$((40000 + RANDOM % 20000))
n19=0
record() { # part name attack(0/1)
  local part="$1" name="$2" attack="$3"
  local trace="$WORK/$name.strace" et="$WORK/$name.exploit"
  (cd "$WORK" && exec strace -f -ttt -T -qq -o "$trace" ./pingd "$PORT") &
  PIDS+=($!)
  if [ "$attack" = 1 ]; then
    python3 "$ROOT/scripts/lidds-sample/client.py" "$PORT" 4 2 "$et"
  else
    python3 "$ROOT/scripts/lidds-sample/client.py" "$PORT" 3
  fi
  wait "${PIDS[-1]}"
  local args=(--strace "$trace" --name "$name" --uid "$(id -u)" --zip "$S21/$part/$name.zip")
  [ "$attack" = 1 ] && args+=(--exploit-time "$(cat "$et")")
  if [ $n19 -lt 6 ] && { [ "$part" = training ] || [ "$part" = test/normal_and_attack ]; }; then
    args+=(--txt "$S19/$name.txt" --runs-csv "$S19/runs.csv")
    n19=$((n19 + 1))
  fi
  (cd "$ROOT" && npx tsx scripts/strace-to-lidds.ts "${args[@]}")
  PORT=$((PORT + 1))
  echo "recorded $part/$name"
}
for i in 1 2 3 4; do record training "normal_train_$i" 0; done
for i in 1 2; do record test/normal_and_attack "exploit_test_$i" 1; done
record test/normal_and_attack exploit_test_3 1
for i in 1 2; do record validation "normal_validation_$i" 0; done
for i in 1 2; do record test/normal "normal_test_$i" 0; done
(cd "$ROOT" && npx tsx scripts/lidds-sample/manifests.ts)
