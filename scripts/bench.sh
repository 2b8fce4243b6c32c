#!/usr/bin/env bash
# Owns the reproducible throughput benchmark run: builds stidebench, then writes
#   results/bench/adfa-ld.json      detectors + naive baseline + ADFA-LD reading (default settings)
#   results/bench/unm-reading.json  reading all 8 UNM programs' .int.gz files against zcat
# and prints the markdown tables of both to stdout.
#
#   STIDEBENCH_DATA=/work/shared/datasets bash scripts/bench.sh
#   CLOCK=wall bash scripts/bench.sh       # ratios on the wall clock (default: cpu; both clocks are always recorded)
#   bash scripts/bench.sh --time 1000      # extra options go to the adfa-ld run
#
# Needs: node >= 20, npm, gzip and bash (zcat baseline). Data: $STIDEBENCH_DATA (or --data-dir).
# The load average before and after goes to stderr: on a shared machine, state it beside the numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
CLOCK="${CLOCK:-cpu}"
OUT="${OUT:-results/bench}"

npm run build --silent
mkdir -p "$OUT"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)" >&2
node dist/cli.js bench --clock "$CLOCK" --json "$@" > "$OUT/adfa-ld.json"
node dist/cli.js bench --clock "$CLOCK" --reading-only --reading unm --min-samples 3 --json > "$OUT/unm-reading.json"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)" >&2
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  import { reportMarkdown } from "./dist/bench/throughput.js";
  for (const f of process.argv.slice(1)) process.stdout.write(reportMarkdown(JSON.parse(readFileSync(f, "utf8"))) + "\n");
' "$OUT/adfa-ld.json" "$OUT/unm-reading.json"
