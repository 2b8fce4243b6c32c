// One preparation pipeline: on the same folder, `run` (an inline dataset), `detect` (CLI) and
// `train` + `watch --input` give the same database size and the same per-trace numbers, for every
// detector with an online form. The folder holds real strace recordings of the toy server (normal/ and
// attack/ folders, sidecars), with fork and execve, so xenids' resets are exercised.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiments/loader.js';
import { runExperiment } from '../../src/experiments/run.js';
import { countThreshold } from '../../src/eval/threshold.js';
import { loadModel, saveModel, trainFromFiles } from '../../src/live/model-file.js';
import { watch } from '../../src/live/watch.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const DATA = join(ROOT, 'datasets', 'toy-server', 'traces');
const ATTACK = join(DATA, 'attack');
const tmp = mkdtempSync(join(tmpdir(), 'stidebench-pipeline-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const K = 6;
const FRAME = 20;
const THRESHOLD = 4;

interface PerFile {
  windows: number;
  mismatches: number;
}

function sink(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}

/** Sums per source file (watch reports per stream, i.e. per file; batch per process). */
function byFile(rows: { source: string; windows: number; mismatches: number }[]): Record<string, PerFile> {
  const out: Record<string, PerFile> = {};
  for (const r of rows) {
    const f = r.source.slice(r.source.lastIndexOf('/') + 1);
    const o = (out[f] ??= { windows: 0, mismatches: 0 });
    o.windows += r.windows;
    o.mismatches += r.mismatches;
  }
  return out;
}

const DETECTORS: { kind: string; scope: 'shared' | 'per-program'; params?: Record<string, number> }[] = [
  { kind: 'xenids', scope: 'shared' },
  { kind: 'stide', scope: 'shared' },
  { kind: 'tstide', scope: 'shared', params: { rareFraction: 0.001 } },
  { kind: 'lookahead', scope: 'shared' },
  { kind: 'hamming', scope: 'shared', params: { minDistance: 2 } },
];

describe('one pipeline: run, detect and train + watch agree', () => {
  for (const d of DETECTORS) {
    it(`${d.kind}/${d.scope}: same DB size and per-trace numbers`, async () => {
      const params = d.params ?? {};
      const paramsYaml = Object.keys(params).length > 0 ? `, params: ${JSON.stringify(params)}` : '';
      const scopeYaml = d.kind === 'xenids' ? '' : `, scope: ${d.scope}`;
      // run: the folder as an inline dataset (labels from folder names), all normal traces train.
      const exp = parseExperiment(
        `name: same-folder
datasets:
  - name: toy
    inline: { path: ${JSON.stringify(DATA)}, format: strace, labels: folders, program: { from: sidecar } }
detectors:
  - { kind: ${d.kind}${scopeYaml}${paramsYaml} }
k: ${K}
frames: ${FRAME}
thresholds: { count: ${THRESHOLD} }
`,
        join(tmp, 'x.yaml'),
      );
      const result = await runExperiment(exp, { dataDir: tmp });
      const cell = result.cells[0]!;
      expect(cell.attack.length).toBeGreaterThan(5);
      const runRows = cell.attack.map((s) => ({ source: s.meta.source, windows: s.windows, mismatches: s.mismatches, maxLfc: s.frames[0]!.maxLfc }));

      // detect: the same folder for training (attack/ files are skipped), attack/ for testing.
      const args = ['detect', '--train', DATA, '--test', ATTACK, '--format', 'strace', '--detector', d.kind, '-k', String(K), '--frame', String(FRAME), '--threshold', String(THRESHOLD), '--json'];
      if (d.kind !== 'xenids') args.push('--scope', d.scope);
      for (const [p, v] of Object.entries(params)) args.push('--param', `${p}=${v}`);
      const out = spawnSync('node', [CLI, ...args], { encoding: 'utf8' });
      expect(out.status, out.stderr).toBe(0);
      const det = JSON.parse(out.stdout) as { dbSize: number; traces: { source: string; pid: number; label: string; windows: number; mismatches: number; maxLfc: number }[] };
      expect(det.dbSize).toBe(cell.dbSize);
      expect(det.traces.every((t) => t.label === 'attack')).toBe(true);
      const detRows = det.traces.map((t) => ({ source: t.source.slice(DATA.length + 1), windows: t.windows, mismatches: t.mismatches, maxLfc: t.maxLfc }));
      expect(detRows).toEqual(runRows);
      // Some windows must mismatch and some must not, or the comparison proves little.
      const mm = runRows.reduce((n, r) => n + r.mismatches, 0);
      const w = runRows.reduce((n, r) => n + r.windows, 0);
      expect(mm).toBeGreaterThan(0);
      expect(mm).toBeLessThan(w);

      // train + watch --input, through a saved model file.
      const { model } = trainFromFiles({ data: [DATA], format: 'strace', detector: d.kind, scope: d.kind === 'xenids' ? undefined : d.scope, params, k: K });
      expect(model.training.skippedFiles).toBeGreaterThan(0);
      const path = join(tmp, `${d.kind}.model`);
      saveModel(path, model);
      const back = loadModel(path);
      expect(back.detector.dbSize).toBe(cell.dbSize);
      expect(back.alphabet.size).toBe(result.datasets[0]!.alphabet);
      const watched: Record<string, PerFile> = {};
      for (const f of readdirSync(ATTACK).filter((f) => f.endsWith('.strace')).sort()) {
        const r = await watch(back, { kind: 'input', path: join(ATTACK, f) }, { frame: FRAME, policy: countThreshold(THRESHOLD), out: sink(), format: 'strace' });
        watched[f] = { windows: r.summary.windows, mismatches: r.summary.mismatches };
      }
      expect(watched).toEqual(byFile(runRows));
    }, 60_000);
  }

  it('through the CLI: train --detector hamming --param minDistance=2, watch --input --json equals detect', () => {
    const model = join(tmp, 'cli-hamming.model');
    const tr = spawnSync('node', [CLI, 'train', '--data', DATA, '--format', 'strace', '--detector', 'hamming', '--scope', 'shared', '--param', 'minDistance=2', '-k', String(K), '-o', model], { encoding: 'utf8' });
    expect(tr.status, tr.stderr).toBe(0);
    expect(tr.stdout).toMatch(/trained hamming \(k=6, shared\) on \d+ traces .*\(9 non-normal skipped\): 1 database\(s\), DB size \d+/);
    const file = join(ATTACK, 'malicious-shell-1.strace');
    const w = spawnSync('node', [CLI, 'watch', '--model', model, '--input', file, '--frame', String(FRAME), '--threshold', String(THRESHOLD), '--json'], { encoding: 'utf8' });
    expect(w.status, w.stderr).toBe(3); // 3: an alarm was raised
    const summary = JSON.parse(w.stdout.trim().split('\n').pop()!);
    const d = spawnSync('node', [CLI, 'detect', '--train', DATA, '--test', file, '--format', 'strace', '--detector', 'hamming', '--scope', 'shared', '--param', 'minDistance=2', '-k', String(K), '--json'], { encoding: 'utf8' });
    expect(d.status, d.stderr).toBe(0);
    const rows = (JSON.parse(d.stdout) as { traces: PerFile[] }).traces;
    expect({ windows: summary.windows, mismatches: summary.mismatches }).toEqual({ windows: rows.reduce((n, r) => n + r.windows, 0), mismatches: rows.reduce((n, r) => n + r.mismatches, 0) });
    expect(summary.mismatches).toBeGreaterThan(0);
  }, 60_000);

  it('the model alphabet always holds the reset calls (vfork, execveat), even when training never saw them', () => {
    const { model } = trainFromFiles({ data: [join(DATA, 'normal')], format: 'strace', detector: 'xenids', k: K });
    for (const n of ['execve', 'execveat', 'vfork']) expect(model.alphabet.idOf(n), n).toBeDefined();
  });
});
