// Owns threshold-based evaluation of anomaly scores: trace-level ROC curves and AUC with exact tie
// handling, choosing an operating point on calibration normals only and evaluating it on test traces,
// and the decision-level (per-window, Warrender et al. 1999) false-positive curve of locality frame
// counts. Convention everywhere: a higher score is more anomalous and a trace alarms iff score ≥ threshold.

// ---------------------------------------------------------------------------------------------------
// ROC

export interface RocPoint {
  /** Alarm iff score ≥ threshold. +Infinity is the "never alarm" point (0, 0). */
  threshold: number;
  fpr: number;
  tpr: number;
}

export interface RocCurve {
  /** One point per distinct score plus (+Infinity → (0, 0)); sorted by fpr, then tpr (= threshold descending). */
  points: RocPoint[];
  /** Trapezoidal area = P(attack > normal) + 0.5 · P(attack = normal) (Mann–Whitney U / (n·m)). */
  auc: number;
  nNormal: number;
  nAttack: number;
}

function sortedDescending(scores: ArrayLike<number>, what: string): Float64Array {
  const out = Float64Array.from(scores);
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    // +Infinity would collide with the "never alarm" threshold and lose the (0, 0) point.
    if (Number.isNaN(v) || v === Infinity) throw new RangeError(`${what} score ${i} is ${v}; scores must be numbers below +Infinity`);
  }
  out.sort();
  out.reverse();
  return out;
}

/**
 * Trace-level ROC curve of anomaly scores. Thresholds are every distinct score (normal or attack) plus
 * +Infinity. All scores tied at a threshold cross it together, so tied normal/attack scores give one
 * diagonal segment, and the trapezoidal AUC equals the Mann–Whitney probability
 * P(attack > normal) + 0.5·P(tie).
 *
 * Returns null when either set is empty (FPR or TPR would be 0/0, so the curve is undefined); never
 * throws for that. Throws RangeError for NaN or +Infinity scores (-Infinity is allowed).
 */
export function rocCurve(normalScores: ArrayLike<number>, attackScores: ArrayLike<number>): RocCurve | null {
  const normal = sortedDescending(normalScores, 'normal');
  const attack = sortedDescending(attackScores, 'attack');
  const n = normal.length;
  const m = attack.length;
  if (n === 0 || m === 0) return null;

  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let i = 0; // normal scores ≥ current threshold
  let j = 0; // attack scores ≥ current threshold
  // Twice the trapezoid area in count units (Σ Δi · (j_prev + j)), an exact integer below 2^53 for any
  // realistic n·m, so the AUC is one division away from the exact Mann–Whitney value.
  let area2 = 0;
  while (i < n || j < m) {
    // Next threshold: the largest score not yet crossed (-Infinity scores are crossed last, together).
    const t = Math.max(i < n ? normal[i]! : -Infinity, j < m ? attack[j]! : -Infinity);
    const i0 = i;
    const j0 = j;
    while (i < n && normal[i]! >= t) i++;
    while (j < m && attack[j]! >= t) j++;
    area2 += (i - i0) * (j0 + j);
    points.push({ threshold: t, fpr: i / n, tpr: j / m });
  }
  return { points, auc: area2 / (2 * n * m), nNormal: n, nAttack: m };
}

// ---------------------------------------------------------------------------------------------------
// Operating point: calibrate on calibration normals, evaluate on test traces

export interface OperatingPoint {
  /** Alarm iff score ≥ threshold; +Infinity means "never alarm". */
  threshold: number;
  /** The target false-positive rate α the threshold was chosen for. */
  alpha: number;
  /** Fraction of calibration normal scores ≥ threshold (≤ alpha; may be < alpha because of ties). */
  calibrationFpr: number;
  nCalibration: number;
}

export interface OperatingPointOptions {
  /**
   * Candidate thresholds. Default: the distinct calibration scores plus +Infinity, which is the ROC
   * threshold set and picks the *largest* threshold of the chosen calibration-FPR step. For integer
   * scores such as maxLfc, pass the integer grid (e.g. 1..frame) to get the smallest integer instead:
   * calibration scores {0,0,0,5}, α = 0.3 give t = 5 by default but t = 1 with grid 1..frame — both have
   * calibration FPR 0.25, but they differ on test traces scoring 1..4. +Infinity is always a candidate.
   */
  thresholds?: ArrayLike<number>;
}

