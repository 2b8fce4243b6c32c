// Owns confidence intervals for evaluation metrics: seeded percentile-bootstrap CIs (a fast path for
// proportions such as detection rate = detected / total, and a generic one for any statistic), plus the
// closed-form Wilson score interval, which stays informative at 0/n and n/n where a bootstrap of a
// proportion collapses to a single point. All randomness comes from src/eval/random.ts.

import { quantileSorted } from 'simple-statistics';
import { randomInt, toRng, type SeedOrRng } from './random.js';

export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 1000). */
  resamples?: number;
  /** Required: same seed → identical interval. An Rng may be passed to continue an existing stream. */
  seed: SeedOrRng;
  /** Two-sided confidence level in (0, 1) (default 0.95). */
  level?: number;
}

export interface ConfidenceInterval {
  /** The statistic on the original data (for a proportion: successes / n). NaN when n = 0. */
  estimate: number;
  /** Lower / upper percentile bounds; NaN when n = 0 or no resample gave a non-NaN statistic. */
  low: number;
  high: number;
  level: number;
  /** Resamples that gave a non-NaN statistic (those are the ones the percentiles are taken over). */
  resamples: number;
}

function checkOptions(opts: BootstrapOptions): { resamples: number; level: number } {
  const resamples = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap: level must be in (0, 1), got ${level}`);
  return { resamples, level };
}

/**
 * Percentile interval of the bootstrap distribution: quantiles (1-level)/2 and (1+level)/2 of the
 * resample statistics, by simple-statistics' quantileSorted. NaN statistics are dropped first.
 */
function percentileInterval(stats: Float64Array, level: number): { low: number; high: number; valid: number } {
  const kept = Array.from(stats).filter((v) => !Number.isNaN(v));
  if (kept.length === 0) return { low: NaN, high: NaN, valid: 0 };
  kept.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return {
    low: quantileSorted(kept, tail),
    high: quantileSorted(kept, 1 - tail),
    valid: kept.length,
  };
}

/**
 * Seeded percentile-bootstrap CI for a proportion. `successes[i]` is trace i's outcome (nonzero /
 * true = success, e.g. "attack trace detected"); each resample draws n outcomes with replacement and
 * records the fraction of successes. Empty input gives { estimate: NaN, low: NaN, high: NaN } (no throw).
 * Note: at 0/n or n/n every resample is identical, so low = high = estimate; report `wilsonCI` alongside
 * when that matters.
 */
export function bootstrapProportionCI(successes: Uint8Array | readonly boolean[], opts: BootstrapOptions): ConfidenceInterval {
  const { resamples, level } = checkOptions(opts);
  const n = successes.length;
  if (n === 0) return { estimate: NaN, low: NaN, high: NaN, level, resamples: 0 };
  const bits = new Uint8Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    bits[i] = successes[i] ? 1 : 0;
    k += bits[i]!;
  }
  // The success count of n draws with replacement is exactly Binomial(n, k/n), so each resample is one
  // inverse-CDF draw: O(n) set-up and O(log n) per resample instead of n draws per resample.
  const cdf = binomialCdf(n, k / n);
  const rng = toRng(opts.seed);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    const u = rng();
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    stats[b] = lo / n;
  }
  const { low, high, valid } = percentileInterval(stats, level);
  return { estimate: k / n, low, high, level, resamples: valid };
}

/** CDF of Binomial(n, p) at 0..n (cdf[n] = 1), computed in log space so large n does not underflow. */
function binomialCdf(n: number, p: number): Float64Array {
  const cdf = new Float64Array(n + 1);
  if (p <= 0) return cdf.fill(1);
  if (p >= 1) {
    cdf[n] = 1;
    return cdf;
  }
  const logRatio = Math.log(p / (1 - p));
  let logp = n * Math.log1p(-p);
  const pmf = new Float64Array(n + 1);
  let max = -Infinity;
  const logs = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    logs[i] = logp;
    if (logp > max) max = logp;
    logp += Math.log((n - i) / (i + 1)) + logRatio;
  }
  let total = 0;
  for (let i = 0; i <= n; i++) total += pmf[i] = Math.exp(logs[i]! - max);
  let acc = 0;
  for (let i = 0; i <= n; i++) cdf[i] = (acc += pmf[i]!) / total;
  cdf[n] = 1;
  return cdf;
}

/**
 * Seeded percentile-bootstrap CI for any statistic of a sample. `statFn` receives each resample as a
 * fresh Float64Array of length n (it may keep or mutate it). The estimate is `statFn` on the original
 * values. Resamples whose statistic is NaN are dropped; empty input gives all-NaN bounds (no throw).
 */
export function bootstrapCI(values: ArrayLike<number>, statFn: (sample: Float64Array) => number, opts: BootstrapOptions): ConfidenceInterval {
  const { resamples, level } = checkOptions(opts);
  const n = values.length;
  const original = Float64Array.from(values);
  if (n === 0) return { estimate: NaN, low: NaN, high: NaN, level, resamples: 0 };
  const estimate = statFn(Float64Array.from(original));
  const rng = toRng(opts.seed);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    const sample = new Float64Array(n);
    for (let i = 0; i < n; i++) sample[i] = original[randomInt(rng, n)]!;
    stats[b] = statFn(sample);
  }
  const { low, high, valid } = percentileInterval(stats, level);
  return { estimate, low, high, level, resamples: valid };
}

/**
 * Wilson score interval for successes / total at the given two-sided level (default 0.95). Deterministic,
 * no resampling; well-behaved at 0 and total. total = 0 gives all-NaN (no throw).
 */
export function wilsonCI(successes: number, total: number, level = 0.95): { estimate: number; low: number; high: number; level: number } {
  if (!Number.isInteger(successes) || !Number.isInteger(total) || successes < 0 || total < 0 || successes > total) {
    throw new RangeError(`wilsonCI: need integers 0 ≤ successes ≤ total, got ${successes}/${total}`);
  }
  if (!(level > 0 && level < 1)) throw new RangeError(`wilsonCI: level must be in (0, 1), got ${level}`);
  if (total === 0) return { estimate: NaN, low: NaN, high: NaN, level };
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / total;
  const z2n = (z * z) / total;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / total + z2n / (4 * total));
  return {
    estimate: p,
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === total ? 1 : Math.min(1, centre + half),
    level,
  };
}

/**
 * Quantile of the standard normal distribution (Acklam's rational approximation, relative error below
 * 1.2e-9). simple-statistics' probit is only good to about 3 digits (probit(0.975) = 1.9572, not 1.9600),
 * which moves Wilson limits in the fourth decimal.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
