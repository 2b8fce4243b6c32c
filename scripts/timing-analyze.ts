// Owns the analysis of the timing side-channel runs (scripts/timing-side-channel.sh): per condition and
// metric the median, p90 and p99 of the syscall latency samples, TracerPid, and two-sample
// Kolmogorov–Smirnov tests of each condition against the untraced run. Writes <out>/summary.md,
// results.json (stableJson), raw/ (the subsampled latencies <condition>.csv, the probe's .meta files and
// the run's machine facts, so the analysis can be re-run from them) and ECDF figures.
//   npx tsx scripts/timing-analyze.ts --in /tmp/side-channel.XXXX --out results/side-channel

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatNumber, markdownTable, stableJson, type Cell } from '../src/report/tables.js';
import { lineChart } from '../src/report/plots.js';
import { writeFileAtomic } from '../src/report/write.js';

const CONDITIONS = ['untraced', 'strace', 'bpftrace', 'bpftrace-other', 'kernel', 'untraced-2'] as const;
const METRICS = ['getpid', 'clock_sys', 'clock_vdso', 'empty', 'fork_exec'] as const;
const METRIC_TITLE: Record<string, string> = {
  getpid: 'syscall(SYS_getpid)',
  clock_sys: 'syscall(SYS_clock_gettime)',
  clock_vdso: 'clock_gettime via vDSO (no kernel entry: control)',
  empty: 'empty (timer overhead)',
  fork_exec: 'fork + exec /bin/true + wait (exec-heavy loop)',
};

/** Quantile by the nearest-rank rule on sorted data (q in [0, 1]). */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** Kolmogorov distribution tail Q_KS(λ) = P(K > λ) (Numerical Recipes 3rd ed. §6.14). */
export function qks(lambda: number): number {
  if (!(lambda >= 0)) throw new RangeError(`qks: bad lambda ${lambda}`);
  if (lambda === 0) return 1;
  if (lambda < 1.18) {
    // 1 - P(K <= λ), P via the theta-function form that converges fast for small λ.
    const y = Math.exp(-1.23370055013616983 / (lambda * lambda)); // π²/8
    const p = (2.50662827463100050 / lambda) * (y + Math.pow(y, 9) + Math.pow(y, 25) + Math.pow(y, 49)); // √(2π)
    return 1 - p;
  }
  const x = Math.exp(-2 * lambda * lambda);
  return 2 * (x - Math.pow(x, 4) + Math.pow(x, 9));
}

export interface KsResult {
  n1: number;
  n2: number;
  /** sup |F1 - F2|. */
  d: number;
  /** Asymptotic p-value with the Stephens small-sample correction; conservative when values tie. */
  p: number;
}

/** Two-sample Kolmogorov–Smirnov test. Ties are handled by stepping over equal values in both samples. */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ksTwoSample: empty sample');
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n1 && x[i] === v) i++;
    while (j < n2 && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / n1 - j / n2));
  }
  const ne = Math.sqrt((n1 * n2) / (n1 + n2));
  const p = qks((ne + 0.12 + 0.11 / ne) * d);
  return { n1, n2, d, p: Math.min(1, Math.max(0, p)) };
}

interface MetricStats {
  n: number;
  median: number;
  p90: number;
  p99: number;
  mean: number;
  /** Per round, over every iteration of that round (computed by the probe), not just the subsample. */
  rounds: { p50: number[]; p90: number[]; p99: number[]; mean: number[] };
}

interface ConditionResult {
  name: string;
  status: string;
  rounds: number;
  /** TracerPid the probe read in each round (0 = not ptraced). */
  tracerPids: number[];
  /** Measured iterations over all rounds. */
  iterations: number | null;
  metrics: Record<string, MetricStats>;
  /** bpftrace: distinct syscall ids counted and the total count it saw (proof it watched the probe). */
  bpftrace?: { ids: number; events: number; top: { id: number; count: number }[] };
}

function readKv(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

function readSamples(file: string): Map<string, Float64Array> {
  const by = new Map<string, number[]>();
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const [m, v] = line.split(',');
    let l = by.get(m!);
    if (l === undefined) by.set(m!, (l = []));
    l.push(Number(v));
  }
  return new Map([...by].map(([k, v]) => [k, Float64Array.from(v)]));
}

