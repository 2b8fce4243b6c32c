// Owns the profiles study's entry in the study registry: `stidebench run experiments/profiles.yaml`
// (`study: profiles`) validates the file, runs the study and writes <out>/<name>/ atomically:
// metrics.json (same inputs, same bytes), timings.json (run time, per-stage seconds, lookup cost),
// provenance.json (file, resolved config, dataset checksums), run.json (git-ignored: data folder, commit,
// machine, date), summary.md, SVG figures.

import { manifestChecksum } from '../../experiments/run.js';
import { registerStudy } from '../../experiments/studies.js';
import { getDataset } from '../../datasets/registry.js';
import { runDocument } from '../../report/results.js';
import { stableJson } from '../../report/tables.js';
import { assertReplaceable, resultDirIn, writeResultDir } from '../../report/write.js';
import { parseProfilesConfig, renderProfiles, runProfiles } from './study.js';

registerStudy({
  name: 'profiles',
  description: "per-program profiles identified at run time (the paper's future work)",
  async run({ file, text, dataDir, out, log }) {
    const t0 = performance.now();
    const cfg = parseProfilesConfig(text, file);
    const outDir = resultDirIn(out, cfg.name);
    assertReplaceable(outDir);
    const res = runProfiles(cfg, { dataDir, log });
    const seconds = (performance.now() - t0) / 1000;
    const files: Record<string, string> = await renderProfiles(res, { seconds, when: new Date().toISOString().slice(0, 10), node: `Node ${process.version}` });
    const loaded = new Set(res.groups.flatMap((g) => g.loaded.map((l) => l.dataset)));
    files['provenance.json'] = stableJson({
      studyFile: file,
      resolvedConfig: cfg,
      datasets: [...loaded].sort().map((name) => {
        const m = getDataset(name);
        return { name, manifest: `datasets/${name}/manifest.json`, checksum: manifestChecksum(m.files) };
      }),
    });
    // Where, when and with which commit it ran: beside the result, never compared (ignored by git).
    files['run.json'] = stableJson(runDocument(dataDir));
    writeResultDir(outDir, files);
    const headline = (files['summary.md'] ?? '').split('\n## ').find((s) => s.startsWith('Headline'));
    return { outDir, headline: headline === undefined ? '' : `## ${headline}` };
  },
});
