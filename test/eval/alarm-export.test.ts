// The per-alarm export agrees with the syscall-level counts: every alarm line of a normal trace is one
// CFA, and the calls the lines cover are exactly FP (normal) and TP (attack).
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiments/loader.js';
import { runExperiment } from '../../src/experiments/run.js';
import { resultFiles } from '../../src/report/results.js';

const EXP = `
name: alarm-export
datasets:
  - name: sample
    split: { seed: 3, train: { fraction: 0.5, unit: file }, calibrate: { fraction: 0.3, unit: file }, minLength: 2 }
detectors:
  - { kind: stide, scope: shared }
k: [3, 5]
frames: [4, 10]
thresholds: { count: [1] }
analysis:
  bootstrap: 0
  plots: false
  convergence: false
  scores: [streamSum, mismatchRate]
  rules: [{ rule: max }, { rule: quantile, q: 0.5 }]
  syscallMetrics: true
  alarmExport: true
`;

describe('per-alarm export', () => {
  it('alarm lines match CFA, FP and TP of every LFC score and rule', async () => {
    const exp = parseExperiment(EXP, 'e.yaml');
    const files = await resultFiles(await runExperiment(exp, {}), 'e.yaml', '.', 'x');
    const tsv = String(files['alarms.tsv']).trim().split('\n');
    expect(tsv[0]).toBe('dataset\tdetector\tk\tscore\trule\ttrace\tlabel\tfirst_call\tlast_call');
    const metrics = JSON.parse(String(files['metrics.json'])) as { cells: { k: number; scores: { score: string; rules: { rule: string; syscall?: { consecutiveFalseAlarms: number; falsePositives: number; truePositives: number } }[] }[] }[] };
    let checked = 0;
    for (const cell of metrics.cells) {
      for (const s of cell.scores) {
        for (const r of s.rules) {
          const lines = tsv.slice(1).map((l) => l.split('\t')).filter((f) => Number(f[2]) === cell.k && f[3] === s.score && f[4] === r.rule);
          if (!r.syscall) {
            expect(lines).toHaveLength(0); // mismatch rate: no per-call decision
            continue;
          }
          const covered = (label: string) => lines.filter((f) => f[6] === label).reduce((n, f) => n + Number(f[8]) - Number(f[7]) + 1, 0);
          expect(lines.filter((f) => f[6] === 'normal')).toHaveLength(r.syscall.consecutiveFalseAlarms);
          expect(covered('normal')).toBe(r.syscall.falsePositives);
          expect(covered('attack')).toBe(r.syscall.truePositives);
          for (const f of lines) expect(Number(f[7])).toBeGreaterThanOrEqual(cell.k - 1); // the first k-1 calls never alarm
          checked++;
        }
      }
    }
    expect(checked).toBe(2 * 2 * 2); // k x frames x rules for StreamSum
    expect(tsv.length).toBeGreaterThan(1);
  });
});