/**
 * Chooses an alarm threshold from calibration normal scores ONLY. This function takes no test scores,
 * and `evaluateOperatingPoint` takes the result plus test scores as separate arguments, so a threshold
 * cannot be tuned on the data it is evaluated on.
 *
 * Rule: the smallest candidate threshold t with calibrationFpr(t) = #{calibration scores ≥ t} / n ≤ α.
 * Because tied scores cross together, the achieved calibration FPR may be strictly below α. If no finite
 * candidate qualifies (e.g. α = 0 and the grid's top value is ≤ the largest score), t = +Infinity.
 *
 * Throws RangeError for an empty calibration set, α outside [0, 1], or NaN / +Infinity scores.
 */
export function operatingPoint(calibrationNormalScores: ArrayLike<number>, alpha: number, opts: OperatingPointOptions = {}): OperatingPoint {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`operatingPoint: alpha must be in [0, 1], got ${alpha}`);
  const cal = sortedDescending(calibrationNormalScores, 'calibration normal');
  const n = cal.length;
  if (n === 0) throw new RangeError('operatingPoint: no calibration normal scores to calibrate on');

  const candidates = opts.thresholds === undefined ? Array.from(new Set(cal)) : Array.from(opts.thresholds);
  for (const c of candidates) if (Number.isNaN(c)) throw new RangeError('operatingPoint: NaN candidate threshold');
  candidates.push(Infinity);
  candidates.sort((a, b) => b - a); // descending: FPR grows as we walk down

  // Walk thresholds from high to low; FPR is non-decreasing, so stop at the first one above α.
  let best = Infinity;
  let bestFpr = 0;
  let i = 0;
  for (const t of candidates) {
    while (i < n && cal[i]! >= t) i++;
    const fpr = i / n;
    if (fpr > alpha) break;
    best = t;
    bestFpr = fpr;
  }
  return { threshold: best, alpha, calibrationFpr: bestFpr, nCalibration: n };
}

export interface ThresholdEvaluation {
  threshold: number;
  /** Test normal traces that alarm, out of nNormal; fpr = falsePositives / nNormal (NaN if none). */
  falsePositives: number;
  nNormal: number;
  fpr: number;
  /** Test attack traces that alarm, out of nAttack; detectionRate = detections / nAttack (NaN if none). */
  detections: number;
  nAttack: number;
  detectionRate: number;
}

function countAtOrAbove(scores: ArrayLike<number>, threshold: number, what: string): number {
  let c = 0;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i]!;
    if (Number.isNaN(v)) throw new RangeError(`${what} score ${i} is NaN`);
    if (v >= threshold) c++;
  }
  return c;
}

/** Trace-level FPR and detection rate of a fixed threshold (alarm iff score ≥ threshold). */
export function evaluateThreshold(threshold: number, testNormalScores: ArrayLike<number>, testAttackScores: ArrayLike<number>): ThresholdEvaluation {
  if (Number.isNaN(threshold)) throw new RangeError('evaluateThreshold: threshold is NaN');
  const falsePositives = countAtOrAbove(testNormalScores, threshold, 'test normal');
  const detections = countAtOrAbove(testAttackScores, threshold, 'test attack');
  const nNormal = testNormalScores.length;
  const nAttack = testAttackScores.length;
  return {
    threshold,
    falsePositives,
    nNormal,
    fpr: nNormal === 0 ? NaN : falsePositives / nNormal,
    detections,
    nAttack,
    detectionRate: nAttack === 0 ? NaN : detections / nAttack,
  };
}

/** Evaluates a calibrated operating point on held-out test scores. */
export function evaluateOperatingPoint(
  op: OperatingPoint,
  testNormalScores: ArrayLike<number>,
  testAttackScores: ArrayLike<number>,
): ThresholdEvaluation & { alpha: number; calibrationFpr: number } {
  return { ...evaluateThreshold(op.threshold, testNormalScores, testAttackScores), alpha: op.alpha, calibrationFpr: op.calibrationFpr };
}

