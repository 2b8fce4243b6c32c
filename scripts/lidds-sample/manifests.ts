// Owns (re)generating the LID-DS registry manifests: lidds-2021 and lidds-2019 (the official data sets,
// downloaded by hand from the LID-DS pages; their per-file sha256 are filled by `datasets fetch`/`verify`
// workflows, not listed here) and the embedded samples lidds-sample-2021 / lidds-sample-2019 recorded by
// scripts/record-lidds-sample.sh (their files and sha256 are taken from disk).
//
//   npx tsx scripts/lidds-sample/manifests.ts

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles, sha256File } from '../../src/datasets/files.js';
import { manifestSchema } from '../../src/datasets/manifest.js';
import { manifestsDir } from '../../src/datasets/registry.js';

const SCENARIOS_2021 = [
  'Bruteforce_CWE-307',
  'CVE-2012-2122',
  'CVE-2014-0160',
  'CVE-2017-7529',
  'CVE-2017-12635_6',
  'CVE-2018-3760',
  'CVE-2019-5418',
  'CVE-2020-9484',
  'CVE-2020-13942',
  'CVE-2020-23839',
  'CWE-89-SQL-injection',
  'EPS_CWE-434',
  'Juice-Shop',
  'PHP_CWE-434',
  'ZipSlip',
];
const SCENARIOS_2019 = [
  'Bruteforce_CWE-307',
  'CVE-2012-2122',
  'CVE-2014-0160',
  'CVE-2017-7529',
  'CVE-2018-3760',
  'CVE-2019-5418',
  'EPS_CWE-434',
  'PHP_CWE-434',
  'SQL_Injection_CWE-89',
  'ZipSlip',
];

const CITE_2021 =
  'M. Grimmer, T. Kaelble, F. Nirsberger, E. Schulze, T. Rucks, J. Hoffmann and E. Rahm, Dataset Report: LID-DS 2021, Critical Information Infrastructures Security (CRITIS 2022), LNCS 13723, Springer, 2023';
const CITE_2019 =
  'M. Grimmer, M. M. Röhling, D. Kreusel and S. Ganz, A Modern and Sophisticated Host Based Intrusion Detection Data Set, IT-Sicherheit als Voraussetzung für eine erfolgreiche Digitalisierung (D-A-CH Security), 2019, pp. 135-145';
const HOME = 'https://github.com/LID-DS/LID-DS';
const READER_NOTE =
  'Read like LID-DS\'s own loaders (dataloader/recording_20xx.py): by default only enter events (">", the default of dataloader_factory) count and each thread is one trace (thread-aware n-grams); set reader.direction (enter, exit, both) and reader.windows (thread, process, recording) to change that. A recording is an attack iff its metadata says exploit; its traces carry the exploit time, which splits them into before (false alarms) and after (detection).';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function rules2021(): object[] {
  return [
    { pattern: '^([^/]+)/(training|validation|test/normal)/[^/]+\\.zip$', label: 'normal', program: '$1', family: '$1' },
    { pattern: '^([^/]+)/test/normal_and_attack/[^/]+\\.zip$', label: 'attack', program: '$1', family: '$1', intrusion: 'file' },
  ];
}

function subsets2021(scenarios: readonly string[]): Record<string, string> {
  const s: Record<string, string> = {
    training: '^[^/]+/training/',
    validation: '^[^/]+/validation/',
    'test-normal': '^[^/]+/test/normal/',
    'test-attack': '^[^/]+/test/normal_and_attack/',
  };
  for (const sc of scenarios) {
    s[`${sc}/training`] = `^${esc(sc)}/training/`;
    s[`${sc}/validation`] = `^${esc(sc)}/validation/`;
    s[`${sc}/test-normal`] = `^${esc(sc)}/test/normal/`;
    s[`${sc}/test-attack`] = `^${esc(sc)}/test/normal_and_attack/`;
  }
  return s;
}

function subsets2019(scenarios: readonly string[]): Record<string, string> {
  return Object.fromEntries(scenarios.map((sc) => [sc, `^${esc(sc)}/`]));
}

function filesOf(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of listFiles(root)) out[rel] = sha256File(join(root, rel));
  return out;
}

