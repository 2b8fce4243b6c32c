// Owns the sequence database storage: a set of distinct length-k windows over dense syscall ids, held in
// typed arrays. Windows are hashed with a rolling polynomial hash (mod 2^32, Math.imul) mixed by a
// murmur finaliser, kept in an open-addressing table, and verified exactly against the stored window,
// so a hash collision can never make a foreign window look normal. Each window also keeps how many
// times it was seen in training (t-stide needs the counts).

const B = 0x01000193; // FNV prime: odd, so multiplication mod 2^32 is invertible.
const EMPTY = 0;

export function powB(k: number): number {
  let p = 1;
  for (let i = 0; i < k - 1; i++) p = Math.imul(p, B);
  return p;
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Polynomial hash of seq[start .. start+k). */
export function hashWindow(seq: ArrayLike<number>, start: number, k: number): number {
  let h = 0;
  for (let j = 0; j < k; j++) h = (Math.imul(h, B) + seq[start + j]!) | 0;
  return h;
}

export class WindowSet {
  readonly k: number;
  /** Stored windows, k ints each, in insertion order. */
  private arena: Int32Array;
  private counts: Float64Array;
  private hashes: Int32Array;
  /** Slot -> window index + 1 (0 = empty). */
  private table: Int32Array;
  private mask: number;
  private n = 0;
  private total = 0;
  /** B^(k-1), to remove the outgoing call from a rolling hash. */
  readonly bk1: number;
  /**
   * Exact packed keys, slot-parallel to `table` (-1 = empty): window w packs to sum w[j] * R^(k-1-j),
   * an integer < R^k <= 2^53, so a Float64 holds it exactly and one load + one compare replaces the
   * hashes[] check and the k-compare against the arena. Null once a stored id does not fit (id >= R-1).
   */
  private keys: Float64Array | null;
  /** Radix of the packed keys: floor(2^(53/k)); ids >= R-1 map to the sentinel R-1, never stored. */
  private readonly radix: number;
  private readonly radixK1: number;

  constructor(k: number, initialCapacity = 1024) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`window length k must be a positive integer, got ${k}`);
    this.k = k;
    this.bk1 = powB(k);
    // Window storage is a power of two and the table twice that, so growth keeps the mask valid.
    let windows = 8;
    while (windows < initialCapacity) windows *= 2;
    const cap = windows * 2;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
    this.arena = new Int32Array(windows * k);
    this.hashes = new Int32Array(windows);
    this.counts = new Float64Array(windows);
    this.radix = Math.floor(2 ** (53 / k));
    this.radixK1 = this.radix ** (k - 1);
    this.keys = new Float64Array(cap).fill(-1);
  }

  /** Packed key of seq[start..start+k), or -1 when a call does not fit the radix. */
  private packKey(seq: ArrayLike<number>, start: number): number {
    const R = this.radix;
    let key = 0;
    for (let j = 0; j < this.k; j++) {
      const x = seq[start + j]!;
      if (x < 0 || x >= R - 1) return -1;
      key = key * R + x;
    }
    return key;
  }

  /** Number of distinct windows. */
  get size(): number {
    return this.n;
  }

  /** Number of windows added, duplicates included. */
  get totalAdded(): number {
    return this.total;
  }

  /** Bytes held by the typed arrays of this set (capacity, not just the used part). */
  get bytes(): number {
    return this.arena.byteLength + this.hashes.byteLength + this.table.byteLength + this.counts.byteLength + (this.keys?.byteLength ?? 0);
  }

  /** Bytes needed for the distinct windows alone (k int32 each), the size a compact model file needs. */
  get payloadBytes(): number {
    return this.n * this.k * 4;
  }

  private grow(): void {
    const cap = this.hashes.length * 2;
    const arena = new Int32Array(cap * this.k);
    arena.set(this.arena);
    this.arena = arena;
    const hashes = new Int32Array(cap);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const counts = new Float64Array(cap);
    counts.set(this.counts);
    this.counts = counts;
    const tcap = cap * 2;
    this.table = new Int32Array(tcap);
    this.mask = tcap - 1;
    const keys = this.keys !== null ? new Float64Array(tcap).fill(-1) : null;
    for (let i = 0; i < this.n; i++) {
      let slot = mix(this.hashes[i]!) & this.mask;
      while (this.table[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.table[slot] = i + 1;
      if (keys !== null) keys[slot] = this.packKey(this.arena, i * this.k);
    }
    this.keys = keys;
  }

  private same(idx: number, seq: ArrayLike<number>, start: number): boolean {
    const k = this.k;
    const base = idx * k;
    const arena = this.arena;
    for (let j = 0; j < k; j++) if (arena[base + j] !== seq[start + j]) return false;
    return true;
  }

  /** Index of the window seq[start..start+k) with precomputed hash h, or -1. */
  findHashed(seq: ArrayLike<number>, start: number, h: number): number {
    const table = this.table;
    const mask = this.mask;
    let slot = mix(h) & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === EMPTY) return -1;
      const idx = e - 1;
      if (this.hashes[idx] === h && this.same(idx, seq, start)) return idx;
      slot = (slot + 1) & mask;
    }
  }

  has(seq: ArrayLike<number>, start = 0): boolean {
    return this.findHashed(seq, start, hashWindow(seq, start, this.k)) >= 0;
  }

  /** Adds one occurrence of the window; returns true when it was new. */
  addHashed(seq: ArrayLike<number>, start: number, h: number, times = 1): boolean {
    this.total += times;
    const found = this.findHashed(seq, start, h);
    if (found >= 0) {
      this.counts[found] = this.counts[found]! + times;
      return false;
    }
    if ((this.n + 1) * 2 > this.table.length || this.n === this.hashes.length) this.grow();
    const idx = this.n++;
    const k = this.k;
    for (let j = 0; j < k; j++) this.arena[idx * k + j] = seq[start + j]!;
    this.hashes[idx] = h;
    this.counts[idx] = times;
    let slot = mix(h) & this.mask;
    while (this.table[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.table[slot] = idx + 1;
    if (this.keys !== null) {
      const key = this.packKey(seq, start);
      if (key < 0) this.keys = null; // an id too large for the radix: the generic path from now on
      else this.keys[slot] = key;
    }
    return true;
  }

  add(seq: ArrayLike<number>, start = 0, times = 1): boolean {
    return this.addHashed(seq, start, hashWindow(seq, start, this.k), times);
  }

  /** Adds every window of a trace; returns how many were new. */
  addTrace(calls: Int32Array): number {
    const k = this.k;
    const L = calls.length;
    if (L < k) return 0;
    let added = 0;
    let h = hashWindow(calls, 0, k);
    const bk1 = this.bk1;
    for (let i = 0; ; i++) {
      if (this.addHashed(calls, i, h)) added++;
      if (i + k >= L) break;
      h = (Math.imul(h - Math.imul(calls[i]!, bk1), B) + calls[i + k]!) | 0;
    }
    return added;
  }

  /** How many times window idx was seen in training. */
  countAt(idx: number): number {
    return this.counts[idx]!;
  }

  /** Copy of window idx. */
  windowAt(idx: number): Int32Array {
    return this.arena.slice(idx * this.k, idx * this.k + this.k);
  }

  /** The stored windows (n*k ints) and their counts, in insertion order: what a model file holds. */
  export(): { windows: Int32Array; counts: Float64Array } {
    return { windows: this.arena.slice(0, this.n * this.k), counts: this.counts.slice(0, this.n) };
  }

  static fromExport(k: number, windows: Int32Array, counts: Float64Array): WindowSet {
    const n = counts.length;
    if (windows.length !== n * k) throw new RangeError(`window array holds ${windows.length} ints, expected ${n} x ${k}`);
    const s = new WindowSet(k, Math.max(16, n));
    for (let i = 0; i < n; i++) s.add(windows, i * k, counts[i]!);
    return s;
  }

  /**
   * Mismatch signal of a trace: out[i] = 1 when window i is absent. Length max(0, L-k+1).
   * This is the hot path: one rolling-hash update, one probe and one k-compare per window.
   */
  mismatches(calls: Int32Array, out?: Uint8Array): Uint8Array {
    const k = this.k;
    const L = calls.length;
    const nw = L >= k ? L - k + 1 : 0;
    const sig = out && out.length >= nw ? out.subarray(0, nw) : new Uint8Array(nw);
    if (nw === 0) return sig;
    if (this.keys !== null) {
      this.packedSignal(calls, sig, null);
      return sig;
    }
    const bk1 = this.bk1;
    let h = hashWindow(calls, 0, k);
    for (let i = 0; ; i++) {
      sig[i] = this.findHashed(calls, i, h) < 0 ? 1 : 0;
      if (i + k >= L) break;
      h = (Math.imul(h - Math.imul(calls[i]!, bk1), B) + calls[i + k]!) | 0;
    }
    return sig;
  }

  /** Index of every window of a trace in this set (-1 when absent); t-stide derives rarity from it. */
  lookupAll(calls: Int32Array): Int32Array {
    const k = this.k;
    const L = calls.length;
    const nw = L >= k ? L - k + 1 : 0;
    const out = new Int32Array(nw);
    if (nw === 0) return out;
    if (this.keys !== null) {
      this.packedSignal(calls, null, out);
      return out;
    }
    const bk1 = this.bk1;
    let h = hashWindow(calls, 0, k);
    for (let i = 0; ; i++) {
      out[i] = this.findHashed(calls, i, h);
      if (i + k >= L) break;
      h = (Math.imul(h - Math.imul(calls[i]!, bk1), B) + calls[i + k]!) | 0;
    }
    return out;
  }

  /**
   * The packed-key scan behind mismatches (sig: 1 = absent) and lookupAll (idx: window index or -1):
   * a rolling hash picks the slot, a rolling exact key is compared with keys[slot]. Calls that do not
   * fit the radix become the sentinel R-1, which no stored key holds, so their windows are absent.
   */
  private packedSignal(calls: Int32Array, sig: Uint8Array | null, idx: Int32Array | null): void {
    const k = this.k;
    const L = calls.length;
    const keys = this.keys!;
    const table = this.table;
    const mask = this.mask;
    const bk1 = this.bk1;
    const R = this.radix;
    const S = R - 1;
    const RK1 = this.radixK1;
    let h = hashWindow(calls, 0, k);
    let key = 0;
    for (let j = 0; j < k; j++) {
      const x = calls[j]!;
      key = key * R + (x >= 0 && x < S ? x : S);
    }
    for (let i = 0; ; i++) {
      let slot = mix(h) & mask;
      let found = -1;
      for (;;) {
        const kv = keys[slot]!;
        if (kv === key) {
          found = slot;
          break;
        }
        if (kv === -1) break;
        slot = (slot + 1) & mask;
      }
      if (sig !== null) sig[i] = found < 0 ? 1 : 0;
      else idx![i] = found < 0 ? -1 : table[found]! - 1;
      if (i + k >= L) break;
      const x0 = calls[i]!;
      const x1 = calls[i + k]!;
      h = (Math.imul(h - Math.imul(x0, bk1), B) + x1) | 0;
      key = (key - (x0 >= 0 && x0 < S ? x0 : S) * RK1) * R + (x1 >= 0 && x1 < S ? x1 : S);
    }
  }
}