/**
 * Named-argument convenience: calibrate on `calibrationNormal`, evaluate on `testNormal` / `testAttack`.
 * The three score sets must be disjoint trace sets; the names make swapping them visible at the call site.
 */
export function calibrateAndEvaluate(args: {
  calibrationNormal: ArrayLike<number>;
  testNormal: ArrayLike<number>;
  testAttack: ArrayLike<number>;
  alpha: number;
  thresholds?: ArrayLike<number>;
}): ThresholdEvaluation & { alpha: number; calibrationFpr: number } {
  const opts: OperatingPointOptions = args.thresholds === undefined ? {} : { thresholds: args.thresholds };
  const op = operatingPoint(args.calibrationNormal, args.alpha, opts);
  return evaluateOperatingPoint(op, args.testNormal, args.testAttack);
}

// ---------------------------------------------------------------------------------------------------
// Decision-level (per-window) curve of locality frame counts

export interface DecisionPoint {
  /** Count threshold: a window is flagged iff its LFC ≥ threshold. */
  threshold: number;
  /** Windows of normal traces with LFC ≥ threshold, out of normalWindows. */
  flaggedNormalWindows: number;
  normalWindows: number;
  /** Warrender decision-level false-positive rate; null when there are no normal windows. */
  fpr: number | null;
  /** Present only when attack histograms were given; rate is null when there are no attack windows. */
  flaggedAttackWindows?: number;
  attackWindows?: number;
  attackWindowRate?: number | null;
}

/** Per-t counts of windows with LFC ≥ t (index t = 0..frame), summed over traces, plus the total. */
function suffixCounts(hists: readonly Int32Array[], frame: number, what: string): { atLeast: Float64Array; total: number } {
  const perValue = new Float64Array(frame + 1);
  hists.forEach((h, k) => {
    if (h.length !== frame + 1) throw new RangeError(`decisionCurve: ${what} histogram ${k} has length ${h.length}, expected frame + 1 = ${frame + 1}`);
    for (let v = 0; v <= frame; v++) {
      const c = h[v]!;
      if (c < 0) throw new RangeError(`decisionCurve: ${what} histogram ${k} has a negative count at LFC ${v}`);
      perValue[v]! += c;
    }
  });
  const atLeast = new Float64Array(frame + 2);
  for (let v = frame; v >= 0; v--) atLeast[v] = atLeast[v + 1]! + perValue[v]!;
  return { atLeast, total: atLeast[0]! };
}

/**
 * Decision-level curve (Warrender et al. 1999): every window of a normal trace is one decision. For each
 * count threshold t = 1..frame, fpr(t) = (#normal-trace windows with LFC ≥ t) / (#normal-trace windows),
 * computed from per-trace LFC histograms (`hist[v]` = windows with LFC v, length frame + 1) by suffix
 * sums. With `attackHists` (pass undefined to omit), also the fraction of attack-trace windows flagged.
 */
export function decisionCurve(normalHists: readonly Int32Array[], attackHists: readonly Int32Array[] | undefined, frame: number): DecisionPoint[] {
  if (!Number.isInteger(frame) || frame < 1) throw new RangeError(`decisionCurve: frame must be a positive integer, got ${frame}`);
  const normal = suffixCounts(normalHists, frame, 'normal');
  const attack = attackHists === undefined ? undefined : suffixCounts(attackHists, frame, 'attack');
  const out: DecisionPoint[] = [];
  for (let t = 1; t <= frame; t++) {
    const p: DecisionPoint = {
      threshold: t,
      flaggedNormalWindows: normal.atLeast[t]!,
      normalWindows: normal.total,
      fpr: normal.total === 0 ? null : normal.atLeast[t]! / normal.total,
    };
    if (attack !== undefined) {
      p.flaggedAttackWindows = attack.atLeast[t]!;
      p.attackWindows = attack.total;
      p.attackWindowRate = attack.total === 0 ? null : attack.atLeast[t]! / attack.total;
    }
    out.push(p);
  }
  return out;
}
