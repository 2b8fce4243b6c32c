// Owns the command line of the per-program profile study: reads experiments/profiles.yaml, runs
// src/experiments/profiles.ts and writes results/profiles/ (summary.md, metrics.json, SVG figures)
// atomically.
//   npx tsx scripts/profiles.ts [--data-dir D] [--config experiments/profiles.yaml] [--out results/profiles]
// Data: --data-dir, else $STIDEBENCH_DATA, else <package root>/data (UNM datasets must be there).

import { parseArgs } from 'node:util';
import { InputError } from '../src/errors.js';
import { resolveDataDir } from '../src/datasets/registry.js';
import { loadProfilesConfig, renderProfiles, runProfiles } from '../src/experiments/profiles.js';
import { writeResultDir } from '../src/report/write.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      config: { type: 'string', default: 'experiments/profiles.yaml' },
      out: { type: 'string', default: 'results/profiles' },
    },
  });
  const t0 = performance.now();
  const cfg = loadProfilesConfig(values.config!);
  const dataDir = resolveDataDir(values['data-dir']);
  console.log(`data: ${dataDir}`);
  const res = runProfiles(cfg, { dataDir, log: (s) => console.log(s) });
  const seconds = (performance.now() - t0) / 1000;
  const files = await renderProfiles(res, { seconds, when: new Date().toISOString().slice(0, 10), node: `Node ${process.version}` });
  writeResultDir(values.out!, files);
  console.log(`wrote ${values.out} (${Object.keys(files).length} files) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e: unknown) => {
  if (e instanceof InputError) {
    console.error(`error: ${e.message}`);
    process.exit(1);
  }
  throw e;
});
