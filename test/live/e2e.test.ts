// End-to-end demonstration of live detection with the real strace: record 5 normal runs of
// `tar -czf` on small generated trees, train a xenids model, save and reload it, then watch
// (a) another normal run: no alarm, and
// (b) tar made to spawn a shell (`--checkpoint-action=exec=/bin/sh -c id`): alarms naming the offending
//     windows as syscall names, and with --on-alarm kill the offender is killed.
// The last test drives the same flow through the command line (record / train / watch --json).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ratioThreshold } from '../../src/eval/threshold.js';
import { loadModel, saveModel, trainFromFiles, type SavedModel } from '../../src/live/model-file.js';
import { record } from '../../src/live/record.js';
import { watch, type WatchResult } from '../../src/live/watch.js';
import { collectOutput, writeLiveCliEntry } from '../helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'stidebench-e2e-'));
const recs = join(dir, 'recordings');
let model: SavedModel;

/** A small tree whose size depends on i (deterministic content). */
function makeTree(i: number): string {
  const src = join(dir, `src${i}`);
  mkdirSync(join(src, 'sub', 'deeper'), { recursive: true });
  for (let j = 0; j < 2 + i; j++) {
    writeFileSync(join(src, 'sub', `f${j}.txt`), `file ${i}.${j}\n`.repeat(50 * (j + 1)));
  }
  writeFileSync(join(src, 'sub', 'deeper', 'readme'), `tree ${i}\n`);
  return `src${i}`;
}

const tarArgs = (i: number, out: string): string[] => ['tar', '-czf', join(dir, out), '-C', dir, makeTree(i)];
const SHELL_ESCAPE = ['--checkpoint=1', '--checkpoint-action=exec=/bin/sh -c id'];

async function watchCommand(argv: string[], onAlarm: 'report' | 'kill' = 'report'): Promise<WatchResult & { text: string }> {
  const o = collectOutput();
  const r = await watch(model, { kind: 'command', argv }, { frame: 100, policy: ratioThreshold(0.15), onAlarm, out: o.out, stdio: 'ignore', keepReports: true });
  return { ...r, text: o.text() };
}

beforeAll(async () => {
  mkdirSync(recs);
  for (let i = 1; i <= 5; i++) {
    const r = await record({ output: join(recs, `tar-${i}.strace`), command: tarArgs(i, `out${i}.tgz`), stdio: 'ignore' });
    expect(r.exitStatus).toBe(0);
  }
  const trained = trainFromFiles({ data: [recs], detector: 'xenids', k: 6 });
  const path = join(dir, 'tar.model');
  saveModel(path, trained.model);
  model = loadModel(path);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('end to end: record -> train -> watch (real strace, real tar)', () => {
  it('trained on the 5 recordings (tar and its gzip child), program names from the sidecars', () => {
    expect(model.training.files).toBe(5);
    expect(model.training.traces).toBeGreaterThanOrEqual(10);
    expect(model.training.tracesPerProgram).toHaveProperty('tar');
    expect(model.detector.dbSize).toBeGreaterThan(100);
  });

  it('(a) another normal tar run raises no alarm', async () => {
    const r = await watchCommand(tarArgs(6, 'out6.tgz'));
    expect(r.exitStatus).toBe(0);
    expect(r.summary.events).toBeGreaterThan(200);
    expect(r.summary.processes).toBeGreaterThanOrEqual(2);
    expect(r.summary.alarms).toBe(0);
    expect(r.reports).toEqual([]);
    expect(r.text).toMatch(/^summary: \d+ events/m);
  });

  it('(b) tar spawning a shell raises alarms that name the offending syscall windows', async () => {
    const r = await watchCommand([...tarArgs(7, 'out7.tgz'), ...SHELL_ESCAPE]);
    expect(r.exitStatus).toBe(0);
    expect(r.summary.processesAlarmed).toBeGreaterThan(0);
    expect(r.reports.length).toBeGreaterThan(0);
    for (const rep of r.reports) {
      expect(rep.sequence).toHaveLength(6);
      // Real call names, also for calls the model never saw (never the placeholder '<unknown>').
      for (const n of rep.sequence) expect(n).toMatch(/^[a-z_0-9]+$/);
      expect(rep.lfc).toBeGreaterThanOrEqual(16);
    }
    // The shell (or what it ran) or tar itself is blamed, by program name from its execve.
    expect(r.reports.map((x) => x.program)).toEqual(expect.arrayContaining([expect.stringMatching(/^(sh|id|tar)$/)]));
    expect(r.text).toMatch(/^ALARM \S+ pid=\d+ program=\S+ window=\d+ call=\d+ lfc=\d+\/100 seq=[a-z_0-9]+(,[a-z_0-9]+){5}$/m);
    expect(r.status).toBe(3); // watch's own exit status on an alarm
    expect(r.summary.latency[0]!.calls).toBeGreaterThan(0);
    expect(r.summary.latencyClock).toBe('trace');
  });

  it('(b) with --on-alarm kill, the alarming process is killed', async () => {
    const r = await watchCommand([...tarArgs(8, 'out8.tgz'), ...SHELL_ESCAPE], 'kill');
    expect(r.reports.some((x) => x.action === 'killed')).toBe(true);
    // Each process is acted on once, at its first alarm.
    const killed = r.reports.filter((x) => x.action === 'killed').map((x) => x.pid);
    expect(new Set(killed).size).toBe(killed.length);
  });

  it('the same flow through the CLI: record (argv after --), train, watch --json --input', () => {
    const entry = writeLiveCliEntry(dir);
    const tsx = join(ROOT, 'node_modules/.bin/tsx');
    const run = (args: string[]) => spawnSync(tsx, [entry, ...args], { encoding: 'utf8', cwd: dir });
    const attack = join(dir, 'attack.strace');
    const rec = run(['record', '-o', attack, '--label', 'attack', '--family', 'shell-spawn', '--', ...tarArgs(9, 'out9.tgz'), ...SHELL_ESCAPE]);
    expect(rec.stderr).toMatch(/recorded/);
    expect(rec.status).toBe(0);
    expect(JSON.parse(readFileSync(attack + '.meta.json', 'utf8'))).toMatchObject({ label: 'attack', family: 'shell-spawn', program: 'tar' });
    const cliModel = join(dir, 'cli.model');
    const tr = run(['train', '--data', recs, attack, '-o', cliModel]);
    expect(tr.status).toBe(0);
    expect(tr.stdout).toMatch(/trained xenids .* from 5 files \(1 non-normal skipped\)/);
    const w = run(['watch', '--model', cliModel, '--json', '--input', attack]);
    expect(w.status).toBe(3); // alarmed
    const lines = w.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ type: 'summary' });
    expect(lines.filter((l) => l.type === 'alarm').length).toBeGreaterThan(0);
    const bad = run(['watch', '--model', join(dir, 'nope.model'), '--input', attack]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^stidebench: .*nope\.model: model file not found/);
  });
});
