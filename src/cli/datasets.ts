// Owns the `datasets` CLI commands: list, stats, verify, fetch. Human output is aligned tables, --json
// output has a stable key order. Problems are InputErrors (the CLI prints one line and exits 1); a
// verification mismatch prints the problems and sets exit code 1. `fetch` is async: use parseAsync.

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { fetchDataset } from '../datasets/fetch.js';
import { loadDataset } from '../datasets/load.js';
import type { Manifest } from '../datasets/manifest.js';
import { datasetRoot, getDataset, listDatasets, resolveDataDir } from '../datasets/registry.js';
import { computeStats, SHORT_K, type DatasetStats, type GroupStats } from '../datasets/stats.js';
import { renderTable, type Cell } from '../datasets/table.js';
import { describeProblems, verifyDataset, type VerifyResult } from '../datasets/verify.js';

export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIO: CommandIO = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

function status(m: Manifest, dataDir: string): string {
  if (m.embedded) return 'embedded';
  return existsSync(datasetRoot(m, dataDir)) ? 'present' : 'missing';
}

export function formatList(manifests: readonly Manifest[], dataDir: string): string {
  const rows: Cell[][] = manifests.map((m) => [m.name, m.format, m.embedded ? '(package)' : m.root, status(m, dataDir), m.title]);
  return renderTable(['name', 'format', 'root', 'status', 'title'], rows) + `data directory: ${dataDir}\n`;
}

function groupRow(name: string, g: GroupStats): Cell[] {
  return [
    name,
    g.files,
    g.traces,
    g.singleCall,
    g.syscalls,
    g.multiCall.traces,
    g.multiCall.syscalls,
    g.alphabet,
    g.length?.min ?? null,
    g.length?.median ?? null,
    g.length?.max ?? null,
    g.distinct,
    g.intrusions,
  ];
}

const GROUP_HEADERS = ['group', 'files', 'traces', '1-call', 'syscalls', '>=2-call', '>=2 syscalls', 'alphabet', 'min', 'median', 'max', 'distinct', 'intrusions'];

export function formatStats(s: DatasetStats): string {
  const parts: string[] = [];
  parts.push(`${s.dataset}: ${s.title}\n`);
  parts.push(`${s.files.toLocaleString('en-US')} trace files, ${s.traces.toLocaleString('en-US')} traces, ` +
    `${s.syscalls.toLocaleString('en-US')} system calls, alphabet ${s.alphabet}\n\n`);
  const labelRows = Object.entries(s.labels).map(([k, g]) => groupRow(k, g));
  parts.push('By label (1-call traces are counted in traces and syscalls, and shown separately):\n');
  parts.push(renderTable(GROUP_HEADERS, labelRows));
  if (Object.keys(s.subsets).length > 0) {
    parts.push('\nBy subset:\n');
    parts.push(renderTable(GROUP_HEADERS, Object.entries(s.subsets).map(([k, g]) => groupRow(k, g))));
  }
  parts.push('\nTraces shorter than k (no full window of length k):\n');
  const shortGroups = [
    ...Object.entries(s.labels).map(([k, g]) => [`label:${k}`, g] as const),
    ...Object.entries(s.subsets).map(([k, g]) => [`subset:${k}`, g] as const),
  ];
  const shortRows = shortGroups.map(([k, g]) => [
    k,
    ...SHORT_K.map((kk) => g.shorterThan[String(kk)] ?? 0),
  ]);
  parts.push(renderTable(['group', ...SHORT_K.map((k) => `k=${k}`)], shortRows));
  if (Object.keys(s.families).length > 0) {
    parts.push('\nAttack families:\n');
    parts.push(renderTable(['family', 'traces', 'syscalls', 'intrusions'], Object.entries(s.families).map(([k, f]) => [k, f.traces, f.syscalls, f.intrusions])));
  }
  const d = s.duplicates;
  parts.push(
    `\nDuplicates: ${d.distinct.toLocaleString('en-US')} distinct sequences, ${d.redundant.toLocaleString('en-US')} traces repeat one; ` +
      `${d.sharedAcrossLabels} sequence(s) occur under both labels; ${d.attackEqualToNormal} attack trace(s) equal a normal trace.\n`,
  );
  return parts.join('');
}