const fmtP = (p: number): string => (p === 0 ? '< 1e-300' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { in: { type: 'string' }, out: { type: 'string', default: 'results/side-channel' } } });
  const dir = values.in;
  if (dir === undefined) throw new Error('--in DIR is required (the work folder of timing-side-channel.sh)');
  const machine = readKv(join(dir, 'machine.txt'));
  const status = readKv(join(dir, 'conditions.txt'));
  const files: Record<string, string> = {};
  // Everything the analysis reads is kept in raw/, so `--in <out>/raw` re-runs it without re-measuring.
  for (const f of readdirSync(dir).sort()) {
    if (/^(machine|conditions)\.txt$|\.(csv|meta)$|\.bpftrace-counts\.txt$|\.kernel-summary\.json$/.test(f)) files[`raw/${f}`] = readFileSync(join(dir, f), 'utf8');
  }
  const conditions: ConditionResult[] = [];
  const samples = new Map<string, Map<string, Float64Array>>();
  const allFiles = readdirSync(dir);
  for (const name of CONDITIONS) {
    // Runs of a condition: <name>.r<round>.csv (interleaved rounds), or a single <name>.csv.
    const runs = allFiles
      .map((f) => new RegExp(`^${name.replace(/[-]/g, '\\-')}(?:\\.r(\\d+))?\\.csv$`).exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ round: m[1] === undefined ? 0 : Number(m[1]), base: m[0].slice(0, -4) }))
      .sort((a, b) => a.round - b.round);
    const statuses = Object.entries(status).filter(([k]) => k === name || k.startsWith(`${name}.r`)).map(([, v]) => v);
    const failed = statuses.filter((v) => v !== 'ran');
    const st = statuses.length === 0 ? 'not run' : failed.length > 0 ? failed[0]! : `ran (${statuses.length} round${statuses.length > 1 ? 's' : ''})`;
    if (runs.length === 0) {
      conditions.push({ name, status: st, rounds: 0, tracerPids: [], iterations: null, metrics: {} });
      continue;
    }
    const metas = runs.map((r) => readKv(join(dir, `${r.base}.meta`)));
    const pooled = new Map<string, number[]>();
    for (const r of runs) {
      for (const [m, v] of readSamples(join(dir, `${r.base}.csv`))) {
        let l = pooled.get(m);
        if (l === undefined) pooled.set(m, (l = []));
        for (const x of v) l.push(x);
      }
    }
    const s = new Map([...pooled].map(([k, v]) => [k, Float64Array.from(v)]));
    samples.set(name, s);
    const metrics: Record<string, MetricStats> = {};
    for (const m of METRICS) {
      const v = s.get(m);
      if (v === undefined) continue;
      const sorted = Float64Array.from(v).sort();
      const per = (key: string): number[] => metas.map((meta) => Number(meta[`${m}.${key}`]));
      metrics[m] = {
        n: v.length,
        median: quantile(sorted, 0.5),
        p90: quantile(sorted, 0.9),
        p99: quantile(sorted, 0.99),
        mean: v.reduce((a, b) => a + b, 0) / v.length,
        rounds: { p50: per('p50'), p90: per('p90'), p99: per('p99'), mean: per('mean') },
      };
    }
    const c: ConditionResult = {
      name,
      status: st,
      rounds: runs.length,
      tracerPids: metas.map((meta) => (meta.tracer_pid !== undefined ? Number(meta.tracer_pid) : -1)),
      iterations: metas.reduce((a, meta) => a + Number(meta.iterations ?? 0), 0),
      metrics,
    };
    const count = new Map<number, number>();
    let sawCounts = false;
    for (const r of runs) {
      const counts = join(dir, `${r.base}.bpftrace-counts.txt`);
      if (!existsSync(counts)) continue;
      sawCounts = true;
      for (const l of readFileSync(counts, 'utf8').split('\n')) {
        const mm = /^@\[(\d+)\]:\s*(\d+)/.exec(l);
        if (mm) count.set(Number(mm[1]), (count.get(Number(mm[1])) ?? 0) + Number(mm[2]));
      }
    }
    if (sawCounts) {
      const rows = [...count].map(([id, n]) => ({ id, count: n })).sort((a, b) => b.count - a.count || a.id - b.id);
      c.bpftrace = { ids: rows.length, events: rows.reduce((a, r) => a + r.count, 0), top: rows.slice(0, 5) };
    }
    conditions.push(c);
  }

  // Pairs compared: every condition against untraced, and bpftrace (watching the probe) against
  // bpftrace-other (the same tracepoint watching pid 1): can the process tell it is the target?
  const pairs: [string, string][] = [...samples.keys()].filter((n) => n !== 'untraced').map((n) => ['untraced', n] as [string, string]);
  if (samples.has('bpftrace') && samples.has('bpftrace-other')) pairs.push(['bpftrace-other', 'bpftrace']);
  const ks: { base: string; condition: string; metric: string; d: number; p: number; n1: number; n2: number; medianRatio: number }[] = [];
  const med = (c: string, m: string): number => conditions.find((x) => x.name === c)!.metrics[m]!.median;
  for (const [a, b] of pairs) {
    for (const m of METRICS) {
      const x = samples.get(a)!.get(m);
      const y = samples.get(b)!.get(m);
      if (x === undefined || y === undefined) continue;
      ks.push({ base: a, condition: b, metric: m, ...ksTwoSample(x, y), medianRatio: med(b, m) / med(a, m) });
    }
  }
  const ksOf = (a: string, b: string, m: string) => ks.find((r) => r.base === a && r.condition === b && r.metric === m);

  // ECDF figures: 200 quantiles per condition, log x (latencies span 3 orders of magnitude under strace).
  for (const m of ['getpid', 'clock_vdso'] as const) {
    const series: { label: string; x: number; y: number }[] = [];
    for (const [name, s] of samples) {
      const v = s.get(m);
      if (v === undefined) continue;
      const sorted = Float64Array.from(v).sort();
      for (let q = 1; q <= 199; q++) series.push({ label: name, x: quantile(sorted, q / 200), y: q / 200 });
    }
    // lineChart has no log x: plot log10(ns).
    files[`ecdf-${m}.svg`] = await lineChart({
      title: `${METRIC_TITLE[m]}: latency ECDF per condition`,
      xTitle: 'log10(latency in ns)',
      yTitle: 'fraction of samples ≤ x',
      series: series.map((p) => ({ ...p, x: Math.log10(Math.max(1, p.x)) })),
      points: false,
    });
  }

  const results = { machine, conditions, ks, note: 'KS: asymptotic p-value (Stephens correction) on the subsampled latencies; conservative with tied integer-ns values.' };
  files['results.json'] = stableJson(results);

  const L: string[] = [];
  L.push('# Timing side channel: can a process tell it is being watched?', '');
  L.push(
    'Maiero & Miculan (SECRYPT 2011, §6) mention a timing side channel that could reveal their interception of system calls and judge it unlikely to matter because virtualization delay is itself variable. This benchmark measures what an unprivileged process sees of two **in-guest** tracers (their interception sits in the hypervisor, which this VM cannot reproduce): `scripts/timing-probe.c` times cheap system calls in a round-robin loop (after 20,000 warm-up rounds) and reads `TracerPid` from /proc/self/status; `scripts/timing-side-channel.sh` runs it untraced, under `strace -f -o /dev/null`, under a bpftrace program counting its system calls (`tracepoint:raw_syscalls:sys_enter /pid == PROBE/`), under the same bpftrace program filtering on pid 1 (the tracepoint live but watching someone else), and untraced again (the noise floor). The probe starts paused and measures only after the tracer is attached.',
    '',
    `Machine: ${machine.cpu ?? '?'} × ${machine.cpus ?? '?'}, kernel ${machine.kernel ?? '?'}, virtualization ${machine.virtualization ?? '?'}, clocksource ${machine.clocksource ?? '?'}; ${machine.strace ?? ''}${machine.bpftrace ? `, ${machine.bpftrace}` : ''}. Load average ${machine.loadavg_start ?? '?'} at the start and ${machine.loadavg_end ?? '?'} at the end (the machine was shared with other jobs). Conditions interleaved in ${machine.rounds ?? 1} rounds (each round runs every condition once, so load drift hits all conditions alike); ${formatNumber(Number(machine.iterations))} measured iterations per condition in total; ${formatNumber(Number(machine.samples))} samples per metric kept (every ${formatNumber(Number(machine.iterations) / Number(machine.samples))}-th, pooled over the rounds) in \`raw/\`. Run time ${machine.seconds ?? '?'} s.`,
    '',
    'Latency = the difference of two vDSO `clock_gettime(CLOCK_MONOTONIC)` reads around the operation, in ns (so it includes the timer\'s own cost, shown by the `empty` metric). `clock_vdso` never enters the kernel, so no syscall tracer can slow it: it is the control.',
    '',
  );
  L.push('## Conditions', '');
  L.push(
    markdownTable(
      ['condition', 'status', 'TracerPid seen by the probe', 'bpftrace events counted for the filtered pid'],
      conditions.map((c) => [
        c.name,
        c.status,
        c.tracerPids.length === 0
          ? 'n/a'
          : c.tracerPids.every((t) => t === 0)
            ? `0 in ${c.tracerPids.length}/${c.tracerPids.length} rounds (not traced)`
            : `non-zero in ${c.tracerPids.filter((t) => t > 0).length}/${c.tracerPids.length} rounds (the tracer's pid, e.g. ${c.tracerPids.find((t) => t > 0)})`,
        c.bpftrace === undefined ? '-' : `${formatNumber(c.bpftrace.events)} over ${c.bpftrace.ids} syscall ids`,
      ]),
      ['l', 'l', 'l', 'r'],
    ),
  );
  L.push('## Latency (ns): median / p90 / p99 of the kept samples (rounds pooled)', '');
  L.push(
    markdownTable(
      ['metric', ...conditions.filter((c) => Object.keys(c.metrics).length > 0).map((c) => c.name)],
      METRICS.map((m) => [
        METRIC_TITLE[m]!,
        ...conditions
          .filter((c) => Object.keys(c.metrics).length > 0)
          .map((c) => {
            const s = c.metrics[m];
            return s === undefined ? 'n/a' : `${formatNumber(s.median)} / ${formatNumber(s.p90)} / ${formatNumber(s.p99)}`;
          }),
      ]),
      ['l', ...conditions.filter((c) => Object.keys(c.metrics).length > 0).map(() => 'r' as const)],
    ),
  );
  L.push('Per round, over every iteration of the round (probe-side, not subsampled): the rounds\' medians, in run order — the drift between rounds is the machine\'s load:', '');
  L.push(
    markdownTable(
      ['metric', ...conditions.filter((c) => Object.keys(c.metrics).length > 0).map((c) => c.name)],
      METRICS.map((m) => [
        METRIC_TITLE[m]!,
        ...conditions
          .filter((c) => Object.keys(c.metrics).length > 0)
          .map((c) => {
            const s = c.metrics[m];
            return s === undefined ? 'n/a' : s.rounds.p50.map((x) => formatNumber(x)).join(', ');
          }),
      ]),
      ['l', ...conditions.filter((c) => Object.keys(c.metrics).length > 0).map(() => 'r' as const)],
    ),
  );
  L.push('## Kolmogorov–Smirnov tests', '');
  L.push(
    'Two-sample KS on the kept samples (D = largest gap between the two ECDFs; p asymptotic with the Stephens correction, conservative because latencies are integer ns with ties). Each condition is compared with untraced, and bpftrace with bpftrace-other (is the process the target?). With several thousand samples a tiny shift is already "significant": compare D with the untraced-2 row, the run-to-run noise floor.',
    '',
  );
  L.push(
    markdownTable(
      ['compared', 'metric', 'D', 'p', 'median ratio'],
      ks.map((r) => [`${r.condition} vs ${r.base}`, METRIC_TITLE[r.metric]!, r.d.toFixed(3), fmtP(r.p), `${r.medianRatio.toFixed(2)}×`] as Cell[]),
      ['l', 'l', 'r', 'r', 'r'],
    ),
  );
  // Reading: computed from the statistics above, never a fixed sentence. A condition is distinguishable
  // from untraced on a metric when the KS p-value is < 0.001 AND D exceeds the run-to-run noise floor
  // (untraced-2 vs untraced on the same metric) by a margin: D > max(2 * floor, floor + 0.05).
  const bullets: string[] = [];
  const cond = (n: string) => conditions.find((c) => c.name === n);
  const floorD = (m: string): number | undefined => ksOf('untraced', 'untraced-2', m)?.d;
  const verdict = (base: string, c: string, m: string): { text: string; distinguishable: boolean } | undefined => {
    const r = ksOf(base, c, m);
    if (r === undefined) return undefined;
    const f = floorD(m);
    const limit = f === undefined ? 0.1 : Math.max(2 * f, f + 0.05);
    const dist = r.p < 0.001 && r.d > limit;
    const dir = r.medianRatio > 1 ? 'slower' : r.medianRatio < 1 ? 'faster' : 'same median';
    return {
      distinguishable: dist,
      text:
        `${METRIC_TITLE[m]} median ${formatNumber(med(c, m))} vs ${formatNumber(med(base, m))} ns (${r.medianRatio.toFixed(2)}×, ${dir}), D = ${r.d.toFixed(3)}, p = ${fmtP(r.p)}` +
        (f !== undefined ? ` against a noise floor of D = ${f.toFixed(3)}` : '') +
        ` → ${dist ? 'distinguishable' : 'not distinguishable'}`,
    };
  };
  const observable: string[] = [];
  const unobservable: string[] = [];
  for (const c of conditions) {
    if (c.name === 'untraced' || c.name === 'untraced-2' || !samples.has(c.name)) continue;
    const traced = c.tracerPids.filter((t) => t > 0).length;
    const parts: string[] = [
      traced > 0 ? `TracerPid non-zero in ${traced}/${c.rounds} rounds (visible without any timing)` : `TracerPid 0 in ${c.tracerPids.length}/${c.rounds} rounds`,
    ];
    let anyDist = traced > 0;
    for (const m of ['getpid', 'clock_sys', 'fork_exec', 'clock_vdso'] as const) {
      const v = verdict('untraced', c.name, m);
      if (v === undefined) continue;
      parts.push(v.text);
      if (v.distinguishable && m !== 'clock_vdso') anyDist = true;
    }
    (anyDist ? observable : unobservable).push(c.name);
    bullets.push(`**${c.name}** vs untraced: ${parts.join('; ')}.`);
  }
  const self = verdict('bpftrace-other', 'bpftrace', 'getpid');
  if (self !== undefined) {
    bullets.push(`Being the target (bpftrace filtering on the probe vs on pid 1): ${self.text}${self.distinguishable ? '' : ': a process can tell that a tracepoint is active, not that it is the one watched'}.`);
  }
  const vdso = ks.filter((r) => r.metric === 'clock_vdso' && r.base === 'untraced' && r.condition !== 'untraced-2');
  if (vdso.length > 0) {
    const moved = vdso.filter((r) => verdict('untraced', r.condition, 'clock_vdso')?.distinguishable);
    bullets.push(
      moved.length === 0
        ? `Control: the vDSO clock (no kernel entry) is not distinguishable under any tracer (${vdso.map((r) => `${r.condition} ${r.medianRatio.toFixed(2)}×`).join(', ')}), so shifts in the other metrics are the tracers' cost per system call.`
        : `Control: the vDSO clock (no kernel entry) also moved under ${moved.map((r) => r.condition).join(', ')} (${moved.map((r) => `${r.medianRatio.toFixed(2)}×`).join(', ')}): the machine's load differed between conditions, so the other shifts are not the tracer's cost alone.`,
    );
  }
  bullets.push(
    `Conclusion (computed): observable to this probe: ${observable.length > 0 ? observable.join(', ') : 'none'}; not observable (TracerPid 0 and no kernel-entering metric distinguishable beyond the noise floor): ${unobservable.length > 0 ? unobservable.join(', ') : 'none'}.`,
  );
  const ksum = cond('kernel');
  if (ksum !== undefined && ksum.rounds > 0) {
    const sums = Object.entries(files)
      .filter(([f]) => /^raw\/kernel\.r\d+\.kernel-summary\.json$/.test(f))
      .map(([, t]) => {
        try {
          return JSON.parse(t) as { events?: number; lostEvents?: number; alarms?: number; windows?: number };
        } catch {
          return null;
        }
      })
      .filter((x) => x !== null);
    if (sums.length > 0) {
      bullets.push(
        `The kernel backend watched the probe for real: ${formatNumber(sums.reduce((a, x) => a + (x!.events ?? 0), 0))} calls, ${formatNumber(sums.reduce((a, x) => a + (x!.windows ?? 0), 0))} windows, ${sums.reduce((a, x) => a + (x!.alarms ?? 0), 0)} alarming windows, ${sums.reduce((a, x) => a + (x!.lostEvents ?? 0), 0)} lost events over ${sums.length} round(s).`,
      );
    }
  }
  bullets.push('This is in-guest tracing. The paper\'s interception runs in the hypervisor (Xenini) and is not reproduced here; its cost would show up the same way (longer system calls) but mixed with the variable virtualization delay the paper invokes.');
  L.push('## Reading', '', ...bullets.map((b) => `- ${b}`), '');
  const missing = conditions.filter((c) => !c.status.startsWith('ran'));
  if (missing.length > 0) L.push(`Not run: ${missing.map((c) => `${c.name} (${c.status})`).join('; ')}.`, '');
  L.push('Figures: [ecdf-getpid.svg](ecdf-getpid.svg), [ecdf-clock_vdso.svg](ecdf-clock_vdso.svg). Raw numbers: [results.json](results.json).', '');
  files['summary.md'] = L.join('\n');
  // A benchmark folder, not an experiment result: its files are replaced one by one (raw/ as a whole).
  mkdirSync(values.out!, { recursive: true });
  rmSync(join(values.out!, 'raw'), { recursive: true, force: true });
  for (const [name, content] of Object.entries(files)) writeFileAtomic(join(values.out!, name), content);
  console.log(`wrote ${values.out}`);
  for (const r of ks) {
    if (r.metric === 'getpid') console.log(`${r.condition} vs ${r.base}: getpid D=${r.d.toFixed(3)} p=${fmtP(r.p)} median ×${r.medianRatio.toFixed(2)}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
