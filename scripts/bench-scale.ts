// Scale figures for distributed sweeps (a benchmark, not a test): cells/s and syscalls/s of one
// experiment run locally with --jobs 1, 2, 4 (worker threads) and through a BullMQ queue served by 1, 2, 4
// `stidebench worker` processes on this machine; and the queue's overhead per cell, measured on an
// experiment of many tiny cells (toy-server) where scoring costs next to nothing. Runs are interleaved
// (every configuration once per round), wall and CPU time (user+sys of the run and of the workers) are
// recorded, and the median and min-max over rounds are written with the load average beside them.
//
//   STIDEBENCH_DATA=/path/to/datasets npx tsx scripts/bench-scale.ts --redis redis://127.0.0.1:6390 [--rounds 3]
//
// Writes results/scale/scale.json and results/scale/README.md. Needs the build (npm run build) and a
// running redis-server. Every number comes from this script; rerun it to reproduce.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const arg = (name: string, dflt?: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const REDIS = arg('redis');
const ROUNDS = Number(arg('rounds', '3'));
if (!REDIS || !process.env['STIDEBENCH_DATA']) {
  process.stderr.write('usage: STIDEBENCH_DATA=DIR npx tsx scripts/bench-scale.ts --redis redis://HOST:PORT [--rounds N]\n');
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), 'stidebench-scale-'));

const SWEEP = `
name: scale-sweep
description: ADFA-LD, Stide per program and shared, xenids, lookahead; k = 4, 6, 8, 10; frames 20 and 100.
datasets:
  - name: adfa-ld
    split: { seed: 1, train: { subset: training } }
detectors:
  - { kind: stide, scope: per-program }
  - { kind: stide, scope: shared }
  - { kind: xenids }
  - { kind: lookahead }
k: [4, 6, 8, 10]
frames: [20, 100]
thresholds: { count: [1, 5, 10, 20] }
analysis: { bootstrap: 0, plots: false, convergence: false }
`;
const TINY = `
name: scale-tiny
description: many tiny cells on toy-server, where the cost of a cell is mostly what surrounds the scoring
datasets:
  - name: toy-server
    split: { seed: 1, train: { subset: train } }
detectors:
  - { kind: stide, scope: per-program }
  - { kind: stide, scope: shared }
k: { from: 2, to: 17 }
frames: [10]
thresholds: { count: [1] }
analysis: { bootstrap: 0, plots: false, convergence: false }
`;

interface Sample {
  wall: number;
  cpu: number;
}

function cpuOfPid(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14])) / 100; // utime stime cutime cstime, clock ticks (100 Hz)
}

/** Runs the CLI under /usr/bin/time; wall from here, CPU (user+sys) of the run from time(1). */
function runTimed(args: string[]): Sample {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', 'node', CLI, ...args], { encoding: 'utf8', cwd: tmp });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`stidebench ${args.join(' ')} failed:\n${r.stderr}`);
  const [u, s] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, cpu: u! + s! };
}

function startWorkers(n: number, queue: string): Promise<ChildProcess[]> {
  const ws: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const p = spawn('node', [CLI, 'worker', '--queue', REDIS!, '--queue-name', queue], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
    ws.push(p);
    ready.push(new Promise((res) => p.stderr!.on('data', (d: Buffer) => d.toString().includes(' ready:') && res())));
  }
  return Promise.all(ready).then(() => ws);
}

const stopWorkers = (ws: ChildProcess[]): Promise<unknown> => Promise.all(ws.map((w) => new Promise((r) => (w.once('exit', r), w.kill('SIGTERM')))));

function summarize(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2, min: s[0]!, max: s[s.length - 1]! };
}

/** Cells and scored syscalls of an experiment, from its metrics.json. */
function workOf(metricsFile: string): { cells: number; syscalls: number } {
  const m = JSON.parse(readFileSync(metricsFile, 'utf8')) as { datasets: { label: string; trainCalls: number; testNormalCalls: number; attackCalls: number }[]; cells: { dataset: string }[] };
  let syscalls = 0;
  for (const c of m.cells) {
    const d = m.datasets.find((x) => x.label === c.dataset)!;
    syscalls += d.trainCalls + d.testNormalCalls + d.attackCalls;
  }
  return { cells: m.cells.length, syscalls };
}