function write(name: string, m: Record<string, unknown>): void {
  const checked = manifestSchema.safeParse(m);
  if (!checked.success) throw new Error(`${name}: ${checked.error.message}`);
  writeFileSync(join(manifestsDir(), name, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
  process.stdout.write(`wrote datasets/${name}/manifest.json\n`);
}

const dir = manifestsDir();

write('lidds-2021', {
  name: 'lidds-2021',
  title: 'LID-DS 2021 (Leipzig Intrusion Detection Data Set)',
  description:
    'System calls (sysdig) of 15 real services under real exploits, recorded in containers: per scenario training/, validation/, test/normal/ and test/normal_and_attack/ folders of recording zips, each holding <name>.sc (one event per line: timestamp_ns uid pid process_name tid syscall direction params) and <name>.json (exploit flag and exploit time), plus .res and .pcap members stidebench does not read.',
  format: 'lidds-2021',
  reader: { direction: 'enter', windows: 'thread' },
  root: 'LID-DS-2021',
  program: 'unknown',
  syscallTable: { kind: 'names' },
  rules: rules2021(),
  subsets: subsets2021(SCENARIOS_2021),
  source: {
    homepage: HOME,
    pages: ['https://github.com/LID-DS/LID-DS/wiki'],
    urls: [],
    official: [
      { url: 'https://cloud.scadsai.uni-leipzig.de/index.php/s/cRswswLo2QfLNYL', description: 'LID-DS 2021 download share named in the LID-DS README (one folder per scenario)', verified: false },
    ],
    citation: [CITE_2021],
    terms: 'LID-DS is distributed under the GNU GPL v3 (LID-DS README).',
  },
  files: {},
  notes: [
    READER_NOTE,
    'Download the scenarios by hand from the share into <data dir>/LID-DS-2021/<scenario>/...; the manifest lists no per-file sha256 (tens of GB), so `datasets verify` has nothing to compare until they are added.',
  ],
});

write('lidds-2019', {
  name: 'lidds-2019',
  title: 'LID-DS 2019 (Leipzig Intrusion Detection Data Set)',
  description:
    'System calls (sysdig) of 10 services under exploits: per scenario a runs.csv (image_name, scenario_name, is_executing_exploit, warmup_time, recording_time, exploit_start_time) and one text file per recording (event_no HH:MM:SS.nnnnnnnnn cpu uid process_name tid direction syscall params). The trace file of a scenario is its runs.csv: the reader yields the recordings in runs.csv order, so `count` + `ordered` + `unit: file` splits reproduce LID-DS (first 200 normal recordings train, next 50 validate, the rest and all exploit recordings test).',
  format: 'lidds-2019',
  reader: { direction: 'enter', windows: 'thread' },
  root: 'LID-DS-2019',
  program: 'unknown',
  syscallTable: { kind: 'names' },
  rules: [{ pattern: '^([^/]+)/runs\\.csv$', label: 'normal', program: '$1', family: '$1', intrusion: 'file' }],
  subsets: subsets2019(SCENARIOS_2019),
  source: {
    homepage: HOME,
    pages: ['https://github.com/LID-DS/LID-DS/wiki'],
    urls: [],
    official: [
      { url: 'https://cloud.scadsai.uni-leipzig.de/index.php/s/HLXiWssriRMt9pp', description: 'LID-DS 2019 download share named in the LID-DS README (one folder per scenario)', verified: false },
    ],
    citation: [CITE_2019],
    terms: 'LID-DS is distributed under the GNU GPL v3 (LID-DS README).',
  },
  files: {},
  notes: [
    READER_NOTE,
    'Exploit time as LID-DS computes it for 2019: the first counted event\'s time of day truncated to the second, plus warmup_time - 2 s; calls are compared by whole seconds.',
  ],
});

const S21 = join(dir, 'lidds-sample-2021', 'data');
write('lidds-sample-2021', {
  name: 'lidds-sample-2021',
  title: 'LID-DS 2021-format sample recorded here (pingd under a command injection)',
  description:
    'A threaded "host check" service (scripts/lidds-sample/pingd.c) with a command injection (CWE-78), recorded with strace -f -ttt -T by scripts/record-lidds-sample.sh and converted to LID-DS 2021 recording zips by scripts/strace-to-lidds.ts: scenario CWE-78_pingd with 4 training, 2 validation, 2 test/normal and 3 test/normal_and_attack recordings; the exploit time is the client\'s clock right before it sent the exploit.',
  format: 'lidds-2021',
  reader: { direction: 'enter', windows: 'thread' },
  root: 'data',
  embedded: true,
  program: 'pingd',
  syscallTable: { kind: 'names' },
  rules: rules2021(),
  subsets: subsets2021(['CWE-78_pingd']),
  source: { homepage: 'recorded by scripts/record-lidds-sample.sh', urls: [], citation: [CITE_2021] },
  files: filesOf(S21),
  notes: [READER_NOTE],
});

const S19 = join(dir, 'lidds-sample-2019', 'data');
write('lidds-sample-2019', {
  name: 'lidds-sample-2019',
  title: 'LID-DS 2019-format sample recorded here (pingd under a command injection)',
  description:
    'Six of the lidds-sample-2021 recordings (4 normal, 2 with the exploit) converted to the LID-DS 2019 format (text file per recording plus runs.csv) by scripts/strace-to-lidds.ts; warmup_time is set so that LID-DS\'s rule (first event\'s second + warmup_time - 2) gives the exploit\'s second.',
  format: 'lidds-2019',
  reader: { direction: 'enter', windows: 'thread' },
  root: 'data',
  embedded: true,
  program: 'pingd',
  syscallTable: { kind: 'names' },
  rules: [{ pattern: '^([^/]+)/runs\\.csv$', label: 'normal', program: '$1', family: '$1', intrusion: 'file' }],
  subsets: subsets2019(['CWE-78_pingd']),
  source: { homepage: 'recorded by scripts/record-lidds-sample.sh', urls: [], citation: [CITE_2019] },
  files: filesOf(S19),
  notes: [READER_NOTE],
});
