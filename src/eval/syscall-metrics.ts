// Owns syscall-level metrics: every system call of every test trace is one decision, the first k-1 calls
// of a trace included (they end no window, so they never alarm). Syscall j alarms iff window j-k+1 has
// an LFC >= m (m = the smallest alarming LFC of a threshold rule). Counts follow LID-DS's
// algorithms/performance_measurement.py (class Performance, as used by IDS.detect_parallel, which ends
// every alarm stream at the end of its recording):
// - attack traces are "exploit" recordings whose exploit starts at the first call (LID-DS's ADFA-LD
//   loader mocks exploit time 0), so their calls are TP (alarm) or FN (no alarm); normal traces give FP/TN;
// - alarm_count = attack traces with at least one alarming call; detection_rate = alarm_count / attack traces;
// - consecutive false alarms (CFA) = maximal runs of alarming calls in normal traces, each counted once,
//   a run never crossing a trace boundary; CFA in exploit recordings before the exploit = 0 here;
// - precision_with_cfa = alarm_count / (alarm_count + CFA); precision_with_syscalls = alarm_count /
//   (alarm_count + FP); f1_cfa = 2 p_cfa DR / (p_cfa + DR); each 0 when its denominator is 0 (as there).
// Per trace the scoring pass keeps, per frame, runStarts[v] = number of maximal runs of windows with
// LFC >= v, so every threshold's CFA is a lookup. Because the LFC changes by at most 1 per window,
// a run of LFC >= v starts exactly where the LFC steps from v-1 to v.

import type { ScoredTrace } from './score.js';

/** runStarts[v] (v = 0..frame): maximal runs of consecutive windows whose LFC >= v. */
export function alarmRunStarts(signal: Uint8Array, frame: number): Int32Array {
  const runs = new Int32Array(frame + 1);
  if (signal.length > 0) runs[0] = 1;
  let lfc = 0;
  for (let i = 0; i < signal.length; i++) {
    const prev = lfc;
    lfc += signal[i]!;
    if (i >= frame) lfc -= signal[i - frame]!;
    if (lfc > prev) runs[lfc]!++;
  }
  return runs;
}

/** The alarming calls of one trace as [first, last] call indices (inclusive), for the per-alarm export. */
export function alarmSpans(signal: Uint8Array, frame: number, minLfc: number, k: number): [number, number][] {
  const out: [number, number][] = [];
  let lfc = 0;
  let start = -1;
  for (let i = 0; i < signal.length; i++) {
    lfc += signal[i]!;
    if (i >= frame) lfc -= signal[i - frame]!;
    if (lfc >= minLfc) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push([start + k - 1, i - 1 + k - 1]);
      start = -1;
    }
  }
  if (start >= 0) out.push([start + k - 1, signal.length - 1 + k - 1]);
  return out;
}

export interface SyscallMetrics {
  /** Smallest alarming LFC (alarm iff LFC >= minAlarmLfc). */
  minAlarmLfc: number;
  truePositives: number;
  falseNegatives: number;
  falsePositives: number;
  trueNegatives: number;
  /** LID-DS consecutive_false_positives_normal. */
  consecutiveFalseAlarms: number;
  /** LID-DS correct_alarm_count / exploit_count. */
  alarmCount: number;
  exploitCount: number;
  detectionRate: number;
  precisionWithCfa: number;
  precisionWithSyscalls: number;
  f1Cfa: number;
  /** Normal test traces with at least one alarming call, out of normalTraces. */
  normalTracesAlarming: number;
  normalTraces: number;
}

const div0 = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Alarming windows of a trace at min LFC m (from its LFC histogram). */
function alarmingWindows(hist: Int32Array, m: number): number {
  let c = 0;
  for (let v = Math.max(m, 0); v < hist.length; v++) c += hist[v]!;
  return c;
}