export function formatVerify(r: VerifyResult): string {
  const lines: string[] = [];
  if (r.ok) lines.push(`${r.dataset}: OK, ${r.checked.toLocaleString('en-US')} file(s) match the manifest (${r.root})`);
  else {
    lines.push(`${r.dataset}: FAILED, ${r.missing.length} missing and ${r.mismatched.length} changed of ${r.checked.toLocaleString('en-US')} file(s) (${r.root})`);
    for (const p of describeProblems(r)) lines.push(`  ${p}`);
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join('\n') + '\n';
}

interface DataDirOpts {
  dataDir?: string;
  json?: boolean;
}

export function registerDatasetCommands(program: Command, io: CommandIO = defaultIO): void {
  const ds = program.command('datasets').description('list, describe, verify and fetch the registered datasets');

  ds.command('list')
    .description('list registered datasets and whether their data is present')
    .option('--data-dir <dir>', 'data directory (default: $STIDEBENCH_DATA, else <package>/data)')
    .option('--json', 'machine-readable output')
    .action((opts: DataDirOpts) => {
      const dataDir = resolveDataDir(opts.dataDir);
      const all = listDatasets();
      if (opts.json) {
        io.out(json(all.map((m) => ({ name: m.name, title: m.title, format: m.format, root: m.root, embedded: m.embedded, status: status(m, dataDir) }))));
      } else io.out(formatList(all, dataDir));
    });

  ds.command('stats <name>')
    .description('traces, system calls, alphabet, lengths, short and duplicate traces per label and subset')
    .option('--data-dir <dir>', 'data directory (default: $STIDEBENCH_DATA, else <package>/data)')
    .option('--subset <subset>', 'only this named subset of the dataset')
    .option('--json', 'machine-readable output (stable key order)')
    .action((name: string, opts: DataDirOpts & { subset?: string }) => {
      const m = getDataset(name);
      const loaded = loadDataset(m, resolveDataDir(opts.dataDir), { subset: opts.subset });
      const stats = computeStats(m, loaded);
      if (opts.json) io.out(json(stats));
      else {
        io.out(formatStats(stats));
        if (stats.warnings.length > 0) {
          io.err(`${stats.warnings.length} warning(s):\n${stats.warnings.slice(0, 10).map((w) => `  ${w}\n`).join('')}`);
        }
      }
    });

  ds.command('verify <name>')
    .description("check every file's sha256 against the manifest (exit 1 on mismatch)")
    .option('--data-dir <dir>', 'data directory (default: $STIDEBENCH_DATA, else <package>/data)')
    .option('--json', 'machine-readable output')
    .action((name: string, opts: DataDirOpts) => {
      const r = verifyDataset(getDataset(name), resolveDataDir(opts.dataDir));
      io.out(opts.json ? json(r) : formatVerify(r));
      if (!r.ok) process.exitCode = 1;
    });

  ds.command('fetch <name>')
    .description('download, check and unpack a dataset into the data directory')
    .option('--data-dir <dir>', 'data directory (default: $STIDEBENCH_DATA, else <package>/data)')
    .option('--mirror <url>', 'base URL to download from instead of the manifest URLs (default: $STIDEBENCH_MIRROR)')
    .option('--force', 'replace an existing copy that does not verify')
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: DataDirOpts & { mirror?: string; force?: boolean }) => {
      const m = getDataset(name);
      const r = await fetchDataset(m, resolveDataDir(opts.dataDir), {
        mirror: opts.mirror,
        force: opts.force,
        log: (l) => io.err(`${l}\n`),
      });
      if (opts.json) io.out(json(r));
      else {
        io.out(`${r.dataset}: ${r.status === 'present' ? 'already present' : 'fetched'} in ${r.root} (${r.verify.checked.toLocaleString('en-US')} file(s) verified)\n`);
        for (const w of r.warnings) io.err(`warning: ${w}\n`);
      }
    });
}
