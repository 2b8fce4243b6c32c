// Converts a `strace -f -o FILE` capture (with or without -n) into the compact UNM form used by the
// embedded datasets: one `pid syscall-number` line per call, x86_64 numbers, gzipped.
//
//   npx tsx scripts/strace-to-unm.ts IN.strace OUT.int.gz [--max-calls N] [--stats FILE.json]
//
// A call split by `<unfinished ...>` counts once (at its first line); `<... resumed>`, signals,
// `+++ exited +++` lines and strace's own messages are not calls (StraceLineParser's rules). The
// number printed by `strace -n` is used when present and cross-checked against the x86_64 table;
// without -n the name is looked up in the table (`syscall_0x1b3` style names give their number).
// Pids are kept as recorded. With --max-calls only the first N calls of the capture are kept.
// Prints a one-line JSON summary (also written to --stats).

import { createReadStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { StraceLineParser } from '../src/traces/readers/strace-line.js';
import { linuxX86_64 } from '../src/traces/syscalls/linux-x86_64.js';

interface Summary {
  input: string;
  output: string;
  /** Calls written. */
  calls: number;
  /** Calls in the capture (before --max-calls). */
  recordedCalls: number;
  capped: boolean;
  /** Distinct pids among the calls written (threads count as pids: strace -f prints thread ids). */
  processes: number;
  /** Distinct syscall numbers among the calls written. */
  distinctCalls: number;
  /** Lines that were not strace output. */
  skippedLines: number;
  /** Names strace printed whose -n number differs from the table's (name -> [strace nr, table nr]). */
  mismatches: Record<string, [number, number | null]>;
  /** Names without -n number that the table does not know (dropped). */
  unknownNames: Record<string, number>;
  bytes: number;
}

function usage(): never {
  process.stderr.write('usage: tsx scripts/strace-to-unm.ts IN.strace OUT.int.gz [--max-calls N] [--stats FILE.json]\n');
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const pos: string[] = [];
  let maxCalls = Infinity;
  let statsFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--max-calls') {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v <= 0) usage();
      maxCalls = v;
    } else if (a === '--stats') {
      statsFile = args[++i];
      if (!statsFile) usage();
    } else if (a.startsWith('--')) usage();
    else pos.push(a);
  }
  if (pos.length !== 2) usage();
  const [input, output] = pos as [string, string];

  const parser = new StraceLineParser({ file: input, strict: false });
  const parts: string[] = [];
  let chunk = '';
  let calls = 0;
  let recorded = 0;
  const pids = new Set<number>();
  const numbers = new Set<number>();
  const mismatches: Summary['mismatches'] = {};
  const unknownNames: Summary['unknownNames'] = {};

  const rl = createInterface({ input: createReadStream(input, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    const call = parser.parseLine(line);
    if (call === null) continue;
    let nr = call.nr;
    const known = linuxX86_64.numberOf(call.name);
    if (nr === null) {
      const raw = /^syscall_0x([0-9a-f]+)$/.exec(call.name);
      nr = known ?? (raw ? parseInt(raw[1]!, 16) : null);
      if (nr === null) {
        unknownNames[call.name] = (unknownNames[call.name] ?? 0) + 1;
        continue;
      }
    } else if (known !== nr && !call.name.startsWith('syscall_')) {
      mismatches[call.name] = [nr, known ?? null];
    }
    recorded++;
    if (calls >= maxCalls) continue;
    const pid = call.pid ?? 0;
    pids.add(pid);
    numbers.add(nr);
    chunk += `${pid} ${nr}\n`;
    calls++;
    if (chunk.length > 1 << 20) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  const gz = gzipSync(Buffer.from(parts.join(''), 'latin1'), { level: 9 });
  writeFileSync(output, gz);

  const summary: Summary = {
    input,
    output,
    calls,
    recordedCalls: recorded,
    capped: recorded > calls,
    processes: pids.size,
    distinctCalls: numbers.size,
    skippedLines: parser.skipped,
    mismatches,
    unknownNames,
    bytes: gz.length,
  };
  const json = JSON.stringify(summary);
  if (statsFile) writeFileSync(statsFile, json + '\n');
  process.stdout.write(json + '\n');
  if (Object.keys(mismatches).length > 0) {
    process.stderr.write(`strace-to-unm: ${input}: strace numbers differ from the x86_64 table for ${Object.keys(mismatches).join(', ')}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`strace-to-unm: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