/** Syscall-level metrics of the frame at `frameIndex` at alarm threshold LFC >= minAlarmLfc (>= 1). */
export function syscallMetrics(normal: readonly ScoredTrace[], attack: readonly ScoredTrace[], frameIndex: number, minAlarmLfc: number): SyscallMetrics {
  if (!(Number.isInteger(minAlarmLfc) && minAlarmLfc >= 1)) throw new RangeError(`syscallMetrics: minAlarmLfc must be an integer >= 1, got ${minAlarmLfc}`);
  let tp = 0;
  let fn = 0;
  let fp = 0;
  let tn = 0;
  let cfa = 0;
  let alarmCount = 0;
  let normalAlarming = 0;
  for (const s of attack) {
    const f = s.frames[frameIndex]!;
    const a = alarmingWindows(f.hist, minAlarmLfc);
    tp += a;
    fn += s.length - a;
    if (a > 0) alarmCount++;
  }
  for (const s of normal) {
    const f = s.frames[frameIndex]!;
    const a = alarmingWindows(f.hist, minAlarmLfc);
    fp += a;
    tn += s.length - a;
    if (a > 0) normalAlarming++;
    const runs = s.runStarts?.[frameIndex];
    if (runs === undefined) throw new RangeError('syscallMetrics: the cell was scored without alarm runs');
    if (minAlarmLfc < runs.length) cfa += runs[minAlarmLfc]!;
  }
  const dr = div0(alarmCount, attack.length);
  const pCfa = div0(alarmCount, alarmCount + cfa);
  return {
    minAlarmLfc,
    truePositives: tp,
    falseNegatives: fn,
    falsePositives: fp,
    trueNegatives: tn,
    consecutiveFalseAlarms: cfa,
    alarmCount,
    exploitCount: attack.length,
    detectionRate: dr,
    precisionWithCfa: pCfa,
    precisionWithSyscalls: div0(alarmCount, alarmCount + fp),
    f1Cfa: div0(2 * pCfa * dr, pCfa + dr),
    normalTracesAlarming: normalAlarming,
    normalTraces: normal.length,
  };
}

/**
 * Reference implementation: LID-DS's Performance state machine, call by call, over per-call alarm flags
 * (1 = the decider fired). Each recording is measured alone and the results are summed, as
 * IDS.detect_parallel does (detect_on_single_recording ends open CFA streams at the recording's end).
 * Used by the tests to check syscallMetrics against the original semantics.
 */
export function lidDsPerformance(recordings: readonly { exploit: boolean; alarms: ArrayLike<number> }[]): Omit<SyscallMetrics, 'minAlarmLfc' | 'normalTracesAlarming' | 'normalTraces'> {
  let fp = 0;
  let tp = 0;
  let tn = 0;
  let fn = 0;
  let alarmCount = 0;
  let exploitCount = 0;
  let cfpNormal = 0;
  for (const r of recordings) {
    let alarm = false;
    let stream = 0;
    let wait = false;
    const end = (): void => {
      if (wait && stream > 0) {
        stream = 0;
        cfpNormal++;
        wait = false;
      }
    };
    if (r.exploit) exploitCount++;
    for (let j = 0; j < r.alarms.length; j++) {
      const isAnomaly = r.alarms[j]! > 0;
      if (r.exploit) {
        // exploit time 0: every call is at or after the exploit
        if (isAnomaly) {
          if (!alarm) {
            alarmCount++;
            alarm = true;
          }
          tp++;
        } else fn++;
      } else if (isAnomaly) {
        fp++;
        stream++;
        wait = true;
      } else {
        end();
        tn++;
      }
    }
    end();
  }
  const dr = div0(alarmCount, exploitCount);
  const pCfa = div0(alarmCount, alarmCount + cfpNormal);
  return {
    truePositives: tp,
    falseNegatives: fn,
    falsePositives: fp,
    trueNegatives: tn,
    consecutiveFalseAlarms: cfpNormal,
    alarmCount,
    exploitCount,
    detectionRate: dr,
    precisionWithCfa: pCfa,
    precisionWithSyscalls: div0(alarmCount, alarmCount + fp),
    f1Cfa: div0(2 * pCfa * dr, pCfa + dr),
  };
}
