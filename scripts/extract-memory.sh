#!/usr/bin/env bash
# Owns the archive-extraction memory measurement (issue 14): one tar.gz holding a single member of
# SIZE_MB MiB of text (`seq` output: it compresses about 4:1, under tar's 1000:1 bomb check), extracted
# with extractInto, and the peak RSS of the extracting process (GNU time -v). The download itself is
# one Buffer (as `datasets fetch` passes it); the member streams to disk, so the peak is the download
# plus a constant, not the download plus the member.
#
#   bash scripts/extract-memory.sh 256 1024
#   DIST=path/to/other/dist bash scripts/extract-memory.sh 256       # measure another build
set -euo pipefail
cd "$(dirname "$0")/.."
DIST="${DIST:-dist}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for mb in "${@:-256}"; do
  mkdir -p "$TMP/src" "$TMP/dest-$mb"
  { seq 1 1000000000 || true; } | head -c "${mb}M" > "$TMP/src/member.txt" # seq stops on SIGPIPE
  tar -C "$TMP/src" -czf "$TMP/big.tgz" member.txt
  rm "$TMP/src/member.txt"
  /usr/bin/time -v -o "$TMP/time.txt" node --input-type=module -e '
    import { readFileSync } from "node:fs";
    import { resolve } from "node:path";
    const { extractInto } = await import(resolve(process.argv[1], "datasets/archive.js"));
    const r = await extractInto(readFileSync(process.argv[2]), { extract: "tar.gz", strip: 0 }, process.argv[3], "big.tgz", "https://example.invalid/big.tgz");
    process.stdout.write(r.written.join(",") + "\n");
  ' "$DIST" "$TMP/big.tgz" "$TMP/dest-$mb" > /dev/null
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/time.txt")
  echo "$mb MiB member ($DIST; archive $(( $(stat -c %s "$TMP/big.tgz") / 1024 )) KiB, extracted $(( $(stat -c %s "$TMP/dest-$mb/member.txt") / 1048576 )) MiB): peak RSS $((kb / 1024)) MB"
  rm -rf "$TMP/dest-$mb"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
