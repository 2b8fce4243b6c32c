// The LID-DS-format sample through a whole experiment: exploit outcomes from the one scoring pass agree
// with a direct re-implementation of LID-DS's PerformanceMeasurement walk (every window of every thread,
// alarm = foreign window, compared with the exploit time), and the exploit documents are deterministic.

import { describe, expect, it } from 'vitest';
import { getDataset } from '../../src/datasets/registry.js';
import { loadDatasetAsync } from '../../src/datasets/load.js';
import { trainModel } from '../../src/detectors/registry.js';
import { recordingOutcomes } from '../../src/eval/exploit-metrics.js';
import { countThreshold } from '../../src/eval/threshold.js';
import { parseExperiment } from '../../src/experiments/loader.js';
import { runExperiment } from '../../src/experiments/run.js';
import { exploitFiles } from '../../src/report/exploit.js';
import { Alphabet } from '../../src/traces/alphabet.js';
import { exploitTiming } from '../../src/traces/readers/index.js';

const YAML = `
name: lidds-check
datasets:
  - name: lidds-sample-2021
    split:
      train: { subset: training }
      calibrate: { subset: validation }
      test: { subset: test-normal }
      attack: { subset: test-attack }
detectors:
  - { kind: stide, scope: shared }
k: [3]
frames: [1]
thresholds: { count: [1] }
`;

describe('LID-DS sample experiment', () => {
  it('exploit outcomes equal a direct LID-DS-style walk over every thread window', async () => {
    const exp = parseExperiment(YAML, 'inline.yaml');
    const r = await runExperiment(exp, { jobs: 1 });
    const cell = r.cells[0]!;
    const outcomes = recordingOutcomes(cell, 0, countThreshold(1), exploitTiming);
    expect(outcomes.filter((o) => o.exploit)).toHaveLength(3);
    expect(outcomes.filter((o) => !o.exploit)).toHaveLength(2);

    // Reference: train Stide on the training recordings, then for each exploit recording walk every
    // window of every thread; a foreign window alarms at its last call's time.
    const loaded = await loadDatasetAsync(getDataset('lidds-sample-2021'), '/nonexistent');
    const a = new Alphabet();
    const train = loaded.traces.filter((t) => t.source.includes('/training/')).map((t) => a.encode(t));
    a.freeze();
    const model = trainModel({ kind: 'stide', scope: 'shared', resetOn: [] }, train, 3);
    const attacks = loaded.traces.filter((t) => t.label === 'attack');
    for (const src of new Set(attacks.map((t) => t.source))) {
      let fp = false;
      let first: { seq: number; time: number } | null = null;
      let exploitSeq = Infinity;
      let E = 0;
      for (const raw of attacks.filter((t) => t.source === src)) {
        const tm = exploitTiming(raw)!;
        E = raw.exploit!.time;
        const signal = model.score(a.encode(raw));
        for (let i = 0; i < tm.times.length; i++) if (tm.times[i]! >= E) exploitSeq = Math.min(exploitSeq, tm.seq[i]!);
        for (let w = 0; w < signal.length; w++) {
          if (signal[w] !== 1) continue;
          const t = tm.times[w + 2]!;
          if (t < E) fp = true;
          else if (first === null || tm.seq[w + 2]! < first.seq) first = { seq: tm.seq[w + 2]!, time: t };
        }
      }
      const o = outcomes.find((x) => x.source === src)!;
      expect(o.falseAlarm).toBe(fp);
      expect(o.detected).toBe(first !== null);
      if (first !== null) {
        expect(o.secondsToDetect).toBe(first.time - E);
        expect(o.callsToDetect).toBe(first.seq - exploitSeq + 1);
      }
    }

    const files = exploitFiles(r);
    expect(Object.keys(files).sort()).toEqual(['exploit.json', 'exploit.md']);
    expect(files['exploit.md']).toMatch(/\| lidds-sample-2021 \| CWE-78_pingd \| stide\/shared \| 3 +\| 1 +\| LFC>=1 /);
    const again = exploitFiles(await runExperiment(exp, { jobs: 1 }));
    expect(again['exploit.json']).toBe(files['exploit.json']);
  });
});
