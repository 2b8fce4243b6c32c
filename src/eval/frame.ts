// Owns the locality frame: turns a per-window mismatch signal into locality frame counts (LFC = number
// of mismatches among the last `frame` windows, the current one included) and summarises them so that
// every threshold can be evaluated later without rescoring: the max LFC, a histogram of LFC values over
// windows (decision-level rates) and the first window at which each LFC value is reached (alarm delay).

export interface FrameSummary {
  frame: number;
  /** Windows scored. */
  windows: number;
  maxLfc: number;
  /** hist[v] = number of windows whose LFC equals v (v = 0..frame). */
  hist: Int32Array;
  /** firstReach[v] = first window index whose LFC >= v, or -1 when never (index 0 is always 0 or -1). */
  firstReach: Int32Array;
}

export function summarizeFrame(signal: Uint8Array, frame: number): FrameSummary {
  if (!Number.isInteger(frame) || frame < 1) throw new RangeError(`frame must be a positive integer, got ${frame}`);
  const n = signal.length;
  const hist = new Int32Array(frame + 1);
  const firstReach = new Int32Array(frame + 1).fill(-1);
  if (n > 0) firstReach[0] = 0;
  let lfc = 0;
  let maxLfc = 0;
  for (let i = 0; i < n; i++) {
    lfc += signal[i]!;
    if (i >= frame) lfc -= signal[i - frame]!;
    hist[lfc]!++;
    if (lfc > maxLfc) {
      for (let v = maxLfc + 1; v <= lfc; v++) firstReach[v] = i;
      maxLfc = lfc;
    }
  }
  return { frame, windows: n, maxLfc, hist, firstReach };
}

/** LFC at every window (for reports that show the signal itself). */
export function lfcSeries(signal: Uint8Array, frame: number): Int32Array {
  const out = new Int32Array(signal.length);
  let lfc = 0;
  for (let i = 0; i < signal.length; i++) {
    lfc += signal[i]!;
    if (i >= frame) lfc -= signal[i - frame]!;
    out[i] = lfc;
  }
  return out;
}

/**
 * Incremental locality frame for online detection: push one window's mismatch bit, get the LFC.
 * A ring buffer of `frame` bits, O(1) per window.
 */
export class LocalityFrame {
  private readonly ring: Uint8Array;
  private pos = 0;
  private seen = 0;
  lfc = 0;

  constructor(readonly frame: number) {
    if (!Number.isInteger(frame) || frame < 1) throw new RangeError(`frame must be a positive integer, got ${frame}`);
    this.ring = new Uint8Array(frame);
  }

  push(mismatch: 0 | 1): number {
    if (this.seen >= this.frame) this.lfc -= this.ring[this.pos]!;
    this.ring[this.pos] = mismatch;
    this.lfc += mismatch;
    this.pos = this.pos + 1 === this.frame ? 0 : this.pos + 1;
    this.seen++;
    return this.lfc;
  }
}
