// Owns the interleaved measurement behind `stidebench bench`'s detector table (issue 11): every task is
// run round-robin (round r starts at task r mod n), so slow drifts of a shared machine (other users'
// load, frequency changes) hit every task alike instead of whichever ran last. Each sample records the
// wall clock and the process CPU clock; a sample repeats a fast task enough times to last >= 2 ms, so
// timer resolution does not matter. Reported: median, min and max per call on both clocks.

import { cpuNow } from './clock.js';

export interface BenchTask {
  name: string;
  /** Syscalls one call of fn processes (for syscalls/s). */
  calls: number;
  fn: () => unknown;
}

/** Median, min and max time per call (ms) on one clock, and the syscalls/s of the median. */
export interface ClockStats {
  medianMs: number;
  minMs: number;
  maxMs: number;
  syscallsPerSec: number;
}

export interface TaskStats {
  samples: number;
  /** Calls of fn per sample. */
  reps: number;
  wall: ClockStats;
  cpu: ClockStats;
  /** Mean wall ms per call and the relative 95% margin of error of that mean, percent (for comparison with tinybench). */
  meanMs: number;
  rmePercent: number;
}

export interface InterleaveOptions {
  /** Minimum samples per task. */
  minSamples: number;
  /** Keep sampling until every task has run for at least this long (wall ms, summed over its samples). */
  timeMs: number;
  /** Upper bound on samples per task. */
  maxSamples?: number;
  /** Calls per sample for every task (default: sized from the warm-up so a sample lasts >= 2 ms). */
  reps?: number;
}

/** Keeps results alive so the optimiser cannot drop the measured work. */
export let benchSink = 0;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function stats(xs: number[], calls: number): ClockStats {
  const med = median(xs);
  return { medianMs: med, minMs: Math.min(...xs), maxMs: Math.max(...xs), syscallsPerSec: med > 0 ? calls / (med / 1000) : 0 };
}

/** Runs the tasks round-robin; returns per-task statistics by name. */
export function interleave(tasks: readonly BenchTask[], opts: InterleaveOptions): Map<string, TaskStats> {
  const maxSamples = opts.maxSamples ?? 1000;
  // Warm-up (untimed beyond sizing): JIT the code, and size each sample to >= 2 ms.
  const reps = tasks.map((t) => {
    const t0 = performance.now();
    benchSink ^= Number(t.fn()) | 0;
    const ms = performance.now() - t0;
    if (opts.reps !== undefined) return opts.reps;
    return ms >= 2 ? 1 : Math.min(10_000, Math.ceil(2 / Math.max(ms, 0.001)));
  });
  const wall: number[][] = tasks.map(() => []);
  const cpu: number[][] = tasks.map(() => []);
  const spent = tasks.map(() => 0);
  const n = tasks.length;
  for (let round = 0; ; round++) {
    const done = tasks.every((_, i) => wall[i]!.length >= maxSamples || (wall[i]!.length >= opts.minSamples && spent[i]! >= opts.timeMs));
    if (done || n === 0) break;
    for (let j = 0; j < n; j++) {
      const i = (round + j) % n;
      if (wall[i]!.length >= maxSamples || (wall[i]!.length >= opts.minSamples && spent[i]! >= opts.timeMs)) continue;
      const t = tasks[i]!;
      const r = reps[i]!;
      const c0 = cpuNow();
      const w0 = performance.now();
      for (let k = 0; k < r; k++) benchSink ^= Number(t.fn()) | 0;
      const w1 = performance.now();
      const c1 = cpuNow();
      wall[i]!.push((w1 - w0) / r);
      cpu[i]!.push((c1 - c0) / r);
      spent[i]! += w1 - w0;
    }
  }
  const out = new Map<string, TaskStats>();
  tasks.forEach((t, i) => {
    const w = wall[i]!;
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const sd = w.length > 1 ? Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / (w.length - 1)) : 0;
    out.set(t.name, {
      samples: w.length,
      reps: reps[i]!,
      wall: stats(w, t.calls),
      cpu: stats(cpu[i]!, t.calls),
      meanMs: mean,
      rmePercent: mean > 0 ? ((1.96 * sd) / Math.sqrt(w.length) / mean) * 100 : 0,
    });
  });
  return out;
}
