// Small helpers shared by tests: build encoded traces from syscall names; collect what a command writes;
// a CLI entry with only the live commands (run under tsx, so the live tests need no build).

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { Alphabet } from '../src/traces/alphabet.js';
import type { Trace, Label } from '../src/traces/trace.js';

export function makeTraces(alphabet: Alphabet, specs: { calls: string[]; label?: Label; program?: string; pid?: number; family?: string | null; source?: string }[]): Trace[] {
  return specs.map((s, i) => ({
    dataset: 'test',
    source: s.source ?? `t${i}`,
    pid: s.pid ?? i,
    label: s.label ?? 'normal',
    program: s.program ?? 'p',
    family: s.family ?? null,
    intrusion: s.label === 'attack' ? (s.source ?? `t${i}`) : null,
    calls: Int32Array.from(s.calls.map((c) => alphabet.intern(c))),
    alphabet,
  }));
}

/** Deterministic pseudo-random call sequence over an alphabet of size m. */
export function randomCalls(n: number, m: number, seed: number): Int32Array {
  let a = seed >>> 0;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) % m;
  }
  return out;
}

/** A Writable that keeps everything written to it, as text (watch's reports in the live tests). */
export function collectOutput(): { out: Writable; text: () => string } {
  let buf = '';
  return {
    out: new Writable({
      write(c, _e, cb) {
        buf += String(c);
        cb();
      },
    }),
    text: () => buf,
  };
}

const ROOT = resolve(import.meta.dirname, '..');

/** Writes `<dir>/cli-entry.ts`: the live commands (record, train, watch) under commander; returns its path. */
export function writeLiveCliEntry(dir: string): string {
  const entry = join(dir, 'cli-entry.ts');
  writeFileSync(
    entry,
    [
      `import { Command } from ${JSON.stringify(join(ROOT, 'node_modules/commander/esm.mjs'))};`,
      `import { registerLiveCommands } from ${JSON.stringify(join(ROOT, 'src/cli/live.ts'))};`,
      `const p = new Command();`,
      `registerLiveCommands(p);`,
      `p.parseAsync(process.argv).catch((e) => { process.stderr.write('stidebench: ' + e.message + '\\n'); process.exit(1); });`,
    ].join('\n'),
  );
  return entry;
}
