// Owns the locality frame: turns a per-window mismatch signal into locality frame counts (LFC = number
// of mismatches among the last `frame` windows, the current one included) and summarises them so that
// every threshold can be evaluated later without rescoring: the max LFC, a histogram of LFC values over
// windows (decision-level rates) and the first window at which each LFC value is reached (alarm delay).
// summarizeFramesInto does this for every frame of a sweep in one pass over the signal, writing the
// histograms into a caller-supplied backing array (one allocation per batch of traces, not per frame).

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

/** Ints one trace's summaries take in a backing array: 2 * (frame + 1) per frame (hist, firstReach). */
export function summaryInts(frames: readonly number[]): number {
  let n = 0;
  for (const f of frames) n += 2 * (f + 1);
  return n;
}

/** Per-frame running state of summarizeFramesInto, reused across calls (grown for more frames). */
let lfcState = new Int32Array(8);
let maxState = new Int32Array(8);

/**
 * Summaries of every frame of `frames` over signal[0..n), in ONE pass over the signal: each window
 * updates every frame's LFC, histogram and first-reach. hist and firstReach are views of
 * store[at .. at + summaryInts(frames)), which must be zero (firstReach's -1s are written here).
 * Identical to summarizeFrame(signal.subarray(0, n), f) for each f.
 */
export function summarizeFramesInto(signal: Uint8Array, n: number, frames: readonly number[], store: Int32Array, at: number): FrameSummary[] {
  const F = frames.length;
  if (lfcState.length < F) {
    lfcState = new Int32Array(F * 2);
    maxState = new Int32Array(F * 2);
  }
  const lfc = lfcState;
  const maxL = maxState;
  const out: FrameSummary[] = new Array<FrameSummary>(F);
  let o = at;
  for (let fi = 0; fi < F; fi++) {
    const frame = frames[fi]!;
    if (!Number.isInteger(frame) || frame < 1) throw new RangeError(`frame must be a positive integer, got ${frame}`);
    const hist = store.subarray(o, o + frame + 1);
    const firstReach = store.subarray(o + frame + 1, o + 2 * (frame + 1)).fill(-1);
    if (n > 0) firstReach[0] = 0;
    o += 2 * (frame + 1);
    out[fi] = { frame, windows: n, maxLfc: 0, hist, firstReach };
    lfc[fi] = 0;
    maxL[fi] = 0;
  }
  if (F === 1) {
    // The common case without the frame loop.
    const { hist, firstReach, frame } = out[0]!;
    let l = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      l += signal[i]!;
      if (i >= frame) l -= signal[i - frame]!;
      hist[l]!++;
      if (l > m) {
        for (let v = m + 1; v <= l; v++) firstReach[v] = i;
        m = l;
      }
    }
    out[0]!.maxLfc = m;
    return out;
  }
  for (let i = 0; i < n; i++) {
    const s = signal[i]!;
    for (let fi = 0; fi < F; fi++) {
      const sm = out[fi]!;
      const frame = sm.frame;
      const l = lfc[fi]! + s - (i >= frame ? signal[i - frame]! : 0);
      lfc[fi] = l;
      sm.hist[l]!++;
      const m = maxL[fi]!;
      if (l > m) {
        for (let v = m + 1; v <= l; v++) sm.firstReach[v] = i;
        maxL[fi] = l;
      }
    }
  }
  for (let fi = 0; fi < F; fi++) out[fi]!.maxLfc = maxL[fi]!;
  return out;
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