async function main(): Promise<void> {
  const sweep = join(tmp, 'sweep.yaml');
  const tiny = join(tmp, 'tiny.yaml');
  writeFileSync(sweep, SWEEP);
  writeFileSync(tiny, TINY);
  const loads: number[][] = [loadavg()];
  const configs = ['jobs 1', 'jobs 2', 'jobs 4', 'queue 1 worker', 'queue 2 workers', 'queue 4 workers'];
  const samples: Record<string, Sample[]> = Object.fromEntries(configs.map((c) => [c, []]));
  const tinySamples: Record<string, Sample[]> = { 'jobs 1': [], 'queue 1 worker': [] };
  let work = { cells: 0, syscalls: 0 };
  let tinyWork = { cells: 0, syscalls: 0 };
  // Warm-up: read the data once (page cache) and check the experiment runs.
  runTimed(['run', sweep, '--jobs', '1', '--no-cache', '-q', '--out', join(tmp, 'warm')]);
  work = workOf(join(tmp, 'warm', 'scale-sweep', 'metrics.json'));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of configs) {
      const out = join(tmp, `o-${round}-${c.replace(/ /g, '-')}`);
      if (c.startsWith('jobs')) {
        samples[c]!.push(runTimed(['run', sweep, '--jobs', c.split(' ')[1]!, '--no-cache', '-q', '--out', out]));
      } else {
        // A fresh queue name per run, so no job is reused; workers start warm (before the clock).
        const n = Number(c.split(' ')[1]);
        const queue = `scale-${process.pid}-${round}-${n}`;
        const ws = await startWorkers(n, queue);
        const cpu0 = ws.reduce((s, w) => s + cpuOfPid(w.pid!), 0);
        const s = runTimed(['run', sweep, '--queue', REDIS!, '--queue-name', queue, '--no-cache', '-q', '--out', out]);
        const cpu1 = ws.reduce((t, w) => t + cpuOfPid(w.pid!), 0);
        await stopWorkers(ws);
        samples[c]!.push({ wall: s.wall, cpu: s.cpu + cpu1 - cpu0 });
      }
      const same = readFileSync(join(out, 'scale-sweep', 'metrics.json'), 'utf8') === readFileSync(join(tmp, 'warm', 'scale-sweep', 'metrics.json'), 'utf8');
      if (!same) throw new Error(`${c}: metrics.json differs from --jobs 1`);
    }
    // Overhead per cell: the tiny experiment, in process vs through the queue with one warm worker.
    const o1 = join(tmp, `t-${round}-local`);
    tinySamples['jobs 1']!.push(runTimed(['run', tiny, '--jobs', '1', '--no-cache', '-q', '--out', o1]));
    const queue = `scale-tiny-${process.pid}-${round}`;
    const ws = await startWorkers(1, queue);
    const cpu0 = cpuOfPid(ws[0]!.pid!);
    const s = runTimed(['run', tiny, '--queue', REDIS!, '--queue-name', queue, '--no-cache', '-q', '--out', join(tmp, `t-${round}-queue`)]);
    const cpu1 = cpuOfPid(ws[0]!.pid!);
    await stopWorkers(ws);
    tinySamples['queue 1 worker']!.push({ wall: s.wall, cpu: s.cpu + cpu1 - cpu0 });
    tinyWork = workOf(join(o1, 'scale-tiny', 'metrics.json'));
    loads.push(loadavg());
  }
  const rows = configs.map((c) => {
    const wall = summarize(samples[c]!.map((x) => x.wall));
    const cpu = summarize(samples[c]!.map((x) => x.cpu));
    return { config: c, wall, cpu, cellsPerSecond: work.cells / wall.median, syscallsPerSecond: work.syscalls / wall.median };
  });
  const tl = summarize(tinySamples['jobs 1']!.map((x) => x.wall));
  const tq = summarize(tinySamples['queue 1 worker']!.map((x) => x.wall));
  const perCell = summarize(tinySamples['queue 1 worker']!.map((x, i) => (x.wall - tinySamples['jobs 1']![i]!.wall) / tinyWork.cells));
  const doc = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', mhz: cpus()[0]?.speed ?? 0, node: process.version },
    loadAverage: { before: loads[0], perRound: loads.slice(1) },
    rounds: ROUNDS,
    sweep: { experiment: SWEEP.trim(), ...work, configs: rows },
    overhead: { experiment: TINY.trim(), ...tinyWork, local: tl, queue: tq, perCellSeconds: perCell },
  };
  mkdirSync(join(ROOT, 'results', 'scale'), { recursive: true });
  writeFileSync(join(ROOT, 'results', 'scale', 'scale.json'), JSON.stringify(doc, null, 2) + '\n');
  const f = (x: { median: number; min: number; max: number }, d = 1): string => `${x.median.toFixed(d)} (${x.min.toFixed(d)}–${x.max.toFixed(d)})`;
  const md = [
    '# Scale: local threads vs BullMQ worker processes',
    '',
    `Generated by \`STIDEBENCH_DATA=… npx tsx scripts/bench-scale.ts --redis redis://127.0.0.1:6390 --rounds ${ROUNDS}\` on ${doc.machine.cpus} × ${doc.machine.model} (${doc.machine.mhz} MHz), Node ${doc.machine.node}. Load average (1, 5, 15 min) before: ${loads[0]!.map((x) => x.toFixed(2)).join(', ')}; after each round: ${loads.slice(1).map((l) => l.map((x) => x.toFixed(2)).join(', ')).join(' / ')}. The machine is shared: treat ratios, not absolute values, as the finding. Median (min–max) over ${ROUNDS} interleaved rounds; CPU = user+sys of the run plus, for the queue, of its workers during the run. Every run's metrics.json was checked byte-identical to --jobs 1.`,
    '',
    `Sweep: ADFA-LD, ${work.cells} cells, ${work.syscalls.toLocaleString('en-US')} syscalls scored (train + test per cell).`,
    '',
    '| configuration | wall s | CPU s | cells/s | syscalls/s |',
    '| --- | --: | --: | --: | --: |',
    ...rows.map((r) => `| ${r.config} | ${f(r.wall)} | ${f(r.cpu)} | ${r.cellsPerSecond.toFixed(2)} | ${(r.syscallsPerSecond / 1e6).toFixed(2)} M |`),
    '',
    `Queue overhead per cell (toy-server, ${tinyWork.cells} tiny cells): in process ${f(tl, 2)} s, through the queue with one warm worker ${f(tq, 2)} s; (queue − local) / cells = ${f(perCell, 3)} s per cell.`,
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'results', 'scale', 'README.md'), md);
  process.stdout.write(md);
  rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
